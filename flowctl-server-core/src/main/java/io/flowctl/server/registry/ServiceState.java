package io.flowctl.server.registry;

import io.flowctl.proto.ServiceInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the registry knows of one service now.
 *
 * @param info what the service registered
 * @param healthy whether its heartbeats are within the TTL
 * @param registeredAt when it registered
 * @param lastHeartbeat its latest heartbeat (its registration until the first)
 * @param metrics the metrics of its latest heartbeat
 * @param history the latest heartbeats, oldest first, for rates
 */
public record ServiceState(
    ServiceInfo info,
    boolean healthy,
    Instant registeredAt,
    Instant lastHeartbeat,
    Map<String, Double> metrics,
    List<Heartbeat> history) {

  /** One heartbeat as kept in the history. */
  public record Heartbeat(Instant at, Map<String, Double> metrics) {}

  public String serviceId() {
    return info.getServiceId();
  }
}
