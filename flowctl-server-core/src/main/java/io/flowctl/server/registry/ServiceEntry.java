package io.flowctl.server.registry;

import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.internal.MetricText;
import io.flowctl.server.internal.Names;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One service as the registry holds it, with an estimate of the heap it takes (the registry's byte
 * budget is the sum of these). Every field is guarded by the entry itself.
 */
final class ServiceEntry {
  ServiceInfo info;
  Instant registeredAt;
  Instant lastHeartbeat;
  Instant silentSince; // lastHeartbeat, or later when the registry started after it
  long changedAt; // the registry's change count when this registration last changed here
  long storedVersion = -1; // the store's version of the registration this entry holds
  boolean healthy = true; // heartbeats within the TTL
  ServiceState.Reported reported = ServiceState.Reported.HEALTHY;
  Map<String, Double> metrics = Map.of();
  Map<String, String> reportedMetrics = Map.of(); // null: the metrics, as text
  final Deque<ServiceState.Heartbeat> history = new ArrayDeque<>();
  long infoBytes; // estimated heap of info
  long latestBytes; // of metrics and reportedMetrics
  long historyBytes; // of history

  /**
   * A new service's entry: registered at {@code registeredAt}, silent since {@code lastHeartbeat}.
   */
  static ServiceEntry at(Instant registeredAt, Instant lastHeartbeat) {
    ServiceEntry e = new ServiceEntry();
    e.registeredAt = registeredAt;
    e.lastHeartbeat = lastHeartbeat;
    e.silentSince = lastHeartbeat;
    return e;
  }

  long bytes() {
    return infoBytes + latestBytes + historyBytes;
  }

  /** Estimated heap bytes of a metrics map (keys are UTF-16 strings, values boxed). */
  static long metricBytes(Map<String, ?> metrics) {
    long n = 64;
    for (Map.Entry<String, ?> m : metrics.entrySet()) {
      n += 80 + 2L * m.getKey().length();
      if (m.getValue() instanceof String v) {
        n += 2L * v.length();
      }
    }
    return n;
  }

  /** The metrics as reported; under the entry's lock. */
  Map<String, String> reportedMetrics() {
    if (reportedMetrics != null) {
      return reportedMetrics;
    }
    Map<String, String> text = new HashMap<>();
    metrics.forEach((k, v) -> text.put(k, MetricText.of(v)));
    return Map.copyOf(text);
  }

  /** A copy of the entry's state; takes the entry's lock. */
  ServiceState state() {
    synchronized (this) {
      return new ServiceState(
          info,
          healthy && reported.serving(),
          registeredAt,
          lastHeartbeat,
          metrics,
          List.copyOf(history),
          reported,
          reportedMetrics(),
          healthy);
    }
  }

  /** An immutable copy whose metric names are the shared instances. */
  static Map<String, Double> sharedNames(Map<String, Double> metrics) {
    Map<String, Double> out = new HashMap<>(metrics.size() * 2);
    metrics.forEach((k, v) -> out.put(Names.shared(k), v));
    return Map.copyOf(out);
  }

  /** The numeric ones among metrics reported as text. */
  static Map<String, Double> numbers(Map<String, String> text) {
    Map<String, Double> numbers = new HashMap<>();
    text.forEach(
        (k, v) -> {
          try {
            numbers.put(k, Double.parseDouble(v));
          } catch (NumberFormatException notANumber) {
            // kept as text only
          }
        });
    return numbers;
  }
}
