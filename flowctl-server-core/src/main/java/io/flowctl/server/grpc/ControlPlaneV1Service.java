package io.flowctl.server.grpc;

import com.google.protobuf.Empty;
import io.flowctl.FlowctlException;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentStatusRequest;
import io.flowctl.proto.v1.ComponentStatusResponse;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.DiscoveryRequest;
import io.flowctl.proto.v1.DiscoveryResponse;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.HeartbeatRequest;
import io.flowctl.proto.v1.ListComponentsRequest;
import io.flowctl.proto.v1.ListComponentsResponse;
import io.flowctl.proto.v1.RegisterRequest;
import io.flowctl.proto.v1.RegisterResponse;
import io.flowctl.proto.v1.UnregisterRequest;
import io.flowctl.server.internal.Principals;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.registry.ServiceState;
import io.grpc.stub.StreamObserver;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The current upstream API, {@code flowctl.v1.ControlPlaneService}, over the same {@link
 * ServiceRegistry} as the legacy API: a component registered through either is seen by both.
 * Component fields the legacy {@code ServiceInfo} lacks (name, description, version, endpoint) are
 * kept in its metadata under {@code flowctl.v1.*} keys. As upstream's control plane does, v1
 * heartbeats' string metrics are merged into the stored ones and kept verbatim, a heartbeat with
 * status UNKNOWN counts as HEALTHY, and each output event type gets the topic {@code <type>.v1}.
 */
