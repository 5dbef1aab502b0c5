package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.cli.Main;
import io.flowctl.examples.AssetTotals;
import io.flowctl.examples.TtpEvents;
import io.flowctl.proto.v1.ComponentStatusRequest;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.Event;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three example components as OS processes ({@code flowctl component NAME}), configured only by
 * the environment upstream's launcher sets, driven the way upstream's runner drives components:
 * this test reads the source's {@code StreamEvents}, writes every event into the processor's {@code
 * Process} and its output into the sink's {@code Consume}. The sink's Parquet file holds exactly
 * the totals of what the source generated; each component serves its health endpoints, heartbeats
 * HEALTHY, and on SIGTERM drains, unregisters and exits within 10 s.
 */
class ComponentProcessesTest {
  static final int BATCHES = 4;
  static final int ROWS = 3_000;

  @TempDir Path dir;

  @Test
  void examplesAsProcesses_underUpstreamsRunnerModel_carryEveryValue() throws Exception {
    List<Process> processes = new ArrayList<>();
    try (FlowctlServer cp =
            FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start();
        BufferAllocator allocator = new RootAllocator()) {
      String target = "127.0.0.1:" + cp.port();
      Map<String, int[]> ports = new TreeMap<>();
      for (String name : List.of("ttp-source", "asset-totals", "parquet-sink")) {
        int[] p = {freePort(), freePort()};
        ports.put(name, p);
        processes.add(start(name, target, p));
      }
      var v1 = ControlPlaneServiceGrpc.newBlockingStub(channel(target));
      for (String name : ports.keySet()) {
        awaitHealthy(v1, "example-" + name);
      }
      // Each serves the Go SDK's health endpoints on HEALTH_PORT.
      HttpClient http = HttpClient.newHttpClient();
      for (int[] p : ports.values()) {
        for (String path : List.of("/health", "/ready", "/live", "/metrics")) {
          HttpResponse<String> r =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p[1] + path)).build(),
                  HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(path).isEqualTo(200);
        }
      }
      // The endpoint each registered is where its data-plane service answers.
      Map<String, String> endpoints = new TreeMap<>();
      for (String name : ports.keySet()) {
        var status =
            v1.getComponentStatus(
                ComponentStatusRequest.newBuilder().setServiceId("example-" + name).build());
        endpoints.put(name, status.getComponent().getEndpoint());
        assertThat(status.getComponent().getEndpoint()).endsWith(":" + ports.get(name)[0]);
        assertThat(status.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_HEALTHY);
      }

      // Upstream's runner: StreamEvents -> Process -> Consume.
      ManagedChannel source = channel(endpoints.get("ttp-source"));
      ManagedChannel processor = channel(endpoints.get("asset-totals"));
      ManagedChannel sink = channel(endpoints.get("parquet-sink"));
      List<Event> processed = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> processDone = new CompletableFuture<>();
      StreamObserver<Event> toProcessor =
          ProcessorServiceGrpc.newStub(processor)
              .process(StreamLifecycleProcessesTest.collect(processed, processDone));
      Iterator<Event> events =
          SourceServiceGrpc.newBlockingStub(source)
              .withDeadlineAfter(60, TimeUnit.SECONDS)
              .streamEvents(StreamRequest.getDefaultInstance());
      int sourceEvents = 0;
      while (events.hasNext()) {
        Event e = events.next();
        assertThat(e.getType()).isEqualTo(TtpEvents.EVENT_TYPE);
        assertThat(e.getContentType()).isEqualTo("application/vnd.apache.arrow.stream");
        assertThat(e.getSourceComponentId()).isEqualTo("example-ttp-source");
        toProcessor.onNext(e);
        sourceEvents++;
      }
      toProcessor.onCompleted();
      processDone.get(60, TimeUnit.SECONDS);
      assertThat(sourceEvents).isEqualTo(BATCHES);
      assertThat(processed).hasSize(BATCHES);
      // The processor's outputs keep their inputs' ids and source.
      assertThat(processed).extracting(Event::getId).containsExactly("1", "2", "3", "4");
      assertThat(processed).allMatch(e -> e.getSourceComponentId().equals("example-ttp-source"));

