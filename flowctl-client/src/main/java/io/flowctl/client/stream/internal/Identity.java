package io.flowctl.client.stream.internal;

import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.HealthCheckRequest;
import io.flowctl.proto.v1.HealthCheckResponse;
import io.flowctl.proto.v1.HealthStatus;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

/**
 * What each v1 data-plane service answers about itself: {@code GetInfo} and {@code HealthCheck}.
 * The source, processor and consumer services share them through {@link #serve}, not through a copy
 * of the two methods in each.
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

  /**
   * {@code generated} (a service's generated binding) with its {@code GetInfo} and {@code
   * HealthCheck} answered here; every other method as bound.
   */
  public ServerServiceDefinition serve(ServerServiceDefinition generated) {
    ServerServiceDefinition.Builder b =
        ServerServiceDefinition.builder(generated.getServiceDescriptor());
    for (ServerMethodDefinition<?, ?> m : generated.getMethods()) {
      switch (m.getMethodDescriptor().getBareMethodName()) {
        case "GetInfo" -> b.addMethod(answered(m, (request, out) -> getInfo(cast(out))));
        case "HealthCheck" ->
            b.addMethod(
                answered(
                    m, (request, out) -> healthCheck((HealthCheckRequest) request, cast(out))));
        default -> b.addMethod(m);
      }
    }
    return b.build();
  }

  /** {@code m}'s descriptor served by {@code body} (the generated types are the ones above). */
  @SuppressWarnings("unchecked")
  private static <Q, R> ServerMethodDefinition<Q, R> answered(
      ServerMethodDefinition<Q, R> m, ServerCalls.UnaryMethod<Object, Object> body) {
    ServerCalls.UnaryMethod<Q, R> typed = (ServerCalls.UnaryMethod<Q, R>) (Object) body;
    return ServerMethodDefinition.create(
        m.getMethodDescriptor(), ServerCalls.asyncUnaryCall(typed));
  }

  @SuppressWarnings("unchecked")
  private static <T> StreamObserver<T> cast(StreamObserver<Object> out) {
    return (StreamObserver<T>) (Object) out;
  }
}
