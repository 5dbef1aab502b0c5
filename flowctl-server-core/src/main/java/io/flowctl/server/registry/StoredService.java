package io.flowctl.server.registry;

import io.flowctl.proto.ServiceInfo;
import java.time.Instant;
import java.util.Map;

/**
 * A service as a {@link ServiceStore} keeps it.
 *
 * @param info what it registered
 * @param registeredAt when it first registered
 * @param lastHeartbeat its latest heartbeat (its registration until the first)
 * @param metrics the metrics of that heartbeat
 * @param version how often the registration was written, counted by a shared store (which tells
 *     replicas this way that a registration changed); 0 where nothing counts
 */
public record StoredService(
    ServiceInfo info,
    Instant registeredAt,
    Instant lastHeartbeat,
    Map<String, Double> metrics,
    long version) {
  public StoredService {
    metrics = Map.copyOf(metrics);
  }

  /** A service whose store does not count versions. */
  public StoredService(
      ServiceInfo info, Instant registeredAt, Instant lastHeartbeat, Map<String, Double> metrics) {
    this(info, registeredAt, lastHeartbeat, metrics, 0);
  }
}
