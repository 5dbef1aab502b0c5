package io.flowctl.client.stream.internal;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mean time a handler took per event, sent as the Go SDK's {@code processing_latency} metric:
 * Go duration text such as {@code 1.250ms}.
 */
final class Latency {
  private final AtomicLong nanos = new AtomicLong();
  private final AtomicLong events = new AtomicLong();

  void add(long elapsedNanos) {
    nanos.addAndGet(elapsedNanos);
    events.incrementAndGet();
  }

  String text() {
    long n = events.get();
    return String.format(Locale.ROOT, "%.3fms", n == 0 ? 0.0 : nanos.get() / 1e6 / n);
  }
}
