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
 */
public record StoredService(
    ServiceInfo info, Instant registeredAt, Instant lastHeartbeat, Map<String, Double> metrics) {
  public StoredService {
    metrics = Map.copyOf(metrics);
  }
}
