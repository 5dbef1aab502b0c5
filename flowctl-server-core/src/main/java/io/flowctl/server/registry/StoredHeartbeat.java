package io.flowctl.server.registry;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A service's latest heartbeat as a {@link ServiceStore} writes it in a batch.
 *
 * @param serviceId the service
 * @param at when it arrived
 * @param metrics its metrics
 */
public record StoredHeartbeat(String serviceId, Instant at, Map<String, Double> metrics) {
  public StoredHeartbeat {
    Objects.requireNonNull(serviceId, "serviceId");
    Objects.requireNonNull(at, "at");
    metrics = Map.copyOf(metrics);
  }
}
