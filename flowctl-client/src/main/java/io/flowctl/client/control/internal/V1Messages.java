package io.flowctl.client.control.internal;

import io.flowctl.proto.ServiceInfo;

/**
 * What a service's registration and heartbeat become on the {@code flowctl.v1} wire: the component
 * its legacy-shaped {@link ServiceInfo} describes, and text metrics as upstream's Go control plane
 * stores them (numeric ones: {@link io.flowctl.proto.internal.MetricText}).
 */
public final class V1Messages {
  private V1Messages() {}

  /** The v1 form of the service's registration, with its data endpoint. */
  public static io.flowctl.proto.v1.ComponentInfo component(ServiceInfo s, String dataEndpoint) {
    return io.flowctl.proto.v1.ComponentInfo.newBuilder()
        .setId(s.getServiceId())
        .setName(s.getComponentId().isEmpty() ? s.getServiceId() : s.getComponentId())
        .setType(
            switch (s.getServiceType()) {
              case SERVICE_TYPE_SOURCE -> io.flowctl.proto.v1.ComponentType.COMPONENT_TYPE_SOURCE;
              case SERVICE_TYPE_PROCESSOR ->
                  io.flowctl.proto.v1.ComponentType.COMPONENT_TYPE_PROCESSOR;
              case SERVICE_TYPE_SINK -> io.flowctl.proto.v1.ComponentType.COMPONENT_TYPE_CONSUMER;
              default -> io.flowctl.proto.v1.ComponentType.COMPONENT_TYPE_UNSPECIFIED;
            })
        .addAllInputEventTypes(s.getInputEventTypesList())
        .addAllOutputEventTypes(s.getOutputEventTypesList())
        .setEndpoint(dataEndpoint != null ? dataEndpoint : s.getHealthEndpoint())
        .putAllMetadata(s.getMetadataMap())
        .build();
  }

  /**
   * Text the control plane accepts as a metric: no control or format characters (an error message
   * may hold newlines), at most 1,024 characters.
   */
  public static String printable(String v) {
    String flat = v.replaceAll("[\\p{Cntrl}\\p{Cf}\\p{Zl}\\p{Zp}]", " ");
    return flat.length() > 1_024 ? flat.substring(0, 1_021) + "..." : flat;
  }
}
