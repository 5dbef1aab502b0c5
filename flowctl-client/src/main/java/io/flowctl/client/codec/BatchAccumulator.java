package io.flowctl.client.codec;

import io.flowctl.proto.Event;
import io.flowctl.schema.SchemaFingerprints;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Collects rows or small batches for a source and ships them as events: when {@code batchSize} rows
 * are in, when their Arrow buffers reach a byte budget, or when the oldest row has waited {@code
 * flushTimeout} (the pipeline file's {@code batch_size} and {@code batch_accumulation_timeout}).
 *
 * <pre>{@code
 * try (BatchAccumulator acc = BatchAccumulator.builder(schema, allocator, codec, client::send)
 *         .batchSize(10_000).flushTimeout(Duration.ofSeconds(1)).build()) {
 *   for (Transfer t : transfers) {
 *     acc.appendRow((root, row) -> ((BigIntVector) root.getVector("amount")).setSafe(row, t.amount()));
 *     acc.flushIfDue();                        // also call it from a timer when input is idle
 *   }
 * }                                            // close() flushes what is left
 * }</pre>
 *
 * <p>Not thread-safe: use it from the source's loop (or guard it). It owns its root, allocated from
 * the caller's allocator; events are handed to the sink as soon as they are encoded.
 */
public final class BatchAccumulator implements AutoCloseable {
  /** Writes one row's values into the accumulator's root at {@code row}. */
  @FunctionalInterface
  public interface RowWriter {
    void write(VectorSchemaRoot root, int row);
  }

  private final VectorSchemaRoot root;
  private final EventCodec codec;
  private final Consumer<Event> sink;
  private final int batchSize;
  private final long maxBytes;
  private final long timeoutNanos;
  private final LongSupplier nanoClock;
  private final String fingerprint;
  private long firstRowAt;
  private long flushed;

  private BatchAccumulator(Builder b) {
    this.root = VectorSchemaRoot.create(b.schema, b.allocator);
    this.codec = b.codec;
    this.sink = b.sink;
    this.batchSize = b.batchSize;
    this.maxBytes = b.maxBytes;
    this.timeoutNanos = b.flushTimeout.toNanos();
    this.nanoClock = b.nanoClock;
    this.fingerprint = SchemaFingerprints.structural(b.schema).toString();
    root.allocateNew();
  }

  /**
   * A builder for an accumulator of {@code schema} rows (no dictionary-encoded columns), encoded
   * with {@code codec} and handed to {@code sink}.
   */
  public static Builder builder(
      Schema schema, BufferAllocator allocator, EventCodec codec, Consumer<Event> sink) {
    return new Builder(schema, allocator, codec, sink);
  }

  /** Rows waiting to be shipped. */
  public int pendingRows() {
    return root.getRowCount();
  }

  /** Events shipped so far. */
  public long flushedEvents() {
    return flushed;
  }

  /** Appends one row, then flushes if the row count or byte budget is reached. */
  public void appendRow(RowWriter writer) {
    int row = root.getRowCount();
    writer.write(root, row);
    grow(row + 1);
  }

  /**
   * Appends every row of a small batch with the accumulator's schema, then flushes as needed.
   *
   * @throws CodecException when the batch has another schema
   */
  public void append(VectorSchemaRoot batch) {
    if (!SchemaFingerprints.structural(batch.getSchema()).toString().equals(fingerprint)) {
      throw new CodecException(
          "a batch of schema "
              + SchemaFingerprints.structural(batch.getSchema())
              + " given to an accumulator of "
              + fingerprint);
    }
    for (int i = 0; i < batch.getRowCount(); i++) {
      int row = root.getRowCount();
      for (int c = 0; c < batch.getFieldVectors().size(); c++) {
        root.getVector(c).copyFromSafe(i, row, batch.getVector(c));
      }
      grow(row + 1);
    }
  }

  /** Flushes when the oldest pending row has waited the flush timeout; returns whether it did. */
  public boolean flushIfDue() {
    if (root.getRowCount() > 0 && nanoClock.getAsLong() - firstRowAt >= timeoutNanos) {
      flush();
      return true;
    }
    return false;
  }

  /** Ships the pending rows as one event now (nothing when none are pending). */
  public void flush() {
    if (root.getRowCount() == 0) {
      return;
    }
    Event e = codec.encode(root);
    for (FieldVector v : root.getFieldVectors()) {
      v.reset();
    }
    root.setRowCount(0);
    flushed++;
    sink.accept(e);
  }

  /** Flushes what is pending and releases the root. */
  @Override
  public void close() {
    try {
      flush();
    } finally {
      root.close();
    }
  }

  private void grow(int rows) {
    if (rows == 1) {
      firstRowAt = nanoClock.getAsLong();
    }
    root.setRowCount(rows);
    if (rows >= batchSize || bytes() >= maxBytes) {
      flush();
    }
  }

  private long bytes() {
    long total = 0;
    for (ValueVector v : root.getFieldVectors()) {
      total += v.getBufferSize();
    }
    return total;
  }

  /** Settings of an accumulator. */
  public static final class Builder {
    private final Schema schema;
    private final BufferAllocator allocator;
    private final EventCodec codec;
    private final Consumer<Event> sink;
    private int batchSize = 65_536;
    private long maxBytes = 64L << 20;
    private Duration flushTimeout = Duration.ofSeconds(1);
    private LongSupplier nanoClock = System::nanoTime;

    private Builder(
        Schema schema, BufferAllocator allocator, EventCodec codec, Consumer<Event> sink) {
      this.schema = Objects.requireNonNull(schema, "schema");
      this.allocator = Objects.requireNonNull(allocator, "allocator");
      this.codec = Objects.requireNonNull(codec, "codec");
      this.sink = Objects.requireNonNull(sink, "sink");
    }

    /** Rows per event; default 65,536. */
    public Builder batchSize(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("batch size must be >= 1: " + rows);
      }
      this.batchSize = rows;
      return this;
    }

    /** Arrow buffer bytes that trigger a flush before {@link #batchSize}; default 64 MiB. */
    public Builder maxBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("byte budget must be positive: " + bytes);
      }
      this.maxBytes = bytes;
      return this;
    }

    /** How long the oldest row may wait; default one second. */
    public Builder flushTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must not be negative: " + timeout);
      }
      this.flushTimeout = timeout;
      return this;
    }

    /** The clock of the timeout (tests use a fake one); default {@code System::nanoTime}. */
    public Builder nanoClock(LongSupplier clock) {
      this.nanoClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public BatchAccumulator build() {
      if (io.flowctl.schema.ArrowSchemas.hasDictionaryFields(schema)) {
        throw new CodecException(
            "the accumulator takes schemas without dictionary-encoded columns");
      }
      return new BatchAccumulator(this);
    }
  }
}
