package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.server.monitoring.view.Alert;
import io.flowctl.server.monitoring.view.Percentiles;
import io.flowctl.server.monitoring.view.Point;
import io.flowctl.server.registry.ServiceRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The monitor's Micrometer meters: control-plane totals, and per service a gauge of each heartbeat
 * metric plus window percentiles, computed when scraped rather than per heartbeat.
 */
final class MonitorMeters {
  private final MeterRegistry registry;
  private final Clock clock;
  private final Duration window;
  private final Counter heartbeats;
  private final Map<String, Counter> registrations = new ConcurrentHashMap<>();
  private final Map<Alert.Kind, Counter> raised = new EnumMap<>(Alert.Kind.class);
  private final Map<String, List<Meter>> perService = new ConcurrentHashMap<>();
  private final int maxServices;

  /** The meters of {@code monitor}, built from {@code b}, registered in its meter registry. */
  MonitorMeters(Monitor.Builder b, Monitor monitor, AlertEngine alerts) {
    this.registry = b.meters;
    this.maxServices = b.servicesWithMeters;
    this.clock = b.clock;
    this.window = b.window;
    ServiceRegistry services = b.services;
    this.heartbeats =
        Counter.builder("flowctl.heartbeats").description("Heartbeats recorded").register(registry);
    Gauge.builder("flowctl.services.registered", services, ServiceRegistry::size)
        .description("Services registered")
        .register(registry);
    Gauge.builder("flowctl.services.healthy", services, s -> s.size() - s.unhealthy().size())
        .description("Services whose heartbeats are within the TTL")
        .register(registry);
    for (Alert.Kind k : Alert.Kind.values()) {
      String kind = k.name().toLowerCase(Locale.ROOT);
      Gauge.builder("flowctl.alerts.active", alerts, a -> a.count(k))
          .tag("kind", kind)
          .description("Alerts active now")
          .register(registry);
      raised.put(
          k,
          Counter.builder("flowctl.alerts.raised")
              .tag("kind", kind)
              .description("Alerts raised")
              .register(registry));
    }
    // The first listener, added before any host's: the counter moves before they hear of it.
    alerts.addListener(a -> raised.get(a.kind()).increment());
    Gauge.builder("flowctl.recommendations", monitor, m -> m.recommendations().size())
        .description("Recommendations derived from the metrics now")
        .register(registry);
  }

  void heartbeat() {
    heartbeats.increment();
  }

  /** Counts a registration by result: new, existing or refused. */
  void registration(String result) {
    registrations
        .computeIfAbsent(
            result,
            r ->
                Counter.builder("flowctl.schema.registrations")
                    .tag("result", r)
                    .description("Schema registrations by result: new, existing or refused")
                    .register(registry))
        .increment();
  }

  /**
   * Registers a service's gauges, once, at its first heartbeat, for the first {@code maxServices}
   * services: nineteen series per service would make a fleet's scrape millions of lines.
   */
  void add(ServiceSeries s, String pipeline) {
    if (perService.size() >= maxServices) {
      return;
    }
    Tags tags = Tags.of("service", s.id, "pipeline", pipeline);
    List<Meter> list = new ArrayList<>();
    for (String name : Monitor.ARROW_METRICS) {
      list.add(
          Gauge.builder(name.replace('_', '.'), s, x -> value(x.latest(), name))
              .tags(tags)
              .description(name + ", from the service's last heartbeat")
              .register(registry));
    }
    for (String q : List.of("0.5", "0.95", "0.99")) {
      list.add(
          quantile(
              "arrow.window.latency.ms",
              s,
              Point::latencyMs,
              q,
              tags,
              "Serialization" + " plus deserialization time per batch over the window"));
      list.add(
          quantile(
              "arrow.window.batch.size",
              s,
              Point::batchSize,
              q,
              tags,
              "Rows per batch over the window"));
    }
    perService.put(s.id, list);
  }

  private Meter quantile(
      String name,
      ServiceSeries s,
      ToDoubleFunction<Point> measure,
      String q,
      Tags tags,
      String description) {
    return Gauge.builder(
            name, s, x -> pick(x.percentiles(clock.instant().minus(window), measure), q))
        .tags(tags.and("quantile", q))
        .description(description)
        .register(registry);
  }

  private static double pick(Percentiles p, String q) {
    return switch (q) {
      case "0.5" -> p.p50();
      case "0.95" -> p.p95();
      default -> p.p99();
    };
  }

  /** Removes a service's gauges. */
  void remove(String serviceId) {
    List<Meter> list = perService.remove(serviceId);
    if (list != null) {
      list.forEach(registry::remove);
    }
  }
}