      CompletableFuture<ConsumeResponse> answer = new CompletableFuture<>();
      StreamObserver<Event> toSink =
          ConsumerServiceGrpc.newStub(sink).consume(StreamLifecycleProcessesTest.answer(answer));
      processed.forEach(toSink::onNext);
      toSink.onCompleted();
      ConsumeResponse consumed = answer.get(60, TimeUnit.SECONDS);
      assertThat(consumed.getEventsConsumed()).isEqualTo(BATCHES);
      assertThat(consumed.getEventsFailed()).isZero();

      // The values: the totals of exactly what the source's generator made (seed 42).
      assertThat(
              StreamLifecycleProcessesTest.read(
                  dir.resolve("out/example-parquet-sink.parquet"), allocator))
          .isEqualTo(expected(allocator));
      source.shutdownNow();
      processor.shutdownNow();
      sink.shutdownNow();

      // SIGTERM: each drains, unregisters and exits within 10 s.
      for (Process p : processes) {
        p.destroy();
      }
      for (Process p : processes) {
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("exited within 10 s").isTrue();
        assertThat(p.exitValue()).as("128 + SIGTERM, after the drain").isEqualTo(143);
      }
      assertThat(cp.services().list()).isEmpty();
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
      }
    }
  }

  private Process start(String name, String controlPlane, int[] ports) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "component",
            name);
    Map<String, String> env = pb.environment();
    // What upstream's process launcher sets, plus the component's own pipeline env.
    env.put("ENABLE_FLOWCTL", "true");
    env.put("FLOWCTL_ENDPOINT", controlPlane);
    env.put("FLOWCTL_HEARTBEAT_INTERVAL", "500ms");
    env.put("FLOWCTL_SERVICE_ID", "example-" + name);
    env.put("FLOWCTL_COMPONENT_ID", "example-" + name);
    env.put("PORT", ":" + ports[0]);
    env.put("HEALTH_PORT", Integer.toString(ports[1]));
    env.put("TTP_BATCHES", Integer.toString(BATCHES));
    env.put("TTP_ROWS", Integer.toString(ROWS));
    env.put("OUTPUT_DIR", dir.resolve("out").toString());
    return pb.redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
  }

  private static void awaitHealthy(
      ControlPlaneServiceGrpc.ControlPlaneServiceBlockingStub v1, String id) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        var s = v1.getComponentStatus(ComponentStatusRequest.newBuilder().setServiceId(id).build());
        if (s.getStatus() == HealthStatus.HEALTH_STATUS_HEALTHY && s.getMetricsCount() > 0) {
          return; // registered, and heartbeating with its metrics
        }
      } catch (StatusRuntimeException notYet) {
        // not registered yet
      }
      assertThat(System.nanoTime()).as(id + " registers and heartbeats").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static Map<String, List<Long>> expected(BufferAllocator allocator) {
    Map<String, List<Long>> out = new TreeMap<>();
    TtpEvents generator = new TtpEvents(42);
    AssetTotals totals = new AssetTotals(1_000_000_000L);
    for (int b = 0; b < BATCHES; b++) {
      try (VectorSchemaRoot batch = generator.next(ROWS, allocator);
          VectorSchemaRoot t = totals.apply(batch, allocator)) {
        StreamLifecycleProcessesTest.add(t, out);
      }
    }
    return out;
  }

  private static ManagedChannel channel(String target) {
    String dialable = target.startsWith(":") ? "127.0.0.1" + target : target;
    return NettyChannelBuilder.forTarget(dialable)
        .usePlaintext()
        .maxInboundMessageSize(50 << 20)
        .build();
  }

  static int freePort() throws IOException {
    return ComponentProcess.freePort();
  }
}
