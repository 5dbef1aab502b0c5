package io.flowctl.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.Flowctl;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.registry.ServiceState;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * The test kit as a user's test would use it, and the Go SDK's defects (UPSTREAM.md §B2) checked
 * absent here: its status is always UNKNOWN, it does not retry registration, it never unregisters,
 * its processors answer out of order.
 */
class FlowctlTestKitTest {
  static final Schema AMOUNTS =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));

  @Test
  void aProcessorsAnswers_comeInTheOrderOfItsInputs_alsoWhenItWorksOnSeveralAtOnce()
      throws Exception {
    java.util.concurrent.atomic.AtomicInteger running =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most =
        new java.util.concurrent.atomic.AtomicInteger();
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      Flowctl.Component doubler =
          kit.start(
              Flowctl.processor("doubler")
                  .input("demo.Amounts", AMOUNTS)
                  .output("demo.Doubled", AMOUNTS)
                  .concurrency(4)
                  .onBatch(
                      (in, allocator) -> {
                        most.accumulateAndGet(running.incrementAndGet(), Math::max);
                        // uneven work: later inputs often finish first
                        Thread.sleep((7 * ((BigIntVector) in.getVector(0)).get(0)) % 5 * 4);
                        running.decrementAndGet();
                        VectorSchemaRoot out = VectorSchemaRoot.create(AMOUNTS, allocator);
                        BigIntVector src = (BigIntVector) in.getVector(0);
                        BigIntVector dst = (BigIntVector) out.getVector(0);
                        for (int i = 0; i < in.getRowCount(); i++) {
                          dst.setSafe(i, src.get(i) * 2);
                        }
                        out.setRowCount(in.getRowCount());
                        return out;
                      }));
      List<Long> seen = new CopyOnWriteArrayList<>();
      Flowctl.Component sink =
          kit.start(
              Flowctl.consumer("sink")
                  .input("demo.Doubled")
                  .onBatch(
                      b -> {
                        for (int i = 0; i < b.getRowCount(); i++) {
                          seen.add(((BigIntVector) b.getVector(0)).get(i));
                        }
                      }));
      List<VectorSchemaRoot> inputs = new ArrayList<>();
      for (long n = 0; n < 50; n++) {
        VectorSchemaRoot b = VectorSchemaRoot.create(AMOUNTS, kit.allocator());
        ((BigIntVector) b.getVector(0)).setSafe(0, n);
        b.setRowCount(1);
        inputs.add(b);
      }
      List<Event> events = kit.events("demo.Amounts", inputs.toArray(VectorSchemaRoot[]::new));
      inputs.forEach(VectorSchemaRoot::close);

      List<Event> out = kit.process(doubler, events);
      assertThat(out).hasSameSizeAs(events);
      List<Long> doubled = new ArrayList<>();
      for (VectorSchemaRoot b : kit.batches(out)) {
        doubled.add(((BigIntVector) b.getVector(0)).get(0));
      }
      assertThat(doubled)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.range(0, 50).map(n -> 2 * n).boxed().toList());
      assertThat(kit.consume(sink, out)).isEqualTo(50);
      assertThat(seen).containsExactlyElementsOf(doubled);
      assertThat(most.get()).isBetween(2, 4); // it did work on several at once
      // the Go SDK's standard metrics, with the mean handler time as Go duration text
      assertThat(doubler.health().metricsNow())
          .containsEntry("processed_count", "50")
          .hasEntrySatisfying("processing_latency", v -> assertThat(v).matches("\\d+\\.\\d{3}ms"));
    }
  }

  @Test
  void aProcessorOfTypedProtobufMessages_answersWithMessages_andRefusesOtherPayloads()
      throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      Flowctl.Component upper =
          kit.start(
              Flowctl.processor("upper")
                  .output("demo.Upper")
                  .onMessage(
                      "demo.Words",
                      com.google.protobuf.StringValue.parser(),
                      (m, e) -> com.google.protobuf.StringValue.of(m.getValue().toUpperCase())));
      List<Event> in =
          kit.messages(
              "demo.Words",
              com.google.protobuf.StringValue.of("ledger"),
              com.google.protobuf.StringValue.of("asset"));
      List<Event> out = kit.process(upper, in);
      assertThat(out).extracting(Event::getEventType).containsOnly("demo.Upper");
      assertThat(out).allSatisfy(e -> assertThat(e.hasArrowMetadata()).isFalse()); // protobuf
      assertThat(out)
          .extracting(e -> com.google.protobuf.StringValue.parseFrom(e.getPayload()).getValue())
          .containsExactly("LEDGER", "ASSET");
      // bytes that are not a StringValue: no output, the event counted as failed
      Event junk =
          in.get(0).toBuilder()
              .setPayload(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0xff, 1}))
              .build();
      assertThat(kit.process(upper, List.of(junk))).isEmpty();
    }
  }

  /** Doubles every amount. */
  static final Flowctl.BatchFunction DOUBLE =
      (in, allocator) -> {
        VectorSchemaRoot out = VectorSchemaRoot.create(AMOUNTS, allocator);
        BigIntVector src = (BigIntVector) in.getVector(0);
        BigIntVector dst = (BigIntVector) out.getVector(0);
        for (int i = 0; i < in.getRowCount(); i++) {
          dst.setSafe(i, src.get(i) * 2);
        }
        out.setRowCount(in.getRowCount());
        return out;
      };

  @Test
  void theSampleOfGettingStarted() throws Exception {
    try (org.apache.arrow.memory.BufferAllocator memory =
            new org.apache.arrow.memory.RootAllocator();
        VectorSchemaRoot batch = VectorSchemaRoot.create(AMOUNTS, memory)) {
      ((BigIntVector) batch.getVector(0)).setSafe(0, 21);
      batch.setRowCount(1);
      // region testkit
      try (FlowctlTestKit kit = FlowctlTestKit.start()) {
        Flowctl.Component doubler =
            kit.start(
                Flowctl.processor("doubler")
                    .input("demo.Amounts", AMOUNTS)
                    .output("demo.Doubled", AMOUNTS)
                    .onBatch(DOUBLE));
        List<Event> out = kit.process(doubler, kit.events("demo.Amounts", batch));
        List<VectorSchemaRoot> batches = kit.batches(out); // closed with the kit
        assertThat(batches.get(0).getVector(0).getObject(0)).isEqualTo(42L);
      }
      // endregion
    }
  }

  @Test
  void aRowSource_isBatchedByThePipelinesBatchSize_andWritesWithItsCompression() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      // what flowctl run passes from the pipeline's config.arrow
      ComponentConfig cfg =
          ComponentConfig.fromEnv(
              Map.of(
                  "ENABLE_FLOWCTL", "true",
                  "FLOWCTL_ENDPOINT", kit.target(),
                  "FLOWCTL_COMPONENT_ID", "rows",
                  "HEALTH_PORT", "0",
                  "FLOWCTL_ARROW_BATCH_SIZE", "10",
                  "FLOWCTL_ARROW_BATCH_TIMEOUT", "1m",
                  "FLOWCTL_ARROW_COMPRESSION", "zstd"),
              "rows");
      Flowctl.Component source =
          Flowctl.source("rows")
              .config(cfg)
              .output("demo.Amounts", AMOUNTS)
              .produceRows(
                  out -> {
                    for (long n = 0; n < 25; n++) {
                      long value = n;
                      out.row(
                          (root, row) -> ((BigIntVector) root.getVector(0)).setSafe(row, value));
                    }
                  })
              .build()
              .start();
      try {
        assertThat(source.awaitRegistered(Duration.ofSeconds(30))).isTrue();
        List<Event> events = kit.stream(source);
        List<VectorSchemaRoot> batches = kit.batches(events);
        assertThat(batches).extracting(VectorSchemaRoot::getRowCount).containsExactly(10, 10, 5);
        List<Long> values = new ArrayList<>();
        batches.forEach(
            b -> {
              for (int i = 0; i < b.getRowCount(); i++) {
                values.add(((BigIntVector) b.getVector(0)).get(i));
              }
            });
        assertThat(values)
            .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 25).boxed().toList());
        assertThat(events.get(0).getArrowMetadata().getCompressionCodec())
            .isEqualToIgnoringCase("zstd");
      } finally {
        source.close();
      }
    }
  }

  @Test
  void aComponentWhoseOutputSchemaIsRefused_isUnhealthy_namingTheSubject() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      Flowctl.BatchProducer nothing = out -> {};
      kit.start(Flowctl.source("first").output("demo.Amounts", AMOUNTS).produce(nothing));
      Schema breaking =
          new Schema(
              List.of(
                  Field.notNullable("amount", new ArrowType.Int(64, true)),
                  Field.notNullable("required", new ArrowType.Int(64, true))));
      Flowctl.Component second =
          kit.start(Flowctl.source("second").output("demo.Amounts", breaking).produce(nothing));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (second.health().status() != HealthStatus.HEALTH_STATUS_UNHEALTHY) {
        assertThat(System.nanoTime()).as("the refusal reaches its health").isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(second.health().message()).contains("demo.Amounts", "refused");
      assertThat(reported(kit.controlPlane(), "second", ServiceState.Reported.UNHEALTHY)).isTrue();
      assertThat(kit.controlPlane().schemas().latest("demo.Amounts").orElseThrow().version())
          .isEqualTo(1);
    }
  }

  @Test
  void aSourceOfAnIteratorOfBatches_shipsAndClosesEach() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      Flowctl.Component source =
          kit.start(
              Flowctl.source("iterated")
                  .output("demo.Amounts", AMOUNTS)
                  .produceBatches(
                      allocator ->
                          java.util.stream.LongStream.range(0, 4)
                              .mapToObj(
                                  n -> {
                                    VectorSchemaRoot b =
                                        VectorSchemaRoot.create(AMOUNTS, allocator);
                                    ((BigIntVector) b.getVector(0)).setSafe(0, n);
                                    b.setRowCount(1);
                                    return b;
                                  })
                              .iterator()));
      assertThat(kit.batches(kit.stream(source)))
          .extracting(b -> ((BigIntVector) b.getVector(0)).get(0))
          .containsExactly(0L, 1L, 2L, 3L);
    }
  }

  @Test
  void aSourcesStream_isWhatItsProducerEmitted() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      Flowctl.Component source =
          kit.start(
              Flowctl.source("counter")
                  .output("demo.Amounts", AMOUNTS)
                  .produce(
                      out -> {
                        try (VectorSchemaRoot b =
                            VectorSchemaRoot.create(AMOUNTS, out.allocator())) {
                          for (int n = 0; n < 3; n++) {
                            ((BigIntVector) b.getVector(0)).setSafe(0, n);
                            b.setRowCount(1);
                            out.emit(b);
                          }
                        }
                      }));
      List<Event> events = kit.stream(source);
      assertThat(events)
          .hasSize(3)
          .allSatisfy(e -> assertThat(e.getEventType()).isEqualTo("demo.Amounts"));
      assertThat(kit.batches(events))
          .extracting(b -> ((BigIntVector) b.getVector(0)).get(0))
          .containsExactly(0L, 1L, 2L);
      assertThat(kit.controlPlane().schemas().latest("demo.Amounts")).isPresent();
    }
  }

  @Test
  void registration_isRetriedUntilTheControlPlaneComes_andTheTrueStatusIsReported()
      throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Flowctl.Component early =
        Flowctl.consumer("early")
            .config(
                ComponentConfig.builder("early")
                    .controlPlane("127.0.0.1:" + port)
                    .heartbeatInterval(Duration.ofMillis(200))
                    .healthPort(0)
                    .build())
            .input("t")
            .onBatch(b -> {})
            .build()
            .start();
    try {
      assertThat(early.awaitRegistered(Duration.ofSeconds(1))).isFalse(); // nobody to register with
      try (FlowctlServer cp =
          FlowctlServer.builder().host("127.0.0.1").port(port).store("memory").start()) {
        assertThat(early.awaitRegistered(Duration.ofSeconds(30))).isTrue();
        assertThat(reported(cp, ServiceState.Reported.HEALTHY)).isTrue();
        early.health().set(HealthStatus.HEALTH_STATUS_UNHEALTHY, "the disk is full");
        assertThat(reported(cp, ServiceState.Reported.UNHEALTHY)).isTrue();
        assertThat(cp.services().status("early").orElseThrow().healthy()).isFalse();
        early.close();
        assertThat(cp.services().status("early")).isEmpty(); // it unregistered
      }
    } finally {
      early.close();
    }
  }

  @Test
  void underMutualTls_aComponentRegisters_andServesItsDataPlaneOverTls(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    var server = io.flowctl.testing.TestCertificates.create(dir, "control-plane");
    var component = io.flowctl.testing.TestCertificates.create(dir, "component");
    try (FlowctlServer cp =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("memory")
            .tls(server.certificate(), server.privateKey(), component.certificate())
            .start()) {
      Map<String, String> env =
          Map.of(
              "ENABLE_FLOWCTL",
              "true",
              "FLOWCTL_ENDPOINT",
              "localhost:" + cp.port(),
              "FLOWCTL_COMPONENT_ID",
              "secure-sink",
              "FLOWCTL_HEARTBEAT_INTERVAL",
              "200ms",
              "HEALTH_PORT",
              "0",
              "FLOWCTL_TLS_CA",
              server.certificate().toString(),
              "FLOWCTL_TLS_CERT",
              component.certificate().toString(),
              "FLOWCTL_TLS_KEY",
              component.privateKey().toString());
      List<Long> seen = new CopyOnWriteArrayList<>();
      try (Flowctl.Component sink =
          Flowctl.consumer("ignored")
              .config(ComponentConfig.fromEnv(env, "ignored"))
              .input("t")
              .onBatch(b -> seen.add(((BigIntVector) b.getVector(0)).get(0)))
              .build()
              .start()) {
        assertThat(sink.awaitRegistered(Duration.ofSeconds(30))).isTrue();
        assertThat(cp.services().status("secure-sink")).isPresent();
        // its data plane speaks TLS only: a client trusting its certificate is served
        io.grpc.ManagedChannel tls =
            io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(
                    sink.endpoint().replace("127.0.0.1", "localhost"))
                .sslContext(
                    io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
                        .trustManager(component.certificate().toFile())
                        .build())
                .build();
        try {
          var info =
              io.flowctl.proto.v1.ConsumerServiceGrpc.newBlockingStub(tls)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .getInfo(com.google.protobuf.Empty.getDefaultInstance());
          assertThat(info.getId()).isEqualTo("secure-sink");
        } finally {
          tls.shutdownNow();
        }
      }
    }
  }

  private static boolean reported(FlowctlServer cp, ServiceState.Reported wanted)
      throws InterruptedException {
    return reported(cp, "early", wanted);
  }

  private static boolean reported(FlowctlServer cp, String id, ServiceState.Reported wanted)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      var s = cp.services().status(id);
      if (s.isPresent() && s.get().reported() == wanted) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }
}
