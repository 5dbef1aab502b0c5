package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.proto.ServiceInfo;
import io.flowctl.server.monitoring.view.Percentiles;
import io.flowctl.server.monitoring.view.Point;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One service's heartbeat samples over a sliding window: at most one point per slot (a newer sample
 * in the same slot replaces the older), at most {@code maxSamples}, with the running sum of rows/s
 * so that the throughput baseline costs a heartbeat its own sample only. Thread-safe.
 */
final class ServiceSeries {
  /** Samples the "recent" side of the throughput baseline averages. */
  static final int RECENT = 3;

  final String id;
  private final long windowMillis;
  private final long slotMillis;
  private final int maxSamples;
  private final Deque<Point> points = new ArrayDeque<>();
  private volatile ServiceInfo info;
  private volatile Map<String, Double> latest = Map.of();
  private volatile Instant lastAt;
  private double rowSum; // rows/s summed over the points kept

  ServiceSeries(String id, long windowMillis, int maxSamples) {
    this.id = id;
    this.windowMillis = windowMillis;
    this.maxSamples = maxSamples;
    this.slotMillis = Math.max(1, windowMillis / maxSamples);
  }

  private long slot(Instant at) {
    return Math.floorDiv(at.toEpochMilli(), slotMillis);
  }

  /** Adds a heartbeat's metrics; true for the first one. */
  synchronized boolean add(ServiceInfo info, Instant at, Map<String, Double> metrics) {
    boolean first = this.info == null;
    this.info = info;
    this.latest = Map.copyOf(metrics);
    this.lastAt = at;
    Point last = points.peekLast();
    if (last != null && slot(last.at()) == slot(at)) {
      // Faster than the window's resolution: a service heartbeating in a loop keeps as many points
      // as one beating once a slot.
      rowSum -= points.removeLast().rowsPerSecond();
    }
    points.addLast(
        new Point(
            at,
            value(metrics, "arrow_rows_per_second"),
            value(metrics, "arrow_batch_size_avg"),
            value(metrics, "arrow_compression_ratio"),
            value(metrics, "arrow_serialization_time_ms")
                + value(metrics, "arrow_deserialization_time_ms"),
            value(metrics, "arrow_memory_usage_bytes")));
    rowSum += points.peekLast().rowsPerSecond();
    Instant since = at.minusMillis(windowMillis);
    while (!points.isEmpty()
        && (points.size() > maxSamples || points.peekFirst().at().isBefore(since))) {
      rowSum -= points.removeFirst().rowsPerSecond();
    }
    return first;
  }

  ServiceInfo info() {
    return info;
  }

  Map<String, Double> latest() {
    return latest;
  }

  Instant lastAt() {
    return lastAt;
  }

  synchronized List<Point> points(Instant since) {
    List<Point> out = new ArrayList<>();
    for (Point p : points) {
      if (!p.at().isBefore(since)) {
        out.add(p);
      }
    }
    return out;
  }

  /** Percentiles of one measure's positive values since {@code since}. */
  synchronized Percentiles percentiles(Instant since, ToDoubleFunction<Point> measure) {
    return Stats.percentiles(
        points.stream()
            .filter(p -> !p.at().isBefore(since))
            .mapToDouble(measure)
            .filter(v -> v > 0)
            .toArray());
  }

  /**
   * The mean rows/s of the window's samples before the last {@value #RECENT}, and of those last
   * ones; null with fewer than {@code minSamples}. Constant time.
   */
  synchronized double[] baselineAndRecent(int minSamples) {
    int n = points.size();
    if (n < Math.max(minSamples, RECENT + 1)) {
      return null;
    }
    double recent = 0;
    var it = points.descendingIterator();
    for (int i = 0; i < RECENT; i++) {
      recent += it.next().rowsPerSecond();
    }
    return new double[] {(rowSum - recent) / (n - RECENT), recent / RECENT};
  }
}
