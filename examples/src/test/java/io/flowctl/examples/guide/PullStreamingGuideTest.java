package io.flowctl.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.ArrowStreamConsumer;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * The layer under the SDK, run end to end: a source, a processor and a sink built from the
 * low-level classes ({@code ArrowSourceService}, {@code ArrowProcessor}, {@code
 * ArrowStreamConsumer}) that find each other and stream in pull mode, without a runner.
 */
class PullStreamingGuideTest {
  static final Schema AMOUNTS =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));

  /** Ten batches of 1,000 amounts; the ids let a consumer resume after the last it handled. */
  static ArrowSourceService.Feed amounts(ArrowEventCodec codec, BufferAllocator allocator) {
    return start -> {
      String resumeAfter = start.resumeAfter();
      int first = resumeAfter.isEmpty() ? 1 : Integer.parseInt(resumeAfter) + 1;
      List<ArrowSourceService.Identified> events = new ArrayList<>();
      for (int b = first; b <= 10; b++) {
        try (VectorSchemaRoot root = VectorSchemaRoot.create(AMOUNTS, allocator)) {
          BigIntVector v = (BigIntVector) root.getVector("amount");
          for (int i = 0; i < 1_000; i++) {
            v.setSafe(i, b * 1_000L + i);
          }
          root.setRowCount(1_000);
          events.add(new ArrowSourceService.Identified(Integer.toString(b), codec.encode(root)));
        }
      }
      Iterator<ArrowSourceService.Identified> it = events.iterator();
      return it;
    };
  }

  @Test
  void aSourceAProcessorAndASink_inAFewLinesEach() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlowctlServer controlPlane =
            FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      String endpoint = "127.0.0.1:" + controlPlane.port();

      // region source
      CodecMetrics metrics = CodecMetrics.create(allocator);
      ArrowEventCodec codec =
          ArrowEventCodec.builder()
              .eventType("arrow_data.ArrowBatch")
              .compression(Compression.LZ4)
              .metrics(metrics)
              .build();
      Server source =
          NettyServerBuilder.forPort(0)
              .addService(new ArrowSourceService("amounts", amounts(codec, allocator)))
              .build()
              .start();
      ControlPlaneClient sourceClient =
          ControlPlaneClient.builder(
                  endpoint,
                  ServiceInfo.newBuilder()
                      .setServiceId("amounts")
                      .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
                      .addOutputEventTypes("arrow_data.ArrowBatch")
                      .setHealthEndpoint("127.0.0.1:" + source.getPort())
                      .build())
              .codecMetrics(metrics) // heartbeats carry the plan's arrow_* metrics
              .build();
      sourceClient.start();
      // endregion

      // region processor
      ManagedChannel toSource =
          NettyChannelBuilder.forAddress("127.0.0.1", source.getPort()).usePlaintext().build();
      ArrowProcessor doubler =
          new ArrowProcessor(
              "doubler",
              toSource,
              StreamRequest.getDefaultInstance(),
              8, // max_inflight: a slow downstream holds the upstream back
              ArrowEventCodec.defaults(),
              allocator,
              (in, alloc) -> {
                VectorSchemaRoot out = VectorSchemaRoot.create(AMOUNTS, alloc);
                BigIntVector from = (BigIntVector) in.root().getVector("amount");
                BigIntVector to = (BigIntVector) out.getVector("amount");
                for (int i = 0; i < in.root().getRowCount(); i++) {
                  to.setSafe(i, from.get(i) * 2);
                }
                out.setRowCount(in.root().getRowCount());
                return out; // the processor encodes and closes it
              },
              null);
      Server processor =
          NettyServerBuilder.forPort(0).addService(doubler.outputService()).build().start();
      doubler.start();
      // endregion

      // region sink
      AtomicLong total = new AtomicLong();
      ManagedChannel toProcessor =
          NettyChannelBuilder.forAddress("127.0.0.1", processor.getPort()).usePlaintext().build();
      ArrowStreamConsumer sink =
          new ArrowStreamConsumer(
              toProcessor,
              StreamRequest.getDefaultInstance(),
              8,
              event -> {
                try (ArrowEventReader in = ArrowEventCodec.defaults().decode(event, allocator)) {
                  while (in.loadNextBatch()) {
                    BigIntVector amounts = (BigIntVector) in.root().getVector("amount");
                    for (int i = 0; i < in.root().getRowCount(); i++) {
                      total.addAndGet(amounts.get(i));
                    }
                  }
                }
              },
              (id, event, error) -> System.err.println("event " + id + ": " + error),
              Duration.ofMillis(200));
      sink.start().get(1, TimeUnit.MINUTES); // the source's ten batches, doubled
      // endregion

      long expected = 0;
      for (int b = 1; b <= 10; b++) {
        for (int i = 0; i < 1_000; i++) {
          expected += 2 * (b * 1_000L + i);
        }
      }
      assertThat(total.get()).isEqualTo(expected);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (controlPlane.services().status("amounts").isEmpty()) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(20);
      }
      assertThat(controlPlane.services().status("amounts").orElseThrow().healthy()).isTrue();

      sink.close();
      doubler.close();
      sourceClient.close();
      processor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      source.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      toSource.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      toProcessor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
