package io.flowctl.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.HeartbeatAck;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.monitoring.Monitor;
import io.flowctl.server.registry.ServiceState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Load: 1,000 services heartbeat once a second for 30 seconds over loopback (4 channels, the plan's
 * 13 Arrow metrics in every heartbeat) to a control plane with a 3-second TTL swept every 250 ms,
 * SQLite off. Every live service must stay healthy at every look (no missed-health flaps), and
 * every heartbeat must be acknowledged. The figures are printed for docs/reliability.md.
 */
class HeartbeatLoadTest {
  static final int SERVICES = 1_000;
  static final Duration PERIOD = Duration.ofSeconds(1);
  static final Duration RUN = Duration.ofSeconds(30);

  @Test
  void thousandServicesAtOneSecond_stayHealthy_andEveryHeartbeatIsAcknowledged() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("memory")
            .heartbeatTtl(Duration.ofSeconds(3))
            .sweepInterval(Duration.ofMillis(250))
            .start()) {
      List<ManagedChannel> channels = new ArrayList<>();
      List<ControlPlaneGrpc.ControlPlaneFutureStub> stubs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", cp.port()).usePlaintext().build();
        channels.add(ch);
        stubs.add(ControlPlaneGrpc.newFutureStub(ch));
      }
      var blocking = ControlPlaneGrpc.newBlockingStub(channels.get(0));
      for (int i = 0; i < SERVICES; i++) {
        blocking.register(
            ServiceInfo.newBuilder()
                .setServiceId("svc-" + i)
                .setServiceType(ServiceType.SERVICE_TYPE_PROCESSOR)
                .putMetadata("pipeline", "load")
                .build());
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      for (String name : Monitor.ARROW_METRICS) {
        metrics.put(name, 1.0);
      }

      AtomicLong sent = new AtomicLong();
      AtomicLong acked = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      ConcurrentLinkedQueue<Long> latenciesMicros = new ConcurrentLinkedQueue<>();
      ScheduledExecutorService beats = Executors.newScheduledThreadPool(4);
      long periodMicros = PERIOD.toNanos() / 1_000;
      for (int i = 0; i < SERVICES; i++) {
        String id = "svc-" + i;
        ControlPlaneGrpc.ControlPlaneFutureStub stub = stubs.get(i % stubs.size());
        ServiceHeartbeat beat =
            ServiceHeartbeat.newBuilder().setServiceId(id).putAllMetrics(metrics).build();
        // Spread the services over the second, as independent services would be.
        beats.scheduleAtFixedRate(
            () -> {
              long start = System.nanoTime();
              sent.incrementAndGet();
              Futures.addCallback(
                  stub.withDeadlineAfter(5, TimeUnit.SECONDS).heartbeat(beat),
                  new FutureCallback<HeartbeatAck>() {
                    @Override
                    public void onSuccess(HeartbeatAck ack) {
                      acked.incrementAndGet();
                      latenciesMicros.add((System.nanoTime() - start) / 1_000);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                      failed.incrementAndGet();
                    }
                  },
                  MoreExecutors.directExecutor());
            },
            (periodMicros * i) / SERVICES,
            periodMicros,
            TimeUnit.MICROSECONDS);
      }

      Set<String> flapped = new HashSet<>();
      long looks = 0;
      long end = System.nanoTime() + RUN.toNanos();
      Thread.sleep(1_500); // every service has sent its first beat
      while (System.nanoTime() < end) {
        for (ServiceState s : cp.services().list()) {
          if (!s.healthy()) {
            flapped.add(s.serviceId());
          }
        }
        looks++;
        Thread.sleep(200);
      }
      beats.shutdownNow();
      beats.awaitTermination(5, TimeUnit.SECONDS);
      Thread.sleep(500); // the last answers
      for (ManagedChannel ch : channels) {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }

      List<Long> sorted = new ArrayList<>(latenciesMicros);
      sorted.sort(null);
      long p50 = sorted.get(sorted.size() / 2);
      long p99 = sorted.get((int) (sorted.size() * 0.99));
      long max = sorted.get(sorted.size() - 1);
      double rate = acked.get() / (RUN.toMillis() / 1000.0 + 1.5);
      System.out.printf(
          Locale.ROOT,
          "heartbeat load: %d services, %d sent, %d acknowledged, %d failed, %.0f/s,"
              + " latency p50 %d µs p99 %d µs max %d µs, %d health looks, %d services flapped%n",
          SERVICES,
          sent.get(),
          acked.get(),
          failed.get(),
          rate,
          p50,
          p99,
          max,
          looks,
          flapped.size());

      assertThat(flapped).as("services seen unhealthy while beating").isEmpty();
      assertThat(failed.get()).isZero();
      assertThat(acked.get()).isEqualTo(sent.get());
      assertThat(acked.get()).isGreaterThan(SERVICES * RUN.toSeconds() * 9 / 10);
      assertThat(looks).isGreaterThan(100);
    }
  }
}
