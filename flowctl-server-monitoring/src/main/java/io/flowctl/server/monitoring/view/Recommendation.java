package io.flowctl.server.monitoring.view;

/**
 * Advice derived from a service's metrics, given only when a measured figure is past the rule's
 * documented threshold.
 *
 * @param serviceId the service it concerns
 * @param kind a stable name for the rule
 * @param message what was seen, against which threshold, and what to change
 * @param measured the figure the rule judged (rows, a ratio, bytes or milliseconds)
 * @param threshold the rule's threshold for it
 * @param expectedGain what the change is expected to bring, in a sentence
 */
public record Recommendation(
    String serviceId,
    Kind kind,
    String message,
    double measured,
    double threshold,
    String expectedGain) {
  /** The rules; their thresholds are in {@code docs/monitoring.md}. */
  public enum Kind {
    /** Compressed batches of fewer than 1,000 rows on average (producers only). */
    SMALL_BATCHES,
    /** Compression leaving payloads at 90% or more of their Arrow size (producers only). */
    POOR_COMPRESSION,
    /** Arrow memory above 80% of the memory alert's threshold. */
    MEMORY_NEAR_LIMIT,
    /** Batches whose (de)serialization takes longer than the latency threshold at p95. */
    SLOW_BATCHES
  }
}
