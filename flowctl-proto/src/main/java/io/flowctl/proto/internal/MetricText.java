package io.flowctl.proto.internal;

/**
 * A numeric metric as {@code flowctl.v1} heartbeats carry it (their metrics are strings): integral
 * values without a fraction, as a Go component sends them. The client writes it and the registry
 * shows legacy numeric metrics in it, so both sides print the same number the same way.
 */
public final class MetricText {
  private MetricText() {}

  /** {@code v} as text: {@code 42} for 42.0, Java's shortest form otherwise. */
  public static String of(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }
}
