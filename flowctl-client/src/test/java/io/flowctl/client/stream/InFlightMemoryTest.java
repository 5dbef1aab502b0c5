package io.flowctl.client.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.Compression;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Memory per million rows in flight: a source streams batches of 50,000 rows to a sink slower than
 * it, with max_inflight 4, once 1 million rows and once 4 million. The Arrow memory both sides hold
 * at the peak, and how far the source runs ahead, must not grow with the stream: what is in flight
 * is bounded by max_inflight, not by the rows sent. Figures for docs/reliability.md.
 */
class InFlightMemoryTest {
  static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("ledger", new ArrowType.Int(64, true)),
              Field.notNullable("account", ArrowType.Utf8.INSTANCE),
              Field.notNullable("amount", new ArrowType.Int(64, true))));
  static final int BATCH = 50_000;
  static final int MAX_INFLIGHT = 4;

  record Run(long rows, long peakArrowBytes, long maxEventsAhead, long batchArrowBytes) {}

  @Test
  void whatIsInFlight_isBoundedByMaxInflight_notByTheRowsSent() throws Exception {
    Run million = stream(1_000_000);
    Run four = stream(4_000_000);
    for (Run r : List.of(million, four)) {
      System.out.printf(
          Locale.ROOT,
          "in flight: %,d rows in batches of %,d (%,d Arrow bytes each), max_inflight %d:"
              + " peak Arrow memory %,d bytes (%.1f batches), source at most %d events ahead%n",
          r.rows(),
          BATCH,
          r.batchArrowBytes(),
          MAX_INFLIGHT,
          r.peakArrowBytes(),
          (double) r.peakArrowBytes() / r.batchArrowBytes(),
          r.maxEventsAhead());
    }
    assertThat(four.maxEventsAhead()).isLessThanOrEqualTo(MAX_INFLIGHT + 4);
    assertThat(four.peakArrowBytes())
        .as("four times the rows, not four times the memory")
        .isLessThan(million.peakArrowBytes() * 3 / 2);
    assertThat(four.peakArrowBytes()).isLessThan(8 * four.batchArrowBytes());
  }

  private Run stream(long rows) throws Exception {
    int batches = (int) (rows / BATCH);
    AtomicLong taken = new AtomicLong();
    AtomicLong handled = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    long[] batchBytes = {0};
    try (BufferAllocator source = new RootAllocator();
        BufferAllocator sink = new RootAllocator()) {
      ArrowEventCodec codec = ArrowEventCodec.builder().compression(Compression.LZ4).build();
      ArrowSourceService.Feed feed =
          start -> {
            String resumeAfter = start.resumeAfter();
            int[] next = {resumeAfter.isEmpty() ? 0 : Integer.parseInt(resumeAfter)};
            return new Iterator<>() {
              @Override
              public boolean hasNext() {
                return next[0] < batches;
              }

              @Override
              public ArrowSourceService.Identified next() {
                int b = ++next[0];
                taken.incrementAndGet();
                try (VectorSchemaRoot root = batch(b, source)) {
                  batchBytes[0] = Math.max(batchBytes[0], arrowBytes(root));
                  return new ArrowSourceService.Identified(Integer.toString(b), codec.encode(root));
                }
              }
            };
          };
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(new ArrowSourceService("src", feed))
              .build()
              .start();
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      try {
        ArrowStreamConsumer consumer =
            new ArrowStreamConsumer(
                channel,
                StreamRequest.getDefaultInstance(),
                MAX_INFLIGHT,
                e -> {
                  maxAhead.accumulateAndGet(taken.get() - handled.get(), Math::max);
                  try (ArrowEventReader in = codec.decode(e, sink)) {
                    while (in.loadNextBatch()) {
                      Thread.sleep(2); // a sink slower than its source
                    }
                  }
                  handled.incrementAndGet();
                },
                null,
                Duration.ofMillis(100));
        consumer.start().get(2, TimeUnit.MINUTES);
        assertThat(handled.get()).isEqualTo(batches);
        return new Run(
            rows,
            source.getPeakMemoryAllocation() + sink.getPeakMemoryAllocation(),
            maxAhead.get(),
            batchBytes[0]);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  static VectorSchemaRoot batch(int b, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator);
    root.allocateNew();
    BigIntVector ledger = (BigIntVector) root.getVector("ledger");
    VarCharVector account = (VarCharVector) root.getVector("account");
    BigIntVector amount = (BigIntVector) root.getVector("amount");
    for (int i = 0; i < BATCH; i++) {
      ledger.setSafe(i, b * 1_000L + i / 50);
      account.setSafe(i, ("G" + Integer.toHexString(i * 31)).getBytes(StandardCharsets.US_ASCII));
      amount.setSafe(i, (long) i * 7919 % 1_000_000_007L);
    }
    root.setRowCount(BATCH);
    return root;
  }

  static long arrowBytes(VectorSchemaRoot root) {
    long n = 0;
    for (var v : root.getFieldVectors()) {
      n += v.getBufferSize();
    }
    return n;
  }
}
