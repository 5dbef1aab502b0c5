package io.flowctl.client.codec;

import io.flowctl.client.codec.internal.AbstractEventCodec;
import io.flowctl.client.codec.internal.ByteStringChannels;
import io.flowctl.client.codec.internal.FastCompressionFactory;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventTypes;
import io.flowctl.schema.ArrowSchemas;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Turns Arrow record batches into flowctl {@link Event}s whose payload is an Arrow IPC stream, and
 * back. The event's {@link ArrowMetadata} describes the payload (structural schema fingerprint,
 * rows, columns, schema metadata, compression) so that routers and registries never parse it.
 *
 * <pre>{@code
 * ArrowEventCodec codec = ArrowEventCodec.builder().compression(Compression.ZSTD).build();
 * Event event = codec.encode(root);                       // root: yours, unchanged
 * try (ArrowEventReader in = codec.decode(event, allocator)) {
 *   while (in.loadNextBatch()) {
 *     consume(in.root());                                // valid until the next load or close
 *   }
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class ArrowEventCodec extends AbstractEventCodec {
  private final Compression compression;
  private final Optional<Integer> zstdLevel;
  private final int compressionThreads;
  private final java.util.concurrent.Executor compressionExecutor;

  private ArrowEventCodec(Builder b) {
    super(b);
    this.compression = b.compression;
    this.zstdLevel = b.zstdLevel;
    this.compressionThreads = b.compressionThreads;
    this.compressionExecutor = b.compressionExecutor;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A codec for {@code arrow_data.ArrowBatch}, uncompressed, decoding at most 256 MiB. */
  public static ArrowEventCodec defaults() {
    return builder().build();
  }

  public Compression compression() {
    return compression;
  }

  /**
   * A writer of several batches into one event: refill {@code root} and call {@link
   * EventWriter#writeBatch()} for each, then {@link EventWriter#finish()}.
   */
  @Override
  public EventWriter newWriter(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    return new EventWriter(root, dictionaries);
  }

  /**
   * Opens an event for reading. The reader allocates from a child of {@code allocator} limited to
   * {@link Builder#maxDecodedBytes}; closing it releases everything it read.
   *
   * @throws CodecException when the event is not an Arrow IPC event or its framing is malformed
   */
  @Override
  public ArrowEventReader decode(Event event, BufferAllocator allocator) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(allocator, "allocator");
    return ArrowEventReader.open(event, allocator, maxDecodedBytes(), metrics());
  }

  /** Writes batches of one root into one event payload. Not thread-safe; close it. */
  public final class EventWriter implements EventCodec.Writer {
    private final VectorSchemaRoot root;
    private final Schema schema;
    private final ByteStringChannels.Output out;
    private final ArrowStreamWriter writer;
    private final io.flowctl.client.codec.internal.ParallelCompression parallel;
    private long rows;
    private long arrowBytes;
    private long cells;
    private long nulls;
    private long nanos;
    private boolean finished;

    private EventWriter(VectorSchemaRoot root, DictionaryProvider dictionaries) {
      long start = System.nanoTime();
      this.root = Objects.requireNonNull(root, "root");
      this.schema =
          ArrowSchemas.hasDictionaryFields(root.getSchema())
              ? ArrowSchemas.messageFormat(root.getSchema(), dictionaries)
              : root.getSchema();
      this.out = new ByteStringChannels.Output(sizeHint(root));
      DictionaryProvider provider =
          dictionaries == null ? new DictionaryProvider.MapDictionaryProvider() : dictionaries;
      Optional<Integer> level = compression == Compression.ZSTD ? zstdLevel : Optional.empty();
      CompressionCodec.Factory factory = FastCompressionFactory.INSTANCE;
      if (compressionThreads > 1 && compression != Compression.NONE) {
        CompressionCodec codec =
            level.isPresent()
                ? factory.createCodec(compression.codecType(), level.get())
                : factory.createCodec(compression.codecType());
        this.parallel =
            new io.flowctl.client.codec.internal.ParallelCompression(
                codec, compressionThreads, compressionExecutor);
        factory =
            new CompressionCodec.Factory() {
              @Override
              public CompressionCodec createCodec(CompressionUtil.CodecType type) {
                return parallel;
              }

              @Override
              public CompressionCodec createCodec(CompressionUtil.CodecType type, int l) {
                return parallel;
              }
            };
      } else {
        this.parallel = null;
      }
      this.writer =
          new ArrowStreamWriter(
              root, provider, out, IpcOption.DEFAULT, factory, compression.codecType(), level);
      try {
        writer.start();
      } catch (IOException e) {
        throw new CodecException("cannot start an IPC stream: " + e.getMessage(), e);
      }
      nanos += System.nanoTime() - start;
    }

    /** Appends the root's current contents as one record batch. */
    @Override
    public void writeBatch() {
      if (finished) {
        throw new IllegalStateException("the event was already finished");
      }
      long start = System.nanoTime();
      try {
        if (parallel != null) {
          parallel.prepare(root);
        }
        writer.writeBatch();
      } catch (IOException e) {
        throw new CodecException("cannot write a record batch: " + e.getMessage(), e);
      } finally {
        if (parallel != null) {
          parallel.release();
        }
      }
      nanos += System.nanoTime() - start;
      rows += root.getRowCount();
      if (metrics() != null) {
        for (var v : root.getFieldVectors()) {
          arrowBytes += v.getBufferSize();
          nulls += v.getNullCount();
        }
        cells += (long) root.getRowCount() * root.getFieldVectors().size();
      }
    }

    /** Ends the stream and builds the event. */
    @Override
    public Event finish() {
      if (finished) {
        throw new IllegalStateException("the event was already finished");
      }
      finished = true;
      long start = System.nanoTime();
      try {
        writer.end();
      } catch (IOException e) {
        throw new CodecException("cannot end the IPC stream: " + e.getMessage(), e);
      }
      Event event = event(out.toByteString(), schema, rows, compression.wireName());
      nanos += System.nanoTime() - start;
      if (metrics() != null) {
        metrics().encoded(rows, arrowBytes, event.getPayload().size(), cells, nulls, nanos);
      }
      return event;
    }

    @Override
    public void close() {
      writer.close();
      if (parallel != null) {
        parallel.release();
      }
    }
  }

  /**
   * The first chunk of the payload: about the whole uncompressed stream (buffers, their 8-byte
   * padding, the messages), so that one batch is written into one array; a quarter of that when
   * compressing, later chunks growing as needed.
   */
  private int sizeHint(VectorSchemaRoot root) {
    long bytes = 4096;
    for (var v : root.getFieldVectors()) {
      bytes += v.getBufferSize() + 64;
    }
    bytes += 16L * root.getSchema().getFields().size() + bytes / 256;
    if (compression != Compression.NONE) {
      bytes /= 4;
    }
    return (int) Math.min(bytes, Integer.MAX_VALUE - 64);
  }

  /** Settings of a codec. */
  public static final class Builder extends AbstractEventCodec.Builder<Builder> {
    private Compression compression = Compression.NONE;
    private Optional<Integer> zstdLevel = Optional.empty();
    private int compressionThreads = 1;
    private java.util.concurrent.Executor compressionExecutor =
        java.util.concurrent.ForkJoinPool.commonPool();

    private Builder() {
      super(EventTypes.ARROW_BATCH);
    }

    /** IPC body compression; default none. */
    public Builder compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /**
     * The zstd level (1–22); default 1, which on token-transfer batches compresses as well as 3.
     */
    public Builder zstdLevel(int level) {
      if (level < 1 || level > 22) {
        throw new IllegalArgumentException("zstd levels are 1 to 22: " + level);
      }
      this.zstdLevel = Optional.of(level);
      return this;
    }

    /**
     * Compresses the buffers of a batch on this many threads (the encoding thread and {@code
     * threads - 1} tasks on the {@link #compressionExecutor}); default 1. The gain measured on 2
     * cores is in docs/benchmarks.md.
     */
    public Builder compressionThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("at least one compression thread: " + threads);
      }
      this.compressionThreads = threads;
      return this;
    }

    /** Where the extra compression tasks run; default the common fork-join pool. */
    public Builder compressionExecutor(java.util.concurrent.Executor executor) {
      this.compressionExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    public ArrowEventCodec build() {
      return new ArrowEventCodec(this);
    }
  }
}
