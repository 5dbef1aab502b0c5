package io.flowctl.client.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.monitoring.Monitor;
import io.flowctl.server.registry.ServiceState;
import io.flowctl.testing.BatchData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real control plane on loopback. */
class ControlPlaneClientTest {
  static final ServiceInfo SOURCE =
      ServiceInfo.newBuilder()
          .setServiceId("ttp-source")
          .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
          .addOutputEventTypes("arrow_data.TTPEventBatch")
          .setMaxInflight(8)
          .putMetadata("data_format", "arrow")
          .putMetadata("arrow_version", "19.0.0")
          .putMetadata("schema_evolution", "backward")
          .build();

  /** Waits for a condition the client reaches in the background; fails after 20 s. */
  static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void registersAndSendsThePlansArrowMetricsWithEveryHeartbeat() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlowctlServer server =
            FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      CodecMetrics metrics = CodecMetrics.create(allocator);
      ArrowEventCodec codec = ArrowEventCodec.builder().metrics(metrics).build();
      Schema s = new Schema(List.of(Field.nullable("a", new ArrowType.Int(64, true))));
      try (BatchData.Written w =
          new BatchData(s, List.of(List.of(1L), java.util.Arrays.asList((Object) null)))
              .write(allocator)) {
        codec.encode(w.root());
      }
      try (ControlPlaneClient client =
          ControlPlaneClient.builder("127.0.0.1:" + server.port(), SOURCE)
              .codecMetrics(metrics)
              .extraMetrics(() -> Map.of("ledgers_behind", 3.0))
              .heartbeatInterval(Duration.ofMillis(50))
              .build()) {
        client.start();
        eventually(() -> client.state().heartbeats() >= 2, "two heartbeats arrived");

        ServiceState state = server.services().status("ttp-source").orElseThrow();
        assertThat(state.info().getMetadataMap()).containsEntry("data_format", "arrow");
        assertThat(state.metrics())
            .containsKeys(Monitor.ARROW_METRICS.toArray(String[]::new))
            .containsEntry("arrow_null_percentage", 0.5)
            .containsEntry("arrow_batch_size_avg", 2.0)
            .containsEntry("ledgers_behind", 3.0);
      }
    }
  }

  @Test
  void survivesAControlPlaneRestart_reRegistersAndResumesHeartbeats() throws Exception {
    FlowctlServer first = FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start();
    int port = first.port();
    try (ControlPlaneClient client =
        ControlPlaneClient.builder("127.0.0.1:" + port, SOURCE)
            .heartbeatInterval(Duration.ofMillis(50))
            .backoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build()) {
      client.start();
      eventually(() -> client.state().heartbeats() >= 1, "the first heartbeat");
      first.close();
      eventually(() -> !client.state().lastError().isEmpty(), "the client noticed");

      try (FlowctlServer second =
          FlowctlServer.builder().host("127.0.0.1").port(port).store("memory").start()) {
        long before = client.state().heartbeats();
        eventually(() -> second.services().status("ttp-source").isPresent(), "it registered again");
        eventually(() -> client.state().heartbeats() > before + 1, "heartbeats resumed");
        assertThat(client.state().registrations()).isGreaterThanOrEqualTo(2);
        assertThat(second.services().status("ttp-source").orElseThrow().healthy()).isTrue();
      }
    }
  }

  @Test
  void withBearerTokens_theClientAuthenticates(@TempDir Path dir) throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "ttp-source t0ken\n");
    try (FlowctlServer server =
            FlowctlServer.builder()
                .host("127.0.0.1")
                .port(0)
                .store("memory")
                .bearerTokens(io.flowctl.server.security.BearerTokenInterceptor.fromFile(tokens))
                .start();
        ControlPlaneClient client =
            ControlPlaneClient.builder("127.0.0.1:" + server.port(), SOURCE)
                .bearerToken("t0ken")
                .heartbeatInterval(Duration.ofMillis(50))
                .build();
        ControlPlaneClient intruder =
            ControlPlaneClient.builder("127.0.0.1:" + server.port(), SOURCE)
                .bearerToken("wrong")
                .heartbeatInterval(Duration.ofMillis(50))
                .build()) {
      client.start();
      intruder.start();
      eventually(() -> client.state().heartbeats() >= 1, "the client heartbeat");
      eventually(
          () -> intruder.state().lastError().startsWith("UNAUTHENTICATED"), "the intruder refused");
      assertThat(intruder.state().registered()).isFalse();
    }
  }

  @Test
  void theV1Api_registersHeartbeatsAndUnregistersOnClose() throws Exception {
    try (FlowctlServer server =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ControlPlaneClient client =
          ControlPlaneClient.builder("127.0.0.1:" + server.port(), SOURCE)
              .api(ControlPlaneClient.Api.V1)
              .extraMetrics(() -> Map.of("rows", 5.0))
              .heartbeatInterval(Duration.ofMillis(50))
              .build();
      client.start();
      eventually(() -> client.state().heartbeats() >= 1, "a v1 heartbeat");
      ServiceState s = server.services().status("ttp-source").orElseThrow();
      assertThat(s.info().getServiceType()).isEqualTo(ServiceType.SERVICE_TYPE_SOURCE);
      assertThat(s.metrics()).containsEntry("rows", 5.0);

      client.close();
      assertThat(server.services().status("ttp-source")).isEmpty();
    }
  }

  @Test
  void closeIsIdempotent_andStopsHeartbeats() throws Exception {
    try (FlowctlServer server =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ControlPlaneClient client =
          ControlPlaneClient.builder("127.0.0.1:" + server.port(), SOURCE)
              .heartbeatInterval(Duration.ofMillis(20))
              .build();
      client.start();
      eventually(() -> client.state().heartbeats() >= 1, "a heartbeat");
      client.close();
      client.close();
      long after = client.state().heartbeats();
      Thread.sleep(100);
      assertThat(client.state().heartbeats()).isEqualTo(after);
      assertThat(client.awaitTermination(Duration.ofSeconds(1))).isTrue();
    }
  }

  @Test
  void refusedCalls_areTheLibrarysTypedExceptions_notRawGrpcStatuses() throws Exception {
    try (FlowctlServer server =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ControlPlaneClient client =
          ControlPlaneClient.builder("127.0.0.1:" + server.port(), SOURCE).build();
      try {
        client.start();
        Schema v1 = new Schema(List.of(Field.nullable("a", new ArrowType.Int(64, true))));
        client.registerSchema("arrow_data.TTPEventBatch", v1);
        // a required field that old data lacks: BACKWARD refuses it
        Schema breaking =
            new Schema(
                List.of(
                    Field.nullable("a", new ArrowType.Int(64, true)),
                    Field.notNullable("b", new ArrowType.Int(64, true))));
        io.flowctl.FlowctlException refused =
            org.junit.jupiter.api.Assertions.assertThrows(
                io.flowctl.FlowctlException.class,
                () -> client.registerSchema("arrow_data.TTPEventBatch", breaking));
        assertThat(refused.code()).isEqualTo(io.flowctl.FlowctlException.Code.FAILED_PRECONDITION);
        assertThat(refused)
            .hasMessageContaining("arrow_data.TTPEventBatch")
            .hasMessageContaining("b");
        io.flowctl.FlowctlException missing =
            org.junit.jupiter.api.Assertions.assertThrows(
                io.flowctl.FlowctlException.class,
                () ->
                    io.flowctl.client.stream.internal.Discovery.endpointOf(
                        client.channel(), "nobody"));
        assertThat(missing.code()).isEqualTo(io.flowctl.FlowctlException.Code.NOT_FOUND);
      } finally {
        client.close();
      }
    }
  }
}
