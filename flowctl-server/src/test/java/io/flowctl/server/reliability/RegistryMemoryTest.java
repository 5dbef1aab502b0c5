package io.flowctl.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.monitoring.Monitor;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.testing.ManualClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Memory per registered service, as {@code flowctl serve} holds it with its defaults (history of 8
 * heartbeats, the monitor's 10-minute window, per-service meters for the first 1,000 services): the
 * heap after a full GC, with 10,000 and with 100,000 services, each having sent heartbeats of the
 * plan's 13 Arrow metrics once a second. Figures for docs/deployment.md.
 */
class RegistryMemoryTest {
  @Test
  void tenThousandServices_withAFullWindow() {
    double perService = measure(10_000, 600); // 10 minutes at 1 Hz: the whole window
    assertThat(perService).as("bytes per service").isLessThan(48 * 1024);
  }

  @Test
  void hundredThousandServices_withAFullHistory() {
    double perService = measure(100_000, 8);
    assertThat(perService).as("bytes per service").isLessThan(10 * 1024);
  }

  private static double measure(int services, int seconds) {
    long empty = usedAfterGc();
    ManualClock clock = new ManualClock();
    ServiceRegistry registry =
        ServiceRegistry.builder()
            .clock(clock)
            .maxServices(services)
            .maxBytes(services > 10_000 ? 2L << 30 : 256L << 20) // the default admits ~70,000
            .heartbeatFlushInterval(Duration.ofMillis(250))
            .build();
    Monitor monitor =
        Monitor.builder(registry)
            .clock(clock)
            .window(Duration.ofMinutes(10)) // FlowctlServer's
            .meters(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
            .build();
    Map<String, Double> metrics = new LinkedHashMap<>();
    for (String name : Monitor.ARROW_METRICS) {
      metrics.put(name, 1234.5);
    }
    for (int i = 0; i < services; i++) {
      registry.register(
          ServiceInfo.newBuilder()
              .setServiceId("svc-" + i)
              .setComponentId("load-component")
              .setServiceType(ServiceType.SERVICE_TYPE_PROCESSOR)
              .addInputEventTypes("arrow_data.ArrowBatch")
              .addOutputEventTypes("arrow_data.ArrowBatch")
              .putMetadata("pipeline", "load")
              .build());
    }
    for (int s = 0; s < seconds; s++) {
      clock.advance(Duration.ofSeconds(1));
      for (int i = 0; i < services; i++) {
        // Each heartbeat parsed anew, as the RPC path gives it: its own keys and values.
        Map<String, Double> beat = new LinkedHashMap<>();
        metrics.forEach((k, v) -> beat.put(new String(k), v + 0.0));
        registry.recordHeartbeat("svc-" + i, beat);
      }
      registry.flushHeartbeats();
    }
    long used = usedAfterGc() - empty;
    double perService = (double) used / services;
    System.out.printf(
        Locale.ROOT,
        "registry memory: %d services after %d s of 1 Hz heartbeats: %.1f MiB, %.1f KiB per"
            + " service%n",
        services,
        seconds,
        used / 1048576.0,
        perService / 1024);
    assertThat(registry.size()).isEqualTo(services);
    assertThat(monitor.window()).isEqualTo(Duration.ofMinutes(10)); // and keeps both alive
    return perService;
  }

  private static long usedAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
