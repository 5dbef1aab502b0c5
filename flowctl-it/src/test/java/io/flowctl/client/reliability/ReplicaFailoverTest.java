package io.flowctl.client.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.client.control.internal.ControlPlaneTargets;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.HeartbeatAck;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceStatus;
import io.flowctl.proto.ServiceType;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Fault: three control-plane processes share one PostgreSQL; 1,000 services heartbeat once a second
 * through round-robin channels over the three addresses (20 of them through the SDK's own client,
 * the rest raw), and a producer registers schema versions through the SDK. One replica is killed
 * (SIGKILL). The clients move to the other two; every acknowledged version is found on them,
 * gapless and unique; and no live service is ever seen unhealthy on any replica still running.
 * Figures for docs/reliability.md.
 */
class ReplicaFailoverTest {
  static final int SERVICES = 1_000;
  static final int SDK_CLIENTS = 20;

  @Test
  void killingOneOfThreeReplicas_losesNothing_andNoLiveServiceTurnsUnhealthy() throws Exception {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      String store = postgres.getJdbcUrl("postgres", "postgres");
      int[] ports = new int[3];
      for (int i = 0; i < 3; i++) {
        try (ServerSocket s = new ServerSocket(0)) {
          ports[i] = s.getLocalPort();
        }
      }
      List<Process> replicas = new ArrayList<>();
      List<ManagedChannel> channels = new ArrayList<>();
      List<ControlPlaneClient> clients = new ArrayList<>();
      ScheduledExecutorService beats = Executors.newScheduledThreadPool(2);
      AtomicBoolean producing = new AtomicBoolean(true);
      Thread producer = null;
      try {
        for (int port : ports) {
          // TTL 5 s swept every 250 ms: a move that took longer than a TTL would show.
          replicas.add(ControlPlaneKillTest.start(store, port, "5", "250"));
        }
        String target =
            "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];

        // The SDK's client, as components would use it.
        for (int i = 0; i < SDK_CLIENTS; i++) {
          ControlPlaneClient c =
              ControlPlaneClient.builder(target, info("sdk-" + i))
                  .heartbeatInterval(Duration.ofSeconds(1))
                  .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                  .build();
          c.start();
          clients.add(c);
        }
        // The rest over two shared round-robin channels, as many small components would.
        List<ControlPlaneGrpc.ControlPlaneStub> stubs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          ManagedChannel ch =
              NettyChannelBuilder.forTarget(ControlPlaneTargets.grpcTarget(target))
                  .defaultLoadBalancingPolicy("round_robin")
                  .usePlaintext()
                  .directExecutor()
                  .disableRetry()
                  .build();
          channels.add(ch);
          stubs.add(ControlPlaneGrpc.newStub(ch));
        }
        var blocking = ControlPlaneGrpc.newBlockingStub(channels.get(0));
        Set<String> ids = new TreeSet<>();
        for (int i = 0; i < SDK_CLIENTS; i++) {
          ids.add("sdk-" + i);
        }
        for (int i = 0; i < SERVICES - SDK_CLIENTS; i++) {
          blocking.withDeadlineAfter(10, TimeUnit.SECONDS).register(info("svc-" + i));
          ids.add("svc-" + i);
        }
        AtomicLong sent = new AtomicLong();
        AtomicLong acked = new AtomicLong();
        AtomicLong failedBeats = new AtomicLong();
        AtomicLong lastFailure = new AtomicLong();
        for (int i = 0; i < SERVICES - SDK_CLIENTS; i++) {
          ControlPlaneGrpc.ControlPlaneStub stub = stubs.get(i % stubs.size());
          ServiceHeartbeat beat =
              ServiceHeartbeat.newBuilder()
                  .setServiceId("svc-" + i)
                  .putMetrics("arrow_rows_per_second", 1_000)
                  .build();
          beats.scheduleAtFixedRate(
              () -> {
                sent.incrementAndGet();
                stub.withDeadlineAfter(2, TimeUnit.SECONDS)
                    .heartbeat(
                        beat,
                        new StreamObserver<HeartbeatAck>() {
                          @Override
                          public void onNext(HeartbeatAck ack) {}

                          @Override
                          public void onError(Throwable t) {
                            failedBeats.incrementAndGet(); // the next beat goes elsewhere
                            lastFailure.set(System.nanoTime());
                          }

                          @Override
                          public void onCompleted() {
                            acked.incrementAndGet();
                          }
                        });
              },
              1_000L * i / SERVICES,
              1_000,
              TimeUnit.MILLISECONDS);
        }

        ControlPlaneClient schemas = ControlPlaneClient.builder(target, info("producer")).build();
        clients.add(schemas);
        Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
        AtomicLong refused = new AtomicLong();
        producer =
            new Thread(
                () -> {
                  int columns = 1;
                  while (producing.get()) {
                    try {
                      var ack =
                          schemas.registerSchema(
                              "fault.Schema", ControlPlaneKillTest.schema(columns));
                      acknowledged.put(ack.getVersion(), ack.getSchemaFingerprint());
                      columns++;
                    } catch (RuntimeException e) {
                      refused.incrementAndGet(); // the same version is tried again
                    }
                    sleep(20);
                  }
                });
        producer.start();

        Thread.sleep(3_000); // every service has beaten on every replica's view
        long ready = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acknowledged.size() < 5) {
          assertThat(System.nanoTime()).as("the producer registers versions").isLessThan(ready);
          Thread.sleep(50);
        }
        List<String> flapped = new ArrayList<>();
        long looks = 0;
        looks += look(ports, Set.of(0, 1, 2), ids, flapped);
        int before = acknowledged.size();
        long ackedBefore = acked.get();
        long[] sdkBeatsBefore =
            clients.subList(0, SDK_CLIENTS).stream()
                .mapToLong(c -> c.state().heartbeats())
                .toArray();
        replicas.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
        long killedAt = System.nanoTime();
        long end = killedAt + TimeUnit.SECONDS.toNanos(12);
        while (System.nanoTime() < end) {
          looks += look(ports, Set.of(1, 2), ids, flapped);
          Thread.sleep(250);
        }
        producing.set(false);
        producer.join(5_000);
        beats.shutdownNow();

