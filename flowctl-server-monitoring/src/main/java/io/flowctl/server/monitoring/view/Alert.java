package io.flowctl.server.monitoring.view;

import java.time.Instant;

/**
 * An alert the monitor raised, active until its condition clears.
 *
 * @param kind what crossed its threshold
 * @param source the service id, or {@code schema:SUBJECT} for registry refusals
 * @param message one line saying what and how much
 * @param value the value that crossed the threshold
 * @param threshold the threshold
 * @param since when it was raised
 */
public record Alert(
    Kind kind, String source, String message, double value, double threshold, Instant since) {
  /** The conditions the monitor watches. */
  public enum Kind {
    COMPATIBILITY_FAILURES,
    PROCESSING_ERRORS,
    MEMORY,
    THROUGHPUT_DEGRADATION
  }
}
