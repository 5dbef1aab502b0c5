package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.bytes;
import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.server.monitoring.view.Recommendation;
import io.flowctl.server.monitoring.view.ServiceView;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Advice per service from its latest metrics: one rule per {@link Recommendation.Kind}, each with a
 * threshold documented in {@code docs/monitoring.md} that the measured figure must pass, and each
 * saying what the change is expected to gain. Batch size and compression are the producer's choice:
 * a sink only reads them and is not told to change them.
 */
final class Recommender {
  /** Compressed batches below this many rows on average are too small for the codec. */
  static final double SMALL_BATCH_ROWS = 1_000;

  /** The batch size the small-batch advice aims at. */
  static final double TARGET_BATCH_ROWS = 10_000;

  /** A payload at this fraction of its Arrow size or more is barely compressed. */
  static final double POOR_RATIO = 0.9;

  /** Memory advice starts at this fraction of the memory alert's threshold. */
  static final double MEMORY_FRACTION = 0.8;

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
    boolean producer = !v.type().equals("sink");
    boolean compressed = (codec.equals("lz4") || codec.equals("zstd")) && producer;
    double size = value(m, "arrow_batch_size_avg");
    if (compressed && size > 0 && size < SMALL_BATCH_ROWS) {
      double factor = TARGET_BATCH_ROWS / size;
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.SMALL_BATCHES,
              String.format(
                  Locale.ROOT,
                  "batches average %.0f rows, under the %,.0f-row threshold for %s: raise"
                      + " batch_size toward %,.0f or set compression none",
                  size,
                  SMALL_BATCH_ROWS,
                  codec,
                  TARGET_BATCH_ROWS),
              size,
              SMALL_BATCH_ROWS,
              String.format(
                  Locale.ROOT,
                  "%.0f× fewer batches for the same rows: the per-batch framing, codec frame and"
                      + " call are paid %.0f× less often, and %s sees longer runs to compress",
                  factor,
                  factor,
                  codec)));
    }
    double ratio = value(m, "arrow_compression_ratio");
    double perBatchMs =
        value(m, "arrow_serialization_time_ms") + value(m, "arrow_deserialization_time_ms");
    if (compressed && ratio >= POOR_RATIO && value(m, "arrow_bytes_per_second") > 0) {
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.POOR_COMPRESSION,
              String.format(
                  Locale.ROOT,
                  "%s leaves payloads at %.0f%% of their Arrow size (threshold %.0f%%): try %s",
                  codec,
                  ratio * 100,
                  POOR_RATIO * 100,
                  codec.equals("zstd") ? "lz4 or none" : "none"),
              ratio,
              POOR_RATIO,
              String.format(
                  Locale.ROOT,
                  "%s, for the compression share of the %.1f ms each batch spends"
                      + " (de)serializing now",
                  ratio >= 1
                      ? "payloads no larger (compression grows them now)"
                      : String.format(
                          Locale.ROOT, "payloads at most %.1f%% larger", (1 / ratio - 1) * 100),
                  perBatchMs)));
    }
    double memory = value(m, "arrow_memory_usage_bytes");
    double memoryLimit = MEMORY_FRACTION * thresholds.memoryBytes();
    if (memory > memoryLimit) {
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.MEMORY_NEAR_LIMIT,
              String.format(
                  Locale.ROOT,
                  "Arrow memory at %.0f%% of the %s alert threshold (advice from %.0f%%): lower"
                      + " %s",
                  100 * memory / thresholds.memoryBytes(),
                  bytes(thresholds.memoryBytes()),
                  MEMORY_FRACTION * 100,
                  producer ? "batch_size or max_inflight" : "max_inflight"),
              memory,
              memoryLimit,
              String.format(
                  Locale.ROOT,
                  "memory in flight grows with both: halving one brings the %s held to about %s",
                  bytes(memory),
                  bytes(memory / 2))));
    }
    double p95 = v.latencyMs().p95();
    if (producer && p95 > thresholds.latencyMs()) {
      out.add(
          new Recommendation(
              v.id(),
              Recommendation.Kind.SLOW_BATCHES,
              String.format(
                  Locale.ROOT,
                  "batches take %.0f ms to (de)serialize at p95, over the %.0f ms threshold: lower"
                      + " batch_size%s",
                  p95,
                  thresholds.latencyMs(),
                  codec.equals("zstd") ? " or use lz4" : ""),
              p95,
              thresholds.latencyMs(),
              String.format(
                  Locale.ROOT,
                  "the time per batch grows with its rows: half the batch size, about %.0f ms at"
                      + " p95%s",
                  p95 / 2,
                  codec.equals("zstd")
                      ? "; lz4 trades some of zstd's size for faster codecs"
                      : "")));
    }
  }
}
