package io.flowctl.client.stream.internal;

import io.flowctl.FlowctlException;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.DiscoveryRequest;
import io.grpc.Channel;
import java.util.concurrent.TimeUnit;

/** Finds an upstream's data-plane endpoint through the control plane. */
public final class Discovery {
  private Discovery() {}

  /**
   * The endpoint ({@code host:port}) of the component with this id.
   *
   * @throws FlowctlException NOT_FOUND when it is not registered; UNAVAILABLE when the control
   *     plane cannot be reached
   */
  public static String endpointOf(Channel controlPlane, String componentId) {
    try {
      return ControlPlaneServiceGrpc.newBlockingStub(controlPlane)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .getComponentStatus(
              io.flowctl.proto.v1.ComponentStatusRequest.newBuilder()
                  .setServiceId(componentId)
                  .build())
          .getComponent()
          .getEndpoint();
    } catch (io.grpc.StatusRuntimeException e) {
      throw io.flowctl.client.control.internal.GrpcErrors.toException(
          e, "looking up component '" + componentId + "'");
    }
  }

  /**
   * The endpoint ({@code host:port}) of a component producing {@code eventType}.
   *
   * @throws FlowctlException NOT_FOUND when none is registered (yet)
   */
  public static String producerOf(Channel controlPlane, String eventType) {
    java.util.List<ComponentInfo> found;
    try {
      found =
          ControlPlaneServiceGrpc.newBlockingStub(controlPlane)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .discoverComponents(DiscoveryRequest.newBuilder().addEventTypes(eventType).build())
              .getComponentsList();
    } catch (io.grpc.StatusRuntimeException e) {
      throw io.flowctl.client.control.internal.GrpcErrors.toException(
          e, "discovering producers of '" + eventType + "'");
    }
    for (ComponentInfo c : found) {
      if (c.getOutputEventTypesList().contains(eventType) && !c.getEndpoint().isEmpty()) {
        return c.getEndpoint();
      }
    }
    throw new FlowctlException(
        FlowctlException.Code.NOT_FOUND, "no registered component produces '" + eventType + "'");
  }
}
