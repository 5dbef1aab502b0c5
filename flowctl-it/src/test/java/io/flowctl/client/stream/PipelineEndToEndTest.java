package io.flowctl.client.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.client.stream.internal.Discovery;
import io.flowctl.proto.Event;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.schema.OwnedBatch;
import io.flowctl.schema.SchemaProjector;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.registry.ServiceState;
import io.flowctl.testing.BatchData;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Control plane, source, processor and sink as real loopback servers: the processor and the sink
 * find their upstreams through the control plane; N batches go in, N come out with every value;
 * every service's Arrow metrics show in ListServices.
 */
class PipelineEndToEndTest {
  static final String RAW = "stellar.transfers";
  static final String TTP = "arrow_data.TTPEventBatch";
  static final Schema IN =
      new Schema(
          List.of(
              Field.notNullable("ledger", new ArrowType.Int(64, true)),
              Field.nullable("amount", new ArrowType.Int(32, true))));

  /** The processor widens amount and adds a nullable memo. */
  static final Schema OUT =
      new Schema(
          List.of(
              Field.notNullable("ledger", new ArrowType.Int(64, true)),
              Field.nullable("amount", new ArrowType.Int(64, true)),
              Field.nullable("memo", ArrowType.Utf8.INSTANCE)));

  static final int BATCHES = 25;
  static final int ROWS = 200;

