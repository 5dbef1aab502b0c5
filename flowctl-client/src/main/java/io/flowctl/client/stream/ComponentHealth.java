package io.flowctl.client.stream;

import io.flowctl.proto.v1.HealthCheckResponse;
import io.flowctl.proto.v1.HealthStatus;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A component's own health, as its data-plane services answer {@code HealthCheck} and its
 * heartbeats report it: STARTING until it serves, HEALTHY while it does, DEGRADED or UNHEALTHY when
 * its owner says so, STOPPING while it drains. Metrics come from a supplier read at each check.
 * Thread-safe.
 */
public final class ComponentHealth {
  private volatile HealthStatus status = HealthStatus.HEALTH_STATUS_STARTING;
  private volatile String message = "starting";
  private volatile Supplier<Map<String, String>> metrics = Map::of;

  /** Sets the status and the message that goes with it. */
  public void set(HealthStatus status, String message) {
    if (status == HealthStatus.UNRECOGNIZED) {
      throw new IllegalArgumentException("not a health status: " + status);
    }
    this.status = Objects.requireNonNull(status, "status");
    this.message = Objects.requireNonNull(message, "message");
  }

  /** Where the metrics of a detailed health check come from. */
  public void metrics(Supplier<Map<String, String>> metrics) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  public HealthStatus status() {
    return status;
  }

  public String message() {
    return message;
  }

  /** The metrics now, sorted by name. */
  public Map<String, String> metricsNow() {
    return new TreeMap<>(metrics.get());
  }

  /** The answer to a health check; metrics and the message only when {@code details}. */
  public HealthCheckResponse answer(boolean details, String componentName) {
    HealthCheckResponse.Builder b = HealthCheckResponse.newBuilder().setStatus(status);
    if (details) {
      b.putAllMetrics(metricsNow())
          .setMessage(message)
          .addComponents(
              io.flowctl.proto.v1.ComponentHealth.newBuilder()
                  .setComponentName(componentName)
                  .setStatus(status)
                  .setMessage(message));
    }
    return b.build();
  }
}
