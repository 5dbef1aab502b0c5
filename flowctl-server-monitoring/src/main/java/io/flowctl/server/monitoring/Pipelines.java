package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.server.monitoring.view.PipelineView;
import io.flowctl.server.monitoring.view.Point;
import io.flowctl.server.monitoring.view.ServiceView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Services grouped by their {@code pipeline} metadata entry, with aggregates and a series each. */
final class Pipelines {
  private Pipelines() {}

  static List<PipelineView> of(List<ServiceView> views) {
    Map<String, List<ServiceView>> by = new TreeMap<>();
    for (ServiceView v : views) {
      by.computeIfAbsent(v.pipeline(), k -> new ArrayList<>()).add(v);
    }
    List<PipelineView> out = new ArrayList<>();
    by.forEach((name, vs) -> out.add(pipeline(name, vs)));
    return out;
  }

  private static PipelineView pipeline(String name, List<ServiceView> vs) {
    double rows = 0;
    double p95 = 0;
    double errors = 0;
    double memory = 0;
    int healthy = 0;
    for (ServiceView v : vs) {
      if (v.type().equals("source")) {
        rows += value(v.latest(), "arrow_rows_per_second");
      }
      p95 = Math.max(p95, v.latencyMs().p95());
      errors +=
          value(v.latest(), "arrow_processing_errors")
              + value(v.latest(), "arrow_schema_validation_errors")
              + value(v.latest(), "arrow_compatibility_check_failures");
      memory += value(v.latest(), "arrow_memory_usage_bytes");
      healthy += v.healthy() ? 1 : 0;
    }
    return new PipelineView(
        name,
        vs.stream().map(ServiceView::id).toList(),
        healthy,
        rows,
        p95,
        errors,
        memory,
        series(vs));
  }

  /** The services' points per second: sources' rows/s summed, latency maxed, memory summed. */
  private static List<Point> series(List<ServiceView> services) {
    TreeMap<Long, double[]> bySecond = new TreeMap<>();
    for (ServiceView v : services) {
      boolean source = v.type().equals("source");
      Map<Long, Point> last = new TreeMap<>();
      for (Point p : v.series()) {
        last.put(p.at().getEpochSecond(), p); // one point per service and second
      }
      last.forEach(
          (second, p) -> {
            double[] a = bySecond.computeIfAbsent(second, k -> new double[3]);
            if (source) {
              a[0] += p.rowsPerSecond();
            }
            a[1] = Math.max(a[1], p.latencyMs());
            a[2] += p.memoryBytes();
          });
    }
    List<Point> out = new ArrayList<>(bySecond.size());
    bySecond.forEach(
        (second, a) -> out.add(new Point(Instant.ofEpochSecond(second), a[0], 0, 0, a[1], a[2])));
    return out;
  }
}
