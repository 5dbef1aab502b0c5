package io.flowctl.client.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.SchemaAck;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault: the control plane is killed (SIGKILL) while 20 services heartbeat and a producer keeps
 * registering schema versions, then restarted on the same port and SQLite file. Every version that
 * was acknowledged is found again with its fingerprint, every client re-registers and heartbeats
 * again. Figures for docs/reliability.md.
 */
class ControlPlaneKillTest {
  static final int SERVICES = 20;

  @TempDir Path dir;

  @Test
  void aKilledControlPlane_losesNothingAcknowledged_andClientsComeBack() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String store = "sqlite:" + dir.resolve("flowctl.db");
    Process first = start(store, port);
    List<ControlPlaneClient> clients = new ArrayList<>();
    Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
    AtomicLong refused = new AtomicLong();
    AtomicBoolean producing = new AtomicBoolean(true);
    Process second = null;
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    Thread producer = null;
    try {
      clients.addAll(startClients("127.0.0.1:" + port, SERVICES));
      var stub = ControlPlaneGrpc.newBlockingStub(channel);
      producer =
          new Thread(
              () -> {
                int columns = 1;
                while (producing.get()) {
                  Schema s = schema(columns);
                  try {
                    SchemaAck ack =
                        stub.withDeadlineAfter(2, TimeUnit.SECONDS).registerSchema(registration(s));
                    acknowledged.put(ack.getVersion(), ack.getSchemaFingerprint());
                    columns++;
                  } catch (StatusRuntimeException e) {
                    refused.incrementAndGet(); // down: the same version is tried again
                    sleep(50);
                  }
                  sleep(20);
                }
              });
      producer.start();
      Thread.sleep(2_000);
      int before = acknowledged.size();
      long killedAt = System.nanoTime();
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
      Thread.sleep(1_000);
      second = start(store, port);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (clients.stream().anyMatch(c -> c.state().registrations() < 2)
          || acknowledged.size() <= before) {
        assertThat(System.nanoTime()).as("clients and producer recover").isLessThan(deadline);
        Thread.sleep(50);
      }
      double recovered = (System.nanoTime() - killedAt) / 1e9;
      producing.set(false);
      producer.join(5_000);

      var services = stub.listServices(com.google.protobuf.Empty.getDefaultInstance());
      assertThat(services.getServicesCount()).isEqualTo(SERVICES);
      assertEveryVersionFound(stub, acknowledged);
      long reRegistrations =
          clients.stream().mapToLong(c -> c.state().registrations()).sum() - SERVICES;
      System.out.printf(
          Locale.ROOT,
          "control plane killed: %d versions acknowledged (%d before the kill), all found again;"
              + " %d registration attempts refused while down; %d services re-registered (%d"
              + " re-registrations); everything back %.1f s after the kill%n",
          acknowledged.size(),
          before,
          refused.get(),
          SERVICES,
          reRegistrations,
          recovered);
      assertThat(reRegistrations).isGreaterThanOrEqualTo(SERVICES);
    } finally {
      producing.set(false);
      if (producer != null) {
        producer.join(5_000);
      }
      for (ControlPlaneClient c : clients) {
        c.shutdown();
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      if (second != null) {
        second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** {@code n} processors ("svc-0"…) registering and heartbeating every 200 ms. */
  static List<ControlPlaneClient> startClients(String target, int n) {
    List<ControlPlaneClient> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ControlPlaneClient c =
          ControlPlaneClient.builder(
                  target,
                  ServiceInfo.newBuilder()
                      .setServiceId("svc-" + i)
                      .setServiceType(ServiceType.SERVICE_TYPE_PROCESSOR)
                      .build())
              .heartbeatInterval(Duration.ofMillis(200))
              .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
              .build();
      c.start();
      out.add(c);
    }
    return out;
  }

  /** Every acknowledged version is there with its fingerprint, and versions run 1..n. */
  static void assertEveryVersionFound(
      ControlPlaneGrpc.ControlPlaneBlockingStub stub, Map<Integer, String> acknowledged) {
    for (var e : acknowledged.entrySet()) {
      var r =
          stub.getSchema(
              SchemaRequest.newBuilder()
                  .setEventType("fault.Schema")
                  .setVersion(e.getKey())
                  .build());
      assertThat(r.getSchemaInfo().getSchemaFingerprint())
          .as("version " + e.getKey())
          .isEqualTo(e.getValue());
    }
    int last = acknowledged.keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertThat(acknowledged.keySet()).hasSize(last); // versions 1..last, none lost or skipped
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** id, then {@code columns - 1} nullable columns: each next one a BACKWARD evolution. */
  static Schema schema(int columns) {
    List<Field> fields = new ArrayList<>();
    fields.add(Field.notNullable("id", new ArrowType.Int(64, true)));
    for (int c = 1; c < columns; c++) {
      fields.add(Field.nullable("c" + c, ArrowType.Utf8.INSTANCE));
    }
    return new Schema(fields);
  }

  static SchemaRegistration registration(Schema s) {
    return SchemaRegistration.newBuilder()
        .setServiceId("producer")
        .setSchemaInfo(
            SchemaInfo.newBuilder()
                .setEventType("fault.Schema")
                .setSchemaFormat("arrow_ipc")
                .setSchemaDefinition(ByteString.copyFrom(io.flowctl.ipc.ArrowIpc.schemaStream(s))))
        .build();
  }

  /** A control plane process ({@link ControlPlaneMain}) once it says it is ready. */
  static Process start(String store, int port, String... settings) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new ArrayList<>(
            List.of(
                java,
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                ControlPlaneMain.class.getName(),
                store,
                Integer.toString(port)));
    command.addAll(List.of(settings));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.startsWith("ready ")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (in.readLine() != null) {
                      // keep the pipe empty
                    }
                  } catch (java.io.IOException ignored) {
                    // the process ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    throw new IllegalStateException("the control plane exited before it was ready");
  }
}
