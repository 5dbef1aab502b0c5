package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.proto.ServiceInfo;
import io.flowctl.server.monitoring.view.Percentiles;
import io.flowctl.server.monitoring.view.Point;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One service's heartbeat samples over a sliding window: at most one point per slot (a newer sample
 * in the same slot replaces the older), at most {@code maxSamples}, with the running sum of rows/s
 * so that the throughput baseline costs a heartbeat its own sample only. Samples live in a ring of
 * primitive arrays that grows to {@code maxSamples}: a fleet of ten thousand services keeps its
 * windows in a few arrays each rather than millions of objects. Thread-safe.
 */
final class ServiceSeries {
  /** Samples the "recent" side of the throughput baseline averages. */
  static final int RECENT = 3;

  private static final int MEASURES = 5; // rows/s, batch size, ratio, latency, memory

  final String id;
  private final long windowMillis;
  private final long slotMillis;
  private final int maxSamples;
  private long[] at = new long[8]; // epoch nanoseconds
  private double[] values = new double[8 * MEASURES];
  private int head; // index of the oldest sample
  private int size;
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

  private static long nanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
  }

  private long slot(long epochNanos) {
    return Math.floorDiv(epochNanos / 1_000_000L, slotMillis);
  }

  /** The ring index of the {@code i}-th sample, oldest first. */
  private int index(int i) {
    return (head + i) % at.length;
  }

  private double rows(int i) {
    return values[index(i) * MEASURES];
  }

  /** Adds a heartbeat's metrics; true for the first one. */
  synchronized boolean add(ServiceInfo info, Instant when, Map<String, Double> metrics) {
    boolean first = this.info == null;
    this.info = info;
    this.latest = Map.copyOf(metrics);
    this.lastAt = when;
    long t = nanos(when);
    if (size > 0 && slot(at[index(size - 1)]) == slot(t)) {
      // Faster than the window's resolution: a service heartbeating in a loop keeps as many points
      // as one beating once a slot.
      rowSum -= rows(size - 1);
      size--;
    }
    if (size == at.length) {
      if (at.length < maxSamples) {
        grow();
      } else {
        rowSum -= rows(0);
        head = index(1);
        size--;
      }
    }
    int k = index(size);
    at[k] = t;
    int v = k * MEASURES;
    values[v] = value(metrics, "arrow_rows_per_second");
    values[v + 1] = value(metrics, "arrow_batch_size_avg");
    values[v + 2] = value(metrics, "arrow_compression_ratio");
    values[v + 3] =
        value(metrics, "arrow_serialization_time_ms")
            + value(metrics, "arrow_deserialization_time_ms");
    values[v + 4] = value(metrics, "arrow_memory_usage_bytes");
    size++;
    rowSum += values[v];
    long since = t - windowMillis * 1_000_000L;
    while (size > 0 && (size > maxSamples || at[head] < since)) {
      rowSum -= rows(0);
      head = index(1);
      size--;
    }
    return first;
  }

  private void grow() {
    int capacity = Math.min(maxSamples, at.length + (at.length >> 1)); // 1.5×: little slack
    long[] newAt = new long[capacity];
    double[] newValues = new double[capacity * MEASURES];
    for (int i = 0; i < size; i++) {
      int k = index(i);
      newAt[i] = at[k];
      System.arraycopy(values, k * MEASURES, newValues, i * MEASURES, MEASURES);
    }
    at = newAt;
    values = newValues;
    head = 0;
  }

  private Point point(int i) {
    int k = index(i);
    long t = at[k];
    int v = k * MEASURES;
    return new Point(
        Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L), Math.floorMod(t, 1_000_000_000L)),
        values[v],
        values[v + 1],
        values[v + 2],
        values[v + 3],
        values[v + 4]);
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
    long from = nanos(since);
    List<Point> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (at[index(i)] >= from) {
        out.add(point(i));
      }
    }
    return out;
  }

  /** Percentiles of one measure's positive values since {@code since}. */
  synchronized Percentiles percentiles(Instant since, ToDoubleFunction<Point> measure) {
    return Stats.percentiles(
        points(since).stream().mapToDouble(measure).filter(v -> v > 0).toArray());
  }

  /**
   * The mean rows/s of the window's samples before the last {@value #RECENT}, and of those last
   * ones; null with fewer than {@code minSamples}. Constant time.
   */
  synchronized double[] baselineAndRecent(int minSamples) {
    int n = size;
    if (n < Math.max(minSamples, RECENT + 1)) {
      return null;
    }
    double recent = 0;
    for (int i = 1; i <= RECENT; i++) {
      recent += rows(n - i);
    }
    return new double[] {(rowSum - recent) / (n - RECENT), recent / RECENT};
  }
}