public final class ControlPlaneV1Service
    implements ControlPlaneServiceGrpc.AsyncService, io.grpc.BindableService {
  static final String KEY = "flowctl.v1.";

  private final ServiceRegistry services;

  public ControlPlaneV1Service(ServiceRegistry services) {
    this.services = Objects.requireNonNull(services, "services");
  }

  /** The service's definition; requests that are not valid protobuf are INVALID_ARGUMENT. */
  @Override
  public io.grpc.ServerServiceDefinition bindService() {
    return MalformedRequests.refuse(ControlPlaneServiceGrpc.bindService(this));
  }

  @Override
  public void registerComponent(RegisterRequest request, StreamObserver<RegisterResponse> out) {
    Calls.answer(
        out,
        () -> {
          ComponentInfo c = request.getComponent();
          String id =
              !request.getComponentId().isEmpty()
                  ? request.getComponentId()
                  : !c.getId().isEmpty() ? c.getId() : "component-" + UUID.randomUUID();
          Principals.requireSelf(id, "register");
          services.register(toLegacy(c.toBuilder().setId(id).build()));
          RegisterResponse.Builder answer = RegisterResponse.newBuilder().setServiceId(id);
          for (String type : c.getOutputEventTypesList()) {
            answer.addAssignedTopics(type + ".v1"); // upstream's topic names
          }
          return answer.build();
        });
  }

  @Override
  public void unregisterComponent(UnregisterRequest request, StreamObserver<Empty> out) {
    Calls.answer(
        out,
        () -> {
          Principals.requireSelf(request.getServiceId(), "unregister");
          if (!services.unregister(request.getServiceId())) {
            throw new FlowctlException(
                FlowctlException.Code.NOT_FOUND,
                "unknown component '" + request.getServiceId() + "'");
          }
          return Empty.getDefaultInstance();
        });
  }

  @Override
  public void heartbeat(HeartbeatRequest request, StreamObserver<Empty> out) {
    Calls.answer(
        out,
        () -> {
          Principals.requireSelf(request.getServiceId(), "heartbeat");
          services.recordHeartbeat(
              request.getServiceId(), reported(request.getStatus()), request.getMetricsMap());
          return Empty.getDefaultInstance();
        });
  }

  /** What a v1 status says; UNKNOWN (all the Go SDK sends) and unknown numbers are HEALTHY. */
  private static ServiceState.Reported reported(HealthStatus status) {
    return switch (status) {
      case HEALTH_STATUS_STARTING -> ServiceState.Reported.STARTING;
      case HEALTH_STATUS_DEGRADED -> ServiceState.Reported.DEGRADED;
      case HEALTH_STATUS_UNHEALTHY -> ServiceState.Reported.UNHEALTHY;
      case HEALTH_STATUS_STOPPING -> ServiceState.Reported.STOPPING;
      default -> ServiceState.Reported.HEALTHY;
    };
  }

  private static HealthStatus status(ServiceState.Reported r) {
    return switch (r) {
      case STARTING -> HealthStatus.HEALTH_STATUS_STARTING;
      case HEALTHY -> HealthStatus.HEALTH_STATUS_HEALTHY;
      case DEGRADED -> HealthStatus.HEALTH_STATUS_DEGRADED;
      case UNHEALTHY -> HealthStatus.HEALTH_STATUS_UNHEALTHY;
      case STOPPING -> HealthStatus.HEALTH_STATUS_STOPPING;
    };
  }

  @Override
  public void getComponentStatus(
      ComponentStatusRequest request, StreamObserver<ComponentStatusResponse> out) {
    Calls.answer(out, () -> status(services.require(request.getServiceId())));
  }

  @Override
  public void listComponents(
      ListComponentsRequest request, StreamObserver<ListComponentsResponse> out) {
    Calls.answer(
        out,
        () -> {
          ListComponentsResponse.Builder b = ListComponentsResponse.newBuilder();
          Calls.ListBudget budget = new Calls.ListBudget("the list of components");
          for (ServiceState s : services.list()) {
            ComponentInfo c = toV1(s.info());
            boolean typeOk =
                request.getTypeFilter() == ComponentType.COMPONENT_TYPE_UNSPECIFIED
                    || c.getType() == request.getTypeFilter();
            if (typeOk && (s.healthy() || request.getIncludeUnhealthy())) {
              b.addComponents(budget.add(status(s)));
            }
          }
          return b.build();
        });
  }

  @Override
  public void discoverComponents(DiscoveryRequest request, StreamObserver<DiscoveryResponse> out) {
    Calls.answer(
        out,
        () -> {
          DiscoveryResponse.Builder b = DiscoveryResponse.newBuilder();
          Calls.ListBudget budget = new Calls.ListBudget("the components found");
          for (ServiceState s : services.list()) {
            ComponentInfo c = toV1(s.info());
            if (request.getType() != ComponentType.COMPONENT_TYPE_UNSPECIFIED
                && c.getType() != request.getType()) {
              continue;
            }
            if (!request.getEventTypesList().isEmpty()
                && request.getEventTypesList().stream()
                    .noneMatch(
                        t ->
                            c.getInputEventTypesList().contains(t)
                                || c.getOutputEventTypesList().contains(t))) {
              continue;
            }
            boolean metadataOk =
                request.getMetadataFiltersMap().entrySet().stream()
                    .allMatch(e -> e.getValue().equals(c.getMetadataMap().get(e.getKey())));
            if (metadataOk) {
              b.addComponents(budget.add(c));
            }
          }
          return b.build();
        });
  }

  static ServiceInfo toLegacy(ComponentInfo c) {
    ServiceInfo.Builder b =
        ServiceInfo.newBuilder()
            .setServiceId(c.getId())
            .setServiceType(
                switch (c.getType()) {
                  case COMPONENT_TYPE_SOURCE -> ServiceType.SERVICE_TYPE_SOURCE;
                  case COMPONENT_TYPE_PROCESSOR -> ServiceType.SERVICE_TYPE_PROCESSOR;
                  case COMPONENT_TYPE_CONSUMER -> ServiceType.SERVICE_TYPE_SINK;
                  default -> ServiceType.SERVICE_TYPE_UNSPECIFIED;
                })
            .addAllInputEventTypes(c.getInputEventTypesList())
            .addAllOutputEventTypes(c.getOutputEventTypesList())
            .setHealthEndpoint(c.getEndpoint())
            .putAllMetadata(c.getMetadataMap());
    putIfSet(b, "name", c.getName());
    putIfSet(b, "description", c.getDescription());
    putIfSet(b, "version", c.getVersion());
    putIfSet(b, "endpoint", c.getEndpoint());
    return b.build();
  }

  private static void putIfSet(ServiceInfo.Builder b, String key, String value) {
    if (!value.isEmpty()) {
      b.putMetadata(KEY + key, value);
    }
  }

  /**
   * The data-plane endpoint a service registered: {@code ComponentInfo.endpoint} for v1
   * registrations, else the legacy {@code health_endpoint}; empty when it gave none.
   */
  public static String endpointOf(ServiceInfo s) {
    String v1 = s.getMetadataMap().get(KEY + "endpoint");
    return v1 != null ? v1 : s.getHealthEndpoint();
  }

  static ComponentInfo toV1(ServiceInfo s) {
    Map<String, String> metadata = new HashMap<>(s.getMetadataMap());
    String name = metadata.remove(KEY + "name");
    String description = metadata.remove(KEY + "description");
    String version = metadata.remove(KEY + "version");
    String endpoint = metadata.remove(KEY + "endpoint");
    return ComponentInfo.newBuilder()
        .setId(s.getServiceId())
        .setName(name == null ? s.getServiceId() : name)
        .setDescription(description == null ? "" : description)
        .setVersion(version == null ? "" : version)
        .setType(
            switch (s.getServiceType()) {
              case SERVICE_TYPE_SOURCE -> ComponentType.COMPONENT_TYPE_SOURCE;
              case SERVICE_TYPE_PROCESSOR -> ComponentType.COMPONENT_TYPE_PROCESSOR;
              case SERVICE_TYPE_SINK -> ComponentType.COMPONENT_TYPE_CONSUMER;
              default -> ComponentType.COMPONENT_TYPE_UNSPECIFIED;
            })
        .addAllInputEventTypes(s.getInputEventTypesList())
        .addAllOutputEventTypes(s.getOutputEventTypesList())
        .setEndpoint(endpoint == null ? s.getHealthEndpoint() : endpoint)
        .putAllMetadata(metadata)
        .build();
  }

  private static ComponentStatusResponse status(ServiceState s) {
    ComponentStatusResponse.Builder b =
        ComponentStatusResponse.newBuilder()
            .setComponent(toV1(s.info()))
            .setStatus(s.beating() ? status(s.reported()) : HealthStatus.HEALTH_STATUS_UNHEALTHY)
            .setLastHeartbeat(Calls.timestamp(s.lastHeartbeat()))
            .setRegisteredAt(Calls.timestamp(s.registeredAt()))
            .putAllMetrics(s.reportedMetrics());
    return b.build();
  }
}