        var survivor =
            ControlPlaneGrpc.newBlockingStub(
                NettyChannelBuilder.forAddress("127.0.0.1", ports[1]).usePlaintext().build());
        ControlPlaneKillTest.assertEveryVersionFound(survivor, acknowledged);
        System.out.printf(
            Locale.ROOT,
            "replica failover: 3 replicas on PostgreSQL, %d services heartbeating at 1 Hz; one"
                + " killed: the last failed heartbeat %.1f s after the kill;"
                + " %d heartbeats sent, %d answered, %d failed in the move; %d versions"
                + " acknowledged (%d before the kill), all found, versions 1..%d; %d"
                + " registration attempts failed and were retried; %d health looks, %d unhealthy"
                + " sightings of live services%n",
            SERVICES,
            (lastFailure.get() - killedAt) / 1e9,
            sent.get(),
            acked.get(),
            failedBeats.get(),
            acknowledged.size(),
            before,
            acknowledged.size(),
            refused.get(),
            looks,
            flapped.size());
        assertThat(acked.get() - ackedBefore)
            .as("heartbeats answered after the kill")
            .isGreaterThan(10L * (SERVICES - SDK_CLIENTS));
        assertThat((lastFailure.get() - killedAt) / 1e9)
            .as("seconds until heartbeats stopped failing")
            .isLessThan(5.0);
        assertThat(acknowledged.size())
            .as("versions acknowledged after the kill")
            .isGreaterThan(before);
        assertThat(flapped).as("live services seen unhealthy").isEmpty();
        assertThat(looks).isGreaterThan(20);
        for (int i = 0; i < SDK_CLIENTS; i++) {
          assertThat(clients.get(i).state().heartbeats() - sdkBeatsBefore[i])
              .as("heartbeats of sdk-" + i + " after the kill")
              .isGreaterThanOrEqualTo(8);
        }
      } finally {
        producing.set(false);
        if (producer != null) {
          producer.join(5_000);
        }
        beats.shutdownNow();
        for (ControlPlaneClient c : clients) {
          c.shutdown();
        }
        for (ManagedChannel ch : channels) {
          ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Process p : replicas) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
  }

  /** Asks each named replica for every service; adds "replica: id" for each unhealthy one. */
  private static int look(int[] ports, Set<Integer> live, Set<String> ids, List<String> flapped)
      throws InterruptedException {
    int looks = 0;
    for (int r : live) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", ports[r]).usePlaintext().build();
      try {
        var list =
            ControlPlaneGrpc.newBlockingStub(ch)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .listServices(com.google.protobuf.Empty.getDefaultInstance());
        for (ServiceStatus s : list.getServicesList()) {
          if (ids.contains(s.getServiceId()) && !s.getIsHealthy()) {
            flapped.add(r + ": " + s.getServiceId());
          }
        }
        looks++;
      } catch (StatusRuntimeException e) {
        flapped.add(r + ": unreachable (" + e.getStatus() + ")");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    return looks;
  }

  private static ServiceInfo info(String id) {
    return ServiceInfo.newBuilder()
        .setServiceId(id)
        .setServiceType(ServiceType.SERVICE_TYPE_PROCESSOR)
        .build();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
