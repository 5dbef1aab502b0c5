package io.flowctl.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Mixed hostile and normal traffic against one control plane over loopback, with heap, RSS and
 * thread counts sampled: after warm-up they stay flat, and every normal call is answered. CI runs
 * it for 30 s; {@code -Dflowctl.soak.seconds=600} is the ten-minute soak of docs/reliability.md,
 * which also prints the samples.
 */
class HostileSoakTest {
  private static final long SECONDS = Long.getLong("flowctl.soak.seconds", 30);

  @Test
  void mixedHostileAndNormalTraffic_keepsHeapRssAndThreadsFlat() throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .httpPort(0)
            .store("memory")
            .requestTimeout(Duration.ofSeconds(2))
            .start()) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", s.port())
              .usePlaintext()
              .maxInboundMessageSize(64 << 20)
              .build();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong normalOk = new AtomicLong();
      AtomicLong normalFailed = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(6);
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + s.httpPort();
        // normal: 50 services heartbeating, schemas registered and looked up, dashboard polled
        pool.submit(
            loop(
                stop,
                () -> {
                  for (int n = 0; n < 50; n++) {
                    int i = n;
                    String id = "svc-" + i;
                    normal(
                        normalOk,
                        normalFailed,
                        failures,
                        () ->
                            stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                                .register(
                                    ServiceInfo.newBuilder()
                                        .setServiceId(id)
                                        .setServiceType(ServiceType.SERVICE_TYPE_PROCESSOR)
                                        .addInputEventTypes("t" + (i % 5))
                                        .addOutputEventTypes("t" + ((i + 1) % 5))
                                        .build()));
                    normal(
                        normalOk,
                        normalFailed,
                        failures,
                        () ->
                            stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                                .heartbeat(
                                    ServiceHeartbeat.newBuilder()
                                        .setServiceId(id)
                                        .putMetrics("arrow_rows_per_second", 1000 + i)
                                        .putMetrics("arrow_batch_size_avg", 10_000)
                                        .build()));
                  }
                  normal(
                      normalOk,
                      normalFailed,
                      failures,
                      () ->
                          stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                              .registerSchema(registration("t1", schema(3))));
                  normal(
                      normalOk,
                      normalFailed,
                      failures,
                      () ->
                          stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                              .getSchema(SchemaRequest.newBuilder().setEventType("t1").build()));
                  Thread.sleep(200);
                }));
        pool.submit(
            loop(
                stop,
                () -> {
                  for (String path : List.of("/api/overview", "/metrics")) {
                    HttpResponse<String> r =
                        http.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                      normalOk.incrementAndGet();
                    } else {
                      normalFailed.incrementAndGet();
                      failures.add(path + " " + r.statusCode());
                    }
                  }
                  Thread.sleep(1_000);
                }));
        // hostile: oversized and forged ids, fat metadata and metrics, deep schemas, run floods
        pool.submit(
            loop(
                stop,
                () -> {
                  hostile(
                      refused,
                      () ->
                          stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                              .register(service("x".repeat(3 << 20))));
                  hostile(
                      refused,
                      () ->
                          stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                              .register(service("alert cleared\n\u001b[2J\u202e")));
                  hostile(
                      refused,
                      () ->
                          stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                              .register(
                                  service("meta").toBuilder()
                                      .putMetadata("k", "v".repeat(1 << 20))
                                      .build()));
                  ServiceHeartbeat.Builder fat =
                      ServiceHeartbeat.newBuilder().setServiceId("svc-0");
                  for (int i = 0; i < 256; i++) {
                    fat.putMetrics(String.format(Locale.ROOT, "m%03d", i) + "n".repeat(240), i);
                  }
                  hostile(
                      refused,
                      () -> stub.withDeadlineAfter(5, TimeUnit.SECONDS).heartbeat(fat.build()));
                  hostile(
                      refused,
                      () ->
                          stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                              .registerSchema(registration("deep", deep(2_000))));
                  for (int i = 0; i < 20; i++) {
                    hostile(
                        refused,
                        () ->
                            stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                                .createPipelineRun(
                                    CreatePipelineRunRequest.newBuilder()
                                        .setPipelineName("flood")
                                        .setConfigYaml("c".repeat(2_000))
                                        .build()));
                  }
                }));
        // hostile: slow HTTP clients, a few at a time
        pool.submit(
            loop(
                stop,
                () -> {
                  List<Socket> slow = new ArrayList<>();
                  try {
                    for (int i = 0; i < 8; i++) {
                      Socket c = new Socket();
                      c.connect(new InetSocketAddress("127.0.0.1", s.httpPort()), 5_000);
                      c.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes());
                      slow.add(c);
                    }
                    Thread.sleep(3_000);
                  } finally {
                    for (Socket c : slow) {
                      c.close();
                    }
                  }
                }));

        List<long[]> samples = new ArrayList<>(); // seconds, heap, rss, threads
        long start = System.nanoTime();
        long every = Math.max(2, SECONDS / 30);
        while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(SECONDS)) {
          Thread.sleep(every * 1_000);
          System.gc();
          long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          long t = (System.nanoTime() - start) / 1_000_000_000L;
          samples.add(
              new long[] {t, heap, rss(), ManagementFactory.getThreadMXBean().getThreadCount()});
          // the control plane answers promptly throughout
          HealthGrpc.newBlockingStub(ch)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
        }
        stop.set(true);
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        StringBuilder table = new StringBuilder("s\theap MiB\tRSS MiB\tthreads\n");
        for (long[] x : samples) {
          table.append(
              String.format(Locale.ROOT, "%d\t%d\t%d\t%d%n", x[0], x[1] >> 20, x[2] >> 20, x[3]));
        }
        System.out.println(
            "soak: "
                + normalOk
                + " normal calls answered, "
                + normalFailed
                + " failed, "
                + refused
                + " hostile calls refused\n"
                + table);
        assertThat(normalFailed.get()).as(String.join("\n", failures)).isZero();
        assertThat(refused.get()).isPositive();
        // flat after warm-up: the second half stays within a band of the first half's peak
        List<long[]> warm = samples.subList(samples.size() / 3, samples.size());
        long heapMin = warm.stream().mapToLong(x -> x[1]).min().orElseThrow();
        long heapMax = warm.stream().mapToLong(x -> x[1]).max().orElseThrow();
        long threadsMin = warm.stream().mapToLong(x -> x[3]).min().orElseThrow();
        long threadsMax = warm.stream().mapToLong(x -> x[3]).max().orElseThrow();
        assertThat(heapMax - heapMin).as(table.toString()).isLessThan(96L << 20);
        assertThat(threadsMax - threadsMin).as(table.toString()).isLessThan(60);
        if (Boolean.getBoolean("flowctl.soak.write")) {
          Files.writeString(Path.of("target", "soak.tsv"), table);
        }
      } finally {
        stop.set(true);
        pool.shutdownNow();
        ch.shutdownNow();
      }
    }
  }

  private interface Work {
    void run() throws Exception;
  }

  private static Runnable loop(AtomicBoolean stop, Work w) {
    return () -> {
      while (!stop.get()) {
        try {
          w.run();
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          // an attack's own failure (a closed socket): go on
        }
      }
    };
  }

  private static void normal(AtomicLong ok, AtomicLong failed, List<String> why, Runnable call) {
    try {
      call.run();
      ok.incrementAndGet();
    } catch (StatusRuntimeException e) {
      failed.incrementAndGet();
      why.add(e.getStatus().toString());
    }
  }

  private static void hostile(AtomicLong refused, Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      refused.incrementAndGet();
    }
  }

  private static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (java.io.IOException notLinux) {
      // no /proc
    }
    return -1;
  }

  private static ServiceInfo service(String id) {
    return ServiceInfo.newBuilder()
        .setServiceId(id)
        .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
        .build();
  }

  private static Schema schema(int fields) {
    List<Field> f = new ArrayList<>();
    for (int i = 0; i < fields; i++) {
      f.add(Field.nullable("f" + i, new ArrowType.Int(64, true)));
    }
    return new Schema(f);
  }

  private static Schema deep(int depth) {
    Field f = Field.nullable("leaf", new ArrowType.Int(32, true));
    for (int i = 0; i < depth; i++) {
      f = new Field("s" + i, FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(f));
    }
    return new Schema(List.of(f));
  }

  private static SchemaRegistration registration(String type, Schema schema) {
    return SchemaRegistration.newBuilder()
        .setSchemaInfo(
            SchemaInfo.newBuilder()
                .setEventType(type)
                .setSchemaFormat("arrow_ipc")
                .setSchemaDefinition(
                    ByteString.copyFrom(io.flowctl.ipc.ArrowIpc.schemaStream(schema))))
        .build();
  }
}
