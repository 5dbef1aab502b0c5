package io.flowctl.client.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.client.component.internal.ComponentRuntime;
import io.flowctl.client.component.internal.GoDuration;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.client.stream.StateStore;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.v1.ComponentStatusRequest;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A component's life as upstream's launcher and runner see it, over real gRPC and HTTP. */
class ComponentRuntimeTest {
  @TempDir Path dir;

  @Test
  void registersWithItsDataEndpoint_reportsItsTrueStatus_andUnregistersWhenClosed()
      throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      String target = "127.0.0.1:" + cp.port();
      ComponentConfig config =
          ComponentConfig.fromEnv(
              Map.of(
                  "ENABLE_FLOWCTL", "true",
                  "FLOWCTL_ENDPOINT", target,
                  "FLOWCTL_COMPONENT_ID", "src-1",
                  "FLOWCTL_HEARTBEAT_INTERVAL", "200ms",
                  "PORT", "0",
                  "HEALTH_PORT", "0"),
              "ignored");
      ComponentHealth health = new ComponentHealth();
      ArrowSourceService service =
          ArrowSourceService.builder(config.id(), start -> Collections.emptyIterator())
              .health(health)
              .build();
      ComponentRuntime runtime =
          ComponentRuntime.builder(config, ServiceType.SERVICE_TYPE_SOURCE, service)
              .health(health)
              .outputs(List.of("t"))
              .metrics(() -> Map.of("custom", "1.5ms"))
              .build()
              .start();
      ManagedChannel ch = NettyChannelBuilder.forTarget(target).usePlaintext().build();
      try {
        assertThat(runtime.awaitRegistered(Duration.ofSeconds(10))).isTrue();
        var v1 = ControlPlaneServiceGrpc.newBlockingStub(ch);
        var status = status(v1, "src-1", s -> s.getMetricsCount() > 0);
        assertThat(status.getComponent().getEndpoint()).isEqualTo(runtime.endpoint());
        assertThat(status.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_HEALTHY);
        assertThat(status.getMetricsMap()).containsEntry("custom", "1.5ms");

        health.set(HealthStatus.HEALTH_STATUS_DEGRADED, "behind");
        assertThat(
                status(v1, "src-1", s -> s.getStatus() == HealthStatus.HEALTH_STATUS_DEGRADED)
                    .getStatus())
            .isEqualTo(HealthStatus.HEALTH_STATUS_DEGRADED);
        HttpResponse<String> ready =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + runtime.healthPort() + "/ready"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503); // not ready while degraded
        assertThat(ready.body()).contains("\"status\":\"degraded\"");
        // /metrics: JSON as the Go SDK serves it, Prometheus' text format for a scraper
        HttpResponse<String> scrape =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + runtime.healthPort() + "/metrics"))
                        .header("Accept", "text/plain;version=0.0.4")
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.body()).contains("# TYPE flowctl_events_sent gauge");
        assertThat(scrape.body()).contains("flowctl_events_sent{component=\"src-1\"} 0.0");
        // grpc.health.v1 on the data port, for probes
        ManagedChannel data =
            NettyChannelBuilder.forTarget(runtime.endpoint()).usePlaintext().build();
        try {
          assertThat(
                  io.grpc.health.v1.HealthGrpc.newBlockingStub(data)
                      .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance())
                      .getStatus())
              .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        } finally {
          data.shutdownNow();
        }

        int port = runtime.port();
        runtime.close();
        assertThat(runtime.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(cp.services().list()).isEmpty(); // unregistered
        try (ServerSocket again = new ServerSocket(port)) {
          assertThat(again.getLocalPort()).isEqualTo(port); // released
        }
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        runtime.close();
      }
    }
  }

  @Test
  void aPortInUse_failsAtStartNamingTheSetting() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      ComponentConfig config =
          ComponentConfig.builder("x").port(taken.getLocalPort()).healthPort(0).build();
      ComponentRuntime runtime =
          ComponentRuntime.builder(
                  config,
                  ServiceType.SERVICE_TYPE_SOURCE,
                  new ArrowSourceService("x", start -> Collections.emptyIterator()))
              .build();
      assertThatThrownBy(runtime::start)
          .isInstanceOf(FlowctlException.class)
          .hasMessageContaining("PORT")
          .hasMessageContaining("in use");
    }
  }

  @Test
  void fromEnv_readsUpstreamsLauncherVariables_andNamesAMalformedOne() {
    ComponentConfig c =
        ComponentConfig.fromEnv(
            Map.of(
                "ENABLE_FLOWCTL", "true",
                "FLOWCTL_ENDPOINT", "cp:8080",
                "FLOWCTL_SERVICE_ID", "svc",
                "FLOWCTL_HEARTBEAT_INTERVAL", "1m30s",
                "PORT", ":50051",
                "HEALTH_PORT", "18081"),
            "default");
    assertThat(c.id()).isEqualTo("svc");
    assertThat(c.controlPlane()).contains("cp:8080");
    assertThat(c.heartbeatInterval()).isEqualTo(Duration.ofSeconds(90));
    assertThat(c.bindHost()).isEqualTo("0.0.0.0");
    assertThat(c.port()).isEqualTo(50051);
    assertThat(c.healthPort()).isEqualTo(18081);
    assertThat(ComponentConfig.fromEnv(Map.of("COMPONENT_ID", "c"), "d").id()).isEqualTo("c");
    assertThat(ComponentConfig.fromEnv(Map.of(), "d").controlPlane()).isEmpty();
    assertThatThrownBy(
            () -> ComponentConfig.fromEnv(Map.of("FLOWCTL_HEARTBEAT_INTERVAL", "10 seconds"), "d"))
        .hasMessageContaining("FLOWCTL_HEARTBEAT_INTERVAL");
    assertThatThrownBy(() -> ComponentConfig.fromEnv(Map.of("PORT", ":http"), "d"))
        .hasMessageContaining("PORT");
    assertThat(ComponentConfig.fromEnv(Map.of("FLOWCTL_API", "legacy"), "d").legacyApi()).isTrue();
    assertThat(ComponentConfig.fromEnv(Map.of(), "d").legacyApi()).isFalse();
    assertThatThrownBy(() -> ComponentConfig.fromEnv(Map.of("FLOWCTL_API", "grpc"), "d"))
        .hasMessageContaining("FLOWCTL_API");
    assertThatThrownBy(() -> ComponentConfig.fromEnv(Map.of("FLOWCTL_TLS_CERT", "c.pem"), "d"))
        .hasMessageContaining("FLOWCTL_TLS_KEY");
    ComponentConfig tls =
        ComponentConfig.fromEnv(
            Map.of(
                "FLOWCTL_TLS_CA",
                "ca.pem",
                "FLOWCTL_TLS_CERT",
                "c.pem",
                "FLOWCTL_TLS_KEY",
                "k.pem"),
            "d");
    assertThat(tls.controlPlaneCa()).contains(java.nio.file.Path.of("ca.pem"));
    assertThat(tls.certificate()).contains(java.nio.file.Path.of("c.pem"));
    assertThat(tls.privateKey()).contains(java.nio.file.Path.of("k.pem"));
  }

  @Test
  void withTheLegacyApi_itRegistersThroughFlowctlControlPlane() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ComponentConfig config =
          ComponentConfig.builder("legacy-src")
              .controlPlane("127.0.0.1:" + cp.port())
              .heartbeatInterval(Duration.ofMillis(200))
              .healthPort(0)
              .legacyApi(true)
              .build();
      ComponentHealth health = new ComponentHealth();
      ArrowSourceService service =
          ArrowSourceService.builder(config.id(), start -> Collections.emptyIterator())
              .health(health)
              .build();
      try (ComponentRuntime runtime =
          ComponentRuntime.builder(config, ServiceType.SERVICE_TYPE_SOURCE, service)
              .health(health)
              .outputs(List.of("t"))
              .build()
              .start()) {
        assertThat(runtime.awaitRegistered(Duration.ofSeconds(10))).isTrue();
        assertThat(cp.services().status("legacy-src")).isPresent();
        String scrape = cp.meters().scrape();
        assertThat(scrape).contains("method=\"flowctl.ControlPlane/Register\"");
        assertThat(scrape).doesNotContain("RegisterComponent");
      }
    }
  }

  @Test
  void goDurations_asGoWritesThem() {
    assertThat(GoDuration.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(GoDuration.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(GoDuration.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(GoDuration.parse("1h2m3.5s")).isEqualTo(Duration.ofMillis(3_723_500));
    assertThat(GoDuration.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
    assertThat(GoDuration.parse("0")).isZero();
    for (String bad : List.of("", "10", "-1s", "1x", "s", "1s2")) {
      assertThatThrownBy(() -> GoDuration.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Property
  void goDurationFormat_isReadBackExactly(@ForAll @LongRange(min = 1, max = 86_400_000) long ms) {
    Duration d = Duration.ofMillis(ms);
    assertThat(GoDuration.parse(GoDuration.format(d))).isEqualTo(d);
  }

  @Test
  void theDirectoryStateStore_survivesARestart_andKeepsItsFolderPrivate() throws Exception {
    Path states = dir.resolve("state");
    StateStore.directory(states).save("src/../x", Map.of("resume_token", "41", "cursor", "c"));
    var again = StateStore.directory(states).load("src/../x").orElseThrow();
    assertThat(again.state()).containsEntry("resume_token", "41").containsEntry("cursor", "c");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(states)))
        .isEqualTo("rwx------");
    try (var files = Files.list(states)) {
      assertThat(files.toList())
          .singleElement()
          .satisfies(f -> assertThat(f.getParent()).isEqualTo(states));
    }
    assertThat(StateStore.directory(states).load("other")).isEmpty();
  }

  private static io.flowctl.proto.v1.ComponentStatusResponse status(
      ControlPlaneServiceGrpc.ControlPlaneServiceBlockingStub v1,
      String id,
      java.util.function.Predicate<io.flowctl.proto.v1.ComponentStatusResponse> until)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      var s = v1.getComponentStatus(ComponentStatusRequest.newBuilder().setServiceId(id).build());
      if (until.test(s) || System.nanoTime() > deadline) {
        return s;
      }
      Thread.sleep(20);
    }
  }
}
