package io.flowctl.server.grpc;

import com.google.protobuf.Empty;
import io.flowctl.proto.HeartbeatAck;
import io.flowctl.proto.RegistrationAck;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceList;
import io.flowctl.proto.ServiceStatus;
import io.flowctl.server.internal.Principals;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.registry.ServiceState;
import io.flowctl.server.schema.SchemaRegistry;
import io.grpc.stub.StreamObserver;
import java.time.Instant;

/**
 * The legacy API's service RPCs behind {@link ControlPlaneService}: registration (with the schemas
 * a service produces), heartbeats, status and the list, and their proto mapping.
 */
final class ServiceRpcs {
  private final ServiceRegistry services;
  private final SchemaRegistry schemas;

  ServiceRpcs(ServiceRegistry services, SchemaRegistry schemas) {
    this.services = services;
    this.schemas = schemas;
  }

  void register(ServiceInfo given, StreamObserver<RegistrationAck> out) {
    Calls.answer(
        out,
        () -> {
          // Upstream names a service that comes without an id (the plan's stellar-arrow-source
          // sends none) "<v1 component type>-<unix nanos>" and answers that id.
          ServiceInfo request =
              given.getServiceId().isEmpty()
                  ? given.toBuilder().setServiceId(generatedId(given)).build()
                  : given;
          Principals.requireSelf(request.getServiceId(), "register");
          // Schemas of event types the service produces become versions of those subjects; the
          // ones of its inputs say what it reads (ListCompatibleServices) and are only parsed.
          for (SchemaInfo s : request.getSupportedSchemasList()) {
            if (s.getSchemaDefinition().isEmpty()) {
              continue;
            }
            if (!request.getOutputEventTypesList().contains(s.getEventType())) {
              SchemaRpcs.schemaOf(s);
            } else {
              schemas.register(s.getEventType(), SchemaRpcs.schemaOf(s), request.getServiceId());
            }
          }
          services.register(request);
          return RegistrationAck.newBuilder().setServiceId(request.getServiceId()).build();
        });
  }

  private static String generatedId(ServiceInfo info) {
    String type =
        switch (info.getServiceType()) {
          case SERVICE_TYPE_SOURCE -> "COMPONENT_TYPE_SOURCE";
          case SERVICE_TYPE_PROCESSOR -> "COMPONENT_TYPE_PROCESSOR";
          case SERVICE_TYPE_SINK -> "COMPONENT_TYPE_CONSUMER";
          default -> "COMPONENT_TYPE_UNSPECIFIED";
        };
    Instant now = Instant.now();
    return type + "-" + (now.getEpochSecond() * 1_000_000_000L + now.getNano());
  }

  void heartbeat(ServiceHeartbeat request, StreamObserver<HeartbeatAck> out) {
    Calls.answer(
        out,
        () -> {
          Principals.requireSelf(request.getServiceId(), "heartbeat");
          Instant at = services.recordHeartbeat(request.getServiceId(), request.getMetricsMap());
          return HeartbeatAck.newBuilder()
              .setReceivedAt(Calls.timestamp(at))
              .setIsHealthy(true)
              .build();
        });
  }

  void getServiceStatus(ServiceInfo request, StreamObserver<ServiceStatus> out) {
    Calls.answer(out, () -> status(services.require(request.getServiceId())));
  }

  void listServices(Empty request, StreamObserver<ServiceList> out) {
    Calls.answer(
        out,
        () -> {
          ServiceList.Builder b = ServiceList.newBuilder();
          Calls.ListBudget budget = new Calls.ListBudget("the list of services");
          services.list().forEach(s -> b.addServices(budget.add(status(s))));
          return b.build();
        });
  }

  /** A service's state as the legacy API reports it. */
  static ServiceStatus status(ServiceState s) {
    return ServiceStatus.newBuilder()
        .setServiceId(s.serviceId())
        .setServiceType(s.info().getServiceType())
        .setIsHealthy(s.healthy())
        .setLastHeartbeat(Calls.timestamp(s.lastHeartbeat()))
        .putAllMetrics(s.metrics())
        .setComponentId(s.info().getComponentId())
        .build();
  }
}
