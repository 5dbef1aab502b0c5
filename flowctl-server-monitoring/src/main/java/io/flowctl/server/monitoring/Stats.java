package io.flowctl.server.monitoring;

import io.flowctl.server.monitoring.view.Percentiles;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/** Arithmetic the monitor's parts share: metric lookups, means, nearest-rank percentiles. */
final class Stats {
  private Stats() {}

  /** A metric's value, 0 when absent or NaN. */
  static double value(Map<String, Double> m, String key) {
    Double v = m.get(key);
    return v == null || v.isNaN() ? 0 : v;
  }

  static double mean(double[] xs) {
    if (xs.length == 0) {
      return 0;
    }
    double sum = 0;
    for (double x : xs) {
      sum += x;
    }
    return sum / xs.length;
  }

  static Percentiles percentiles(double[] xs) {
    if (xs.length == 0) {
      return new Percentiles(0, 0, 0);
    }
    double[] sorted = xs.clone();
    Arrays.sort(sorted);
    return new Percentiles(rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99));
  }

  private static double rank(double[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static String bytes(double b) {
    if (b >= 1 << 30) {
      return String.format(Locale.ROOT, "%.1f GiB", b / (1 << 30));
    }
    if (b >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
    }
    return String.format(Locale.ROOT, "%.0f KiB", b / 1024);
  }
}
