package io.flowctl.server.registry;

import io.flowctl.proto.ServiceInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the registry knows of one service now.
 *
 * @param info what the service registered
 * @param healthy whether its heartbeats are within the TTL and it reports itself healthy (or
 *     degraded)
 * @param registeredAt when it registered
 * @param lastHeartbeat its latest heartbeat (its registration until the first)
 * @param metrics the numeric metrics it reported
 * @param history the latest heartbeats, oldest first, for rates
 * @param reported the status its latest heartbeat reported (HEALTHY for legacy heartbeats, which
 *     carry none)
 * @param reportedMetrics every metric as reported: v1 heartbeats' strings verbatim, merged over
 *     earlier ones as upstream does; legacy heartbeats' numbers as text
 * @param beating whether its heartbeats are within the TTL, whatever it reports
 */
public record ServiceState(
    ServiceInfo info,
    boolean healthy,
    Instant registeredAt,
    Instant lastHeartbeat,
    Map<String, Double> metrics,
    List<Heartbeat> history,
    Reported reported,
    Map<String, String> reportedMetrics,
    boolean beating) {

  /**
   * What a service says of itself (flowctl.v1's HealthStatus without UNKNOWN, which upstream reads
   * as HEALTHY: the Go SDK sends nothing else).
   */
  public enum Reported {
    STARTING,
    HEALTHY,
    DEGRADED,
    UNHEALTHY,
    STOPPING;

    /** Whether a service that says this, and heartbeats in time, counts as healthy. */
    public boolean serving() {
      return this == HEALTHY || this == DEGRADED;
    }
  }

  /** One heartbeat as kept in the history. */
  public record Heartbeat(Instant at, Map<String, Double> metrics) {}

  public String serviceId() {
    return info.getServiceId();
  }
}
