package io.flowctl.client.stream.internal;

import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.HealthCheckRequest;
import io.flowctl.proto.v1.HealthCheckResponse;
import io.flowctl.proto.v1.HealthStatus;
import io.grpc.stub.StreamObserver;

/**
 * What each v1 data-plane service answers about itself: {@code GetInfo} and {@code HealthCheck}.
 */
public final class Identity {
  final String componentId;
  final ComponentInfo info;
  final ComponentHealth health;

  /** Defaults: the id as name with {@code type}; HEALTHY from the start. */
  public Identity(
      String componentId, ComponentType type, ComponentInfo info, ComponentHealth health) {
    this.componentId = componentId;
    this.info =
        info != null
            ? info
            : ComponentInfo.newBuilder()
                .setId(componentId)
                .setName(componentId)
                .setType(type)
                .build();
    if (health != null) {
      this.health = health;
    } else {
      this.health = new ComponentHealth();
      this.health.set(HealthStatus.HEALTH_STATUS_HEALTHY, "serving");
    }
  }

  public String componentId() {
    return componentId;
  }

  /** The health {@code HealthCheck} answers with. */
  public ComponentHealth health() {
    return health;
  }

  public void getInfo(StreamObserver<ComponentInfo> out) {
    out.onNext(info);
    out.onCompleted();
  }

  public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
    out.onNext(health.answer(request.getIncludeDetails(), componentId));
    out.onCompleted();
  }
}