  static BatchData batch(int b) {
    List<List<Object>> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      rows.add(Arrays.asList((long) (b * ROWS + i), i % 10 == 0 ? null : (long) i));
    }
    return new BatchData(IN, rows);
  }

  static ServiceInfo service(String id, ServiceType type, String in, String out, int port) {
    ServiceInfo.Builder b =
        ServiceInfo.newBuilder()
            .setServiceId(id)
            .setServiceType(type)
            .setHealthEndpoint("127.0.0.1:" + port)
            .setMaxInflight(4);
    if (in != null) {
      b.addInputEventTypes(in);
    }
    if (out != null) {
      b.addOutputEventTypes(out);
    }
    return b.build();
  }

  @Test
  void sourceToProcessorToSink_overLoopback() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlowctlServer cp =
            FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      String cpTarget = "127.0.0.1:" + cp.port();
      CodecMetrics sourceMetrics = CodecMetrics.create(allocator);
      CodecMetrics processorMetrics = CodecMetrics.create(allocator);
      CodecMetrics sinkMetrics = CodecMetrics.create(allocator);

      // Source: BATCHES events of IN.
      ArrowEventCodec sourceCodec =
          ArrowEventCodec.builder().eventType(RAW).metrics(sourceMetrics).build();
      List<Event> events = new ArrayList<>();
      for (int b = 0; b < BATCHES; b++) {
        try (BatchData.Written w = batch(b).write(allocator)) {
          events.add(sourceCodec.encode(w.root()));
        }
      }
      ArrowSourceService.Feed feed =
          start -> {
            String resumeAfter = start.resumeAfter();
            int from = resumeAfter.isEmpty() ? 0 : Integer.parseInt(resumeAfter);
            Iterator<Event> it = events.subList(from, events.size()).iterator();
            int[] n = {from};
            return new Iterator<>() {
              @Override
              public boolean hasNext() {
                return it.hasNext();
              }

              @Override
              public ArrowSourceService.Identified next() {
                return new ArrowSourceService.Identified(Integer.toString(++n[0]), it.next());
              }
            };
          };
      Server source =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(new ArrowSourceService("source", feed))
              .build()
              .start();

      // Processor: finds the source through the control plane.
      ManagedChannel cpChannel = NettyChannelBuilder.forTarget(cpTarget).usePlaintext().build();
      List<ControlPlaneClient> clients = new ArrayList<>();
      clients.add(
          start(
              ControlPlaneClient.builder(
                      cpTarget,
                      service(
                          "source", ServiceType.SERVICE_TYPE_SOURCE, null, RAW, source.getPort()))
                  .codecMetrics(sourceMetrics)));
      awaitRegistered(cp, "source");
      ManagedChannel toSource =
          NettyChannelBuilder.forTarget(Discovery.producerOf(cpChannel, RAW))
              .usePlaintext()
              .build();
      SchemaProjector widen = SchemaProjector.create(IN, OUT);
      ArrowProcessor processor =
          new ArrowProcessor(
              "processor",
              toSource,
              StreamRequest.getDefaultInstance(),
              4,
              ArrowEventCodec.builder().eventType(TTP).metrics(processorMetrics).build(),
              allocator,
              (in, alloc) -> {
                try (OwnedBatch p = widen.project(in.root(), in.dictionaries(), alloc)) {
                  VectorSchemaRoot copy = VectorSchemaRoot.create(OUT, alloc);
                  for (int c = 0; c < OUT.getFields().size(); c++) {
                    p.root().getVector(c).makeTransferPair(copy.getVector(c)).transfer();
                  }
                  copy.setRowCount(p.root().getRowCount());
                  return copy;
                }
              },
              null);
      Server processorServer =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(processor.outputService())
              .build()
              .start();
      clients.add(
          start(
              ControlPlaneClient.builder(
                      cpTarget,
                      service(
                          "processor",
                          ServiceType.SERVICE_TYPE_PROCESSOR,
                          RAW,
                          TTP,
                          processorServer.getPort()))
                  .codecMetrics(processorMetrics)));
      processor.start();
      awaitRegistered(cp, "processor");

      // Sink: finds the processor through the control plane, checks every value.
      List<List<Object>> received = new CopyOnWriteArrayList<>();
      ArrowEventCodec sinkCodec = ArrowEventCodec.builder().metrics(sinkMetrics).build();
      ManagedChannel toProcessor =
          NettyChannelBuilder.forTarget(Discovery.producerOf(cpChannel, TTP))
              .usePlaintext()
              .build();
      ArrowStreamConsumer sink =
          new ArrowStreamConsumer(
              toProcessor,
              StreamRequest.getDefaultInstance(),
              4,
              e -> {
                try (ArrowEventReader in = sinkCodec.decode(e, allocator)) {
                  while (in.loadNextBatch()) {
                    received.addAll(BatchData.read(in.root(), in.dictionaries()).rows());
                  }
                }
              },
              null,
              Duration.ofMillis(100));
      clients.add(
          start(
              ControlPlaneClient.builder(
                      cpTarget, service("sink", ServiceType.SERVICE_TYPE_SINK, TTP, null, 0))
                  .codecMetrics(sinkMetrics)));
      sink.start().get(60, TimeUnit.SECONDS);

      List<List<Object>> expected = new ArrayList<>();
      for (int b = 0; b < BATCHES; b++) {
        for (List<Object> row : batch(b).rows()) {
          expected.add(Arrays.asList(row.get(0), row.get(1), null));
        }
      }
      assertThat(processor.producedEvents()).isEqualTo(BATCHES);
      assertThat(sink.handledEvents()).isEqualTo(BATCHES);
      assertThat(received).containsExactlyElementsOf(expected);

      for (String id : List.of("source", "processor", "sink")) {
        ControlPlaneClientEventually.until(
            () ->
                cp.services()
                    .status(id)
                    .map(s -> s.metrics().containsKey("arrow_rows_per_second"))
                    .orElse(false),
            id + " reported Arrow metrics");
      }
      List<ServiceState> listed = cp.services().list();
      assertThat(listed)
          .extracting(ServiceState::serviceId)
          .containsExactly("processor", "sink", "source");

      sink.close();
      processor.close();
      clients.forEach(ControlPlaneClient::close);
      for (ManagedChannel ch : List.of(cpChannel, toSource, toProcessor)) {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      processorServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      source.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static ControlPlaneClient start(ControlPlaneClient.Builder b) {
    ControlPlaneClient c = b.heartbeatInterval(Duration.ofMillis(50)).build();
    c.start();
    return c;
  }

  private static void awaitRegistered(FlowctlServer cp, String id) throws InterruptedException {
    ControlPlaneClientEventually.until(
        () -> cp.services().status(id).isPresent(), id + " registered");
  }

  /** Waits for background work; fails after 20 s. */
  static final class ControlPlaneClientEventually {
    static void until(java.util.function.BooleanSupplier c, String what)
        throws InterruptedException {
      long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!c.getAsBoolean()) {
        if (System.nanoTime() > end) {
          throw new AssertionError("timed out waiting until " + what);
        }
        Thread.sleep(20);
      }
    }
  }
}
