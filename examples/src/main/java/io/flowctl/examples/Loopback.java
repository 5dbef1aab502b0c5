package io.flowctl.examples;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.proto.Event;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.function.LongConsumer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.Schema;

/** The pieces the demo and the example launcher share. */
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
   * {@code batches} synthetic TTP batches of {@code rows} rows, generated as they are asked for,
   * ids 1..batches (resuming after an id); {@code payloadBytes} hears each event's size.
   */
  static ArrowSourceService.Feed ttpFeed(
      ArrowEventCodec codec,
      int batches,
      int rows,
      BufferAllocator allocator,
      LongConsumer payloadBytes) {
    TtpEvents generator = new TtpEvents(42);
    return resume -> {
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

  /** An Arrow IPC stream file a sink appends decoded batches to. */
  static final class IpcFile implements AutoCloseable {
    private final OutputStream out;
    private final VectorSchemaRoot root;
    private final ArrowStreamWriter writer;

    IpcFile(Path file, Schema schema, BufferAllocator allocator) throws IOException {
      this.out = Files.newOutputStream(file);
      this.root = VectorSchemaRoot.create(schema, allocator);
      this.writer = new ArrowStreamWriter(root, null, out);
      writer.start();
    }

    /** Appends every batch of {@code in}; returns the rows written. */
    long append(ArrowEventReader in) throws IOException {
      long rows = 0;
      while (in.loadNextBatch()) {
        // Copy into the file's own root: the decoded batch belongs to the reader.
        VectorSchemaRoot batch = in.root();
        root.allocateNew();
        for (int c = 0; c < batch.getFieldVectors().size(); c++) {
          for (int r = 0; r < batch.getRowCount(); r++) {
            root.getVector(c).copyFromSafe(r, r, batch.getVector(c));
          }
        }
        root.setRowCount(batch.getRowCount());
        writer.writeBatch();
        rows += batch.getRowCount();
      }
      return rows;
    }

    /** Ends the stream and closes the file. */
    @Override
    public void close() throws IOException {
      try {
        writer.end();
      } finally {
        writer.close();
        root.close();
        out.close();
      }
    }
  }
}
