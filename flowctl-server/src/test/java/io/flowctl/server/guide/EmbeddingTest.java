package io.flowctl.server.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.server.grpc.ControlPlaneService;
import io.flowctl.server.grpc.ControlPlaneV1Service;
import io.flowctl.server.monitoring.AlertThresholds;
import io.flowctl.server.monitoring.Monitor;
import io.flowctl.server.monitoring.MonitoringServer;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.runs.PipelineRuns;
import io.flowctl.server.schema.LiveReaders;
import io.flowctl.server.schema.SchemaRegistry;
import io.flowctl.server.store.Stores;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The samples of docs/embedding.md: the control plane's services hosted in a gRPC server of one's
 * own, on SQLite, with monitoring. {@code DocSamplesTest} keeps the page and the regions equal.
 */
class EmbeddingTest {
  @TempDir Path dir;

  @Test
  void theServicesRunInAServerOfOnesOwn() throws Exception {
    Path dataDir = dir;
    // region embed
    Stores stores = Stores.sqlite(dataDir.resolve("flowctl.db")); // or Stores.postgres(…)
    ServiceRegistry services =
        ServiceRegistry.builder()
            .store(stores.services())
            .heartbeatTtl(Duration.ofSeconds(30))
            .build();
    SchemaRegistry schemas =
        SchemaRegistry.builder(stores.schemas())
            .defaultPolicy(EvolutionPolicy.BACKWARD)
            .readers(new LiveReaders(services)) // refuse versions live consumers cannot read
            .build();
    PipelineRuns runs = new PipelineRuns(stores.runs(), Clock.systemUTC());
    HealthStatusManager health = new HealthStatusManager();

    Server server =
        NettyServerBuilder.forPort(0) // your port, your TLS, your interceptors
            .addService(new ControlPlaneService(services, schemas, runs)) // flowctl API + schemas
            .addService(new ControlPlaneV1Service(services)) // flowctl.v1 for today's Go components
            .addService(health.getHealthService())
            .build()
            .start();

    // Services that stop heartbeating turn unhealthy: sweep at a fraction of the TTL. A scheduled
    // task that throws is never run again, and a sweep throws while the database is unreachable.
    ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor();
    sweeper.scheduleAtFixedRate(
        () -> {
          try {
            services.sweep();
          } catch (RuntimeException e) {
            System.err.println("sweep failed, retrying: " + e.getMessage());
          }
        },
        10,
        10,
        TimeUnit.SECONDS);
    // endregion

    // region monitoring
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Monitor monitor =
        Monitor.builder(services)
            .schemas(schemas)
            .meters(meters)
            .window(Duration.ofMinutes(10))
            .thresholds(AlertThresholds.builder().memoryBytes(1L << 30).build())
            .build();
    monitor.addListener(alert -> System.err.println("alert: " + alert.message()));
    // Time alone ages services and refusals out of the window: sweep once a second (guarded
    // like the registry's sweep, which it calls).
    sweeper.scheduleAtFixedRate(
        () -> {
          try {
            monitor.sweep();
          } catch (RuntimeException e) {
            System.err.println("monitor sweep failed, retrying: " + e.getMessage());
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    MonitoringServer http = MonitoringServer.start("0.0.0.0", 0, monitor, meters);
    // add new RpcMetrics(meters) as an interceptor of the server above to time its RPCs
    // endregion

    try {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      var cp = ControlPlaneGrpc.newBlockingStub(ch);
      cp.register(
          ServiceInfo.newBuilder()
              .setServiceId("go-source")
              .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
              .build());
      cp.heartbeat(
          ServiceHeartbeat.newBuilder()
              .setServiceId("go-source")
              .putMetrics("arrow_rows_per_second", 1234)
              .build());
      ch.shutdownNow();

      assertThat(services.status("go-source").orElseThrow().healthy()).isTrue();
      assertThat(monitor.service("go-source").orElseThrow().latest())
          .containsEntry("arrow_rows_per_second", 1234.0);
      String scrape =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(scrape)
          .contains("arrow_rows_per_second{pipeline=\"\",service=\"go-source\"} 1234");
    } finally {
      http.close();
      sweeper.shutdownNow();
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      stores.close();
    }
  }
}
