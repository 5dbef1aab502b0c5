package io.flowctl.server.monitoring.view;

/**
 * Advice derived from a service's metrics.
 *
 * @param serviceId the service it concerns
 * @param kind a stable name for the rule
 * @param message what was seen and what to change
 */
public record Recommendation(String serviceId, Kind kind, String message) {
  /** The rules. */
  public enum Kind {
    /** Batches too small for the configured compression. */
    SMALL_BATCHES,
    /** Compression that barely shrinks the payload. */
    POOR_COMPRESSION,
    /** Arrow memory near the alert threshold. */
    MEMORY_NEAR_LIMIT,
    /** Serialization and deserialization slow per batch. */
    SLOW_BATCHES
  }
}
