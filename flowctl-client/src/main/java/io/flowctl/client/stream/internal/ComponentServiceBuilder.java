package io.flowctl.client.stream.internal;

import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.v1.ComponentInfo;
import java.util.Objects;

/**
 * What the builders of the three data-plane services share: the component's id, what {@code
 * GetInfo} answers and what {@code HealthCheck} reports.
 */
public abstract class ComponentServiceBuilder<B extends ComponentServiceBuilder<B>> {
  protected final String componentId;
  protected ComponentInfo info;
  protected ComponentHealth health;

  protected ComponentServiceBuilder(String componentId) {
    this.componentId = Objects.requireNonNull(componentId, "componentId");
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** What {@code GetInfo} answers; default: the id, its type and the event types it serves. */
  public B info(ComponentInfo info) {
    this.info = Objects.requireNonNull(info, "info");
    return self();
  }

  /** The health {@code HealthCheck} reports; default: HEALTHY from the start. */
  public B health(ComponentHealth health) {
    this.health = Objects.requireNonNull(health, "health");
    return self();
  }

  /**
   * What the service built from these settings answers about itself (for a service of type {@code
   * type}).
   */
  public Identity identity(io.flowctl.proto.v1.ComponentType type) {
    return new Identity(componentId, type, info, health);
  }
}
