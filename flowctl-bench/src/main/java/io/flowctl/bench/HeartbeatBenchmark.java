package io.flowctl.bench;

import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.HeartbeatAck;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.monitoring.Monitor;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Control-plane heartbeats per second over loopback with {@code services} registered services, each
 * heartbeat carrying the 13 Arrow heartbeat metrics, from 4 client threads taking the services in
 * turn, on each store: memory, SQLite (a file) and PostgreSQL (embedded, on this machine). The
 * baselines are the memory store in the same run and a bare gRPC health check on the same channel.
 * Throughput and sampled latency (its p99 next to the memory store's).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(4)
@Fork(value = 1, jvmArgsAppend = BenchJvm.ADD_OPENS)
public class HeartbeatBenchmark {
  @Param({"10", "100", "1000"})
  public int services;

  @Param({"memory", "sqlite", "postgres"})
  public String store;

  private EmbeddedPostgres postgres;
  private Path dir;

  private FlowctlServer server;
  private ManagedChannel channel;
  private ControlPlaneGrpc.ControlPlaneBlockingStub cp;
  private HealthGrpc.HealthBlockingStub health;
  private final Map<String, Double> metrics = new LinkedHashMap<>();
  private final AtomicLong next = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String spec =
        switch (store) {
          case "memory" -> "memory";
          case "sqlite" -> {
            dir = Files.createTempDirectory("flowctl-bench");
            yield "sqlite:" + dir.resolve("flowctl.db");
          }
          default -> {
            postgres = EmbeddedPostgres.builder().start();
            yield postgres.getJdbcUrl("postgres", "postgres");
          }
        };
    server = FlowctlServer.builder().host("127.0.0.1").port(0).store(spec).start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    cp = ControlPlaneGrpc.newBlockingStub(channel);
    health = HealthGrpc.newBlockingStub(channel);
    for (int i = 0; i < services; i++) {
      cp.register(
          ServiceInfo.newBuilder()
              .setServiceId("svc-" + i)
              .setServiceType(ServiceType.SERVICE_TYPE_PROCESSOR)
              .addInputEventTypes("arrow_data.ArrowBatch")
              .addOutputEventTypes("arrow_data.ArrowBatch")
              .build());
    }
    for (String name : Monitor.ARROW_METRICS) {
      metrics.put(name, 1.5);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
    if (postgres != null) {
      postgres.close();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @Benchmark
  public HeartbeatAck heartbeat() {
    long n = next.getAndIncrement();
    return cp.heartbeat(
        ServiceHeartbeat.newBuilder()
            .setServiceId("svc-" + (n % services))
            .putAllMetrics(metrics)
            .build());
  }

  @Benchmark
  public HealthCheckResponse emptyUnary() {
    return health.check(HealthCheckRequest.getDefaultInstance());
  }
}
