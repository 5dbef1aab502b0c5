package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.bytes;
import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.server.monitoring.view.Recommendation;
import io.flowctl.server.monitoring.view.ServiceView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Advice per service from its latest metrics: one rule per {@link Recommendation.Kind}. */
final class Recommender {
  private Recommender() {}

  static List<Recommendation> of(List<ServiceView> views, AlertThresholds thresholds) {
    List<Recommendation> out = new ArrayList<>();
    for (ServiceView v : views) {
      Map<String, Double> m = v.latest();
      if (!m.isEmpty()) {
        advise(v, m, thresholds, out);
      }
    }
    return out;
  }

  private static void advise(
      ServiceView v, Map<String, Double> m, AlertThresholds thresholds, List<Recommendation> out) {
    String codec = v.compression();
    // Batch size and compression are the producer's choice: sinks only read them.
    boolean compressed = (codec.equals("lz4") || codec.equals("zstd")) && !v.type().equals("sink");
    double size = value(m, "arrow_batch_size_avg");
    if (compressed && size > 0 && size < 1_000) {
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.SMALL_BATCHES,
              String.format(
                  Locale.ROOT,
                  "batches average %.0f rows: too few for %s to pay off; raise batch_size toward"
                      + " 10,000 or set compression none",
                  size,
                  codec)));
    }
    double ratio = value(m, "arrow_compression_ratio");
    if (compressed && ratio >= 0.9 && value(m, "arrow_bytes_per_second") > 0) {
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.POOR_COMPRESSION,
              String.format(
                  Locale.ROOT,
                  "%s leaves payloads at %.0f%% of their Arrow size: try %s",
                  codec,
                  ratio * 100,
                  codec.equals("zstd") ? "lz4 or none (cheaper for the same size)" : "none")));
    }
    double memory = value(m, "arrow_memory_usage_bytes");
    if (memory > 0.8 * thresholds.memoryBytes()) {
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.MEMORY_NEAR_LIMIT,
              String.format(
                  Locale.ROOT,
                  "Arrow memory at %.0f%% of the %s threshold: lower batch_size or max_inflight",
                  100 * memory / thresholds.memoryBytes(),
                  bytes(thresholds.memoryBytes()))));
    }
    if (v.latencyMs().p95() > thresholds.latencyMs()) {
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.SLOW_BATCHES,
              String.format(
                  Locale.ROOT,
                  "batches take %.0f ms to (de)serialize at p95: lower batch_size%s",
                  v.latencyMs().p95(),
                  codec.equals("zstd") ? " or use lz4" : "")));
    }
  }
}
