package io.flowctl.examples;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.proto.Event;
import io.flowctl.schema.SchemaFingerprints;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongConsumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/** The pieces the example components share. */
final class Loopback {
  private Loopback() {}

  /** Serves {@code service} on a free loopback port. */
  static Server serve(BindableService service) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(service)
        .build()
        .start();
  }

  /**
   * {@code batches} synthetic TTP batches of {@code rows} rows as Arrow events, generated as they
   * are asked for, ids 1..batches (resuming after an id); {@code payloadBytes} hears each event's
   * size.
   */
  static ArrowSourceService.Feed ttpFeed(
      ArrowEventCodec codec,
      int batches,
      int rows,
      BufferAllocator allocator,
      LongConsumer payloadBytes) {
    TtpEvents generator = new TtpEvents(42);
    return start -> {
      String resume = start.resumeAfter();
      int[] n = {resume.isEmpty() ? 0 : Integer.parseInt(resume)};
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return n[0] < batches;
        }

        @Override
        public ArrowSourceService.Identified next() {
          n[0]++;
          try (VectorSchemaRoot b = generator.next(rows, allocator)) {
            Event e = codec.encode(b);
            payloadBytes.accept(e.getPayload().size());
            return new ArrowSourceService.Identified(Integer.toString(n[0]), e);
          }
        }
      };
    };
  }

  /**
   * The same synthetic transfers as plain protobuf rows, one event per transfer (Arrow switched
   * off), ids 1..batches×rows.
   */
  static ArrowSourceService.Feed ttpRowFeed(
      int batches, int rows, BufferAllocator allocator, LongConsumer payloadBytes) {
    TtpEvents generator = new TtpEvents(42);
    return start -> {
      String resume = start.resumeAfter();
      long[] n = {resume.isEmpty() ? 0 : Long.parseLong(resume)};
      ArrayDeque<Event> pending = new ArrayDeque<>();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return !pending.isEmpty() || n[0] < (long) batches * rows;
        }

        @Override
        public ArrowSourceService.Identified next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          if (pending.isEmpty()) {
            try (VectorSchemaRoot b = generator.next(rows, allocator)) {
              pending.addAll(ProtobufRows.toEvents(b, TtpEvents.ROW_EVENT_TYPE));
            }
          }
          Event e = pending.poll();
          payloadBytes.accept(e.getPayload().size());
          return new ArrowSourceService.Identified(Long.toString(++n[0]), e);
        }
      };
    };
  }

  /**
   * A component id as a file name that cannot leave its folder: letters, digits, '.', '_' and '-'
   * kept, anything else (a '/', a NUL, '..' as a whole) replaced by '_'.
   */
  static String safeFileName(String id) {
    String name = id.replaceAll("[^A-Za-z0-9._-]", "_");
    return name.isEmpty() || name.chars().allMatch(c -> c == '.') ? "_" + name.length() : name;
  }

  /**
   * A Parquet file a sink appends batches to; written when closed (through a temporary name, so a
   * reader never sees half a file).
   */
  static final class ParquetFile implements AutoCloseable {
    private final Path file;
    // Released once the file is written: a sink keeps its first file's summary for its life.
    private VectorSchemaRoot root;
    private ParquetEventCodec.EventWriter writer;
    private final java.util.concurrent.atomic.AtomicLong rows; // the sink's, over all its files
    private String fingerprint = "";
    private boolean closed;

    /**
     * @param rows where the rows appended are counted (a sink's count over all its files)
     */
    ParquetFile(
        Path file,
        Schema schema,
        ParquetEventCodec codec,
        BufferAllocator allocator,
        java.util.concurrent.atomic.AtomicLong rows) {
      this.file = file;
      this.root = VectorSchemaRoot.create(schema, allocator);
      this.writer = codec.newWriter(root, null);
      this.rows = rows;
    }

    /** Appends one batch of the file's schema; the caller keeps {@code batch}. */
    synchronized void append(VectorSchemaRoot batch) {
      if (closed) { // checked before a buffer is allocated: a refused batch holds no memory
        throw new IllegalStateException("the file " + file.getFileName() + " is already written");
      }
      if (!batch.getSchema().equals(root.getSchema())) {
        throw new IllegalArgumentException(
            "a batch of " + batch.getSchema() + " for a file of " + root.getSchema());
      }
      root.allocateNew();
      for (int c = 0; c < batch.getFieldVectors().size(); c++) {
        for (int r = 0; r < batch.getRowCount(); r++) {
          root.getVector(c).copyFromSafe(r, r, batch.getVector(c));
        }
      }
      root.setRowCount(batch.getRowCount());
      writer.writeBatch();
      rows.addAndGet(batch.getRowCount());
    }

    /** The fingerprint of what the file holds, once written. */
    synchronized String fingerprint() {
      return fingerprint;
    }

    Path path() {
      return file;
    }

    /** Writes the file. */
    @Override
    public synchronized void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        Event e = writer.finish();
        fingerprint = SchemaFingerprints.structural(root.getSchema()).toString();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
          e.getPayload().writeTo(out);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        writer.close();
        root.close();
        writer = null;
        root = null;
      }
    }
  }
}
