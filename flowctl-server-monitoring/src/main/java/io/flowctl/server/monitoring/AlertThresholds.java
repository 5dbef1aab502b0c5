package io.flowctl.server.monitoring;

import java.time.Duration;
import java.util.Objects;

/**
 * When the monitor raises an alert. Every threshold compares with what services report in their
 * heartbeats (the Arrow heartbeat metrics), over the monitor's sliding window.
 *
 * @param compatibilityFailures alert when a service reports at least this many compatibility check
 *     failures, or the schema registry refuses this many registrations within the window
 * @param processingErrors alert when a service reports at least this many processing errors
 * @param memoryBytes alert when a service's Arrow memory exceeds this; recommendations start at 80%
 *     of it
 * @param throughputDrop alert when a service's recent rows/s fall below {@code 1 - throughputDrop}
 *     of its baseline (the mean of its earlier samples in the window)
 * @param minBaselineSamples samples a service needs before its throughput is judged
 * @param latencyMs recommendations start when a batch's serialization plus deserialization time
 *     exceeds this
 */
public record AlertThresholds(
    long compatibilityFailures,
    long processingErrors,
    long memoryBytes,
    double throughputDrop,
    int minBaselineSamples,
    double latencyMs) {
  public AlertThresholds {
    if (compatibilityFailures < 1 || processingErrors < 1 || memoryBytes < 1) {
      throw new IllegalArgumentException("alert counts and sizes are at least 1");
    }
    if (!(throughputDrop > 0 && throughputDrop < 1)) {
      throw new IllegalArgumentException("the throughput drop is a fraction in (0, 1)");
    }
    if (minBaselineSamples < 2 || !(latencyMs > 0)) {
      throw new IllegalArgumentException("at least 2 baseline samples and a positive latency");
    }
  }

  /** One failure or error alerts; 512 MiB of Arrow memory; a 50% throughput drop. */
  public static AlertThresholds defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.compatibilityFailures = compatibilityFailures;
    b.processingErrors = processingErrors;
    b.memoryBytes = memoryBytes;
    b.throughputDrop = throughputDrop;
    b.minBaselineSamples = minBaselineSamples;
    b.latencyMs = latencyMs;
    return b;
  }

  /** Settings of {@link AlertThresholds}. */
  public static final class Builder {
    private long compatibilityFailures = 1;
    private long processingErrors = 1;
    private long memoryBytes = 512L << 20;
    private double throughputDrop = 0.5;
    private int minBaselineSamples = 6;
    private double latencyMs = 250;

    private Builder() {}

    public Builder compatibilityFailures(long n) {
      this.compatibilityFailures = n;
      return this;
    }

    public Builder processingErrors(long n) {
      this.processingErrors = n;
      return this;
    }

    public Builder memoryBytes(long bytes) {
      this.memoryBytes = bytes;
      return this;
    }

    public Builder throughputDrop(double fraction) {
      this.throughputDrop = fraction;
      return this;
    }

    public Builder minBaselineSamples(int n) {
      this.minBaselineSamples = n;
      return this;
    }

    public Builder latency(Duration perBatch) {
      this.latencyMs = Objects.requireNonNull(perBatch, "perBatch").toNanos() / 1e6;
      return this;
    }

    public AlertThresholds build() {
      return new AlertThresholds(
          compatibilityFailures,
          processingErrors,
          memoryBytes,
          throughputDrop,
          minBaselineSamples,
          latencyMs);
    }
  }
}
