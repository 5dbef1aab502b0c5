package io.flowctl.server.pipeline;

import io.flowctl.FlowctlException;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.RegistrationVerdict;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.v1.ComponentStatusRequest;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.server.grpc.ControlPlaneV1Service;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.schema.RegisteredSchema;
import io.flowctl.server.schema.SchemaRegistry;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What a {@link PipelineRunner} asks of the control plane its components register with: whether a
 * component is registered and healthy and where it serves, and what the schema registry says of a
 * link. Embedded, the registries answer directly ({@link #local}); with a control plane that is
 * already serving elsewhere, its RPCs do ({@link #remote}), so a run can span machines.
 */
public interface ControlPlaneView {
  /**
   * One registered component as the runner needs it.
   *
   * @param id its service id
   * @param endpoint its data-plane address as registered (Go components register ":50051")
   * @param inputs the event types it reads
   * @param outputs the event types it writes
   * @param healthy whether its heartbeats are in time and it says it serves
   * @param lastHeartbeat its latest heartbeat
   * @param metrics the metrics its heartbeats reported, as text
   * @param tls whether its data plane serves TLS (it registered {@code data_plane_tls=true}, as
   *     flowctl-java components with a certificate do; Go components serve plaintext)
   */
  record Registered(
      String id,
      String endpoint,
      List<String> inputs,
      List<String> outputs,
      boolean healthy,
      Instant lastHeartbeat,
      java.util.Map<String, String> metrics,
      boolean tls) {
    public Registered {
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
      metrics = java.util.Map.copyOf(metrics);
    }
  }

  /**
   * A consumer that could not read what a producer writes.
   *
   * @param serviceId the consumer
   * @param changes every change that keeps it from reading, with its path, in one line
   */
  record Conflict(String serviceId, String changes) {}

  /** The component registered as {@code id}, if any. */
  Optional<Registered> component(String id);

  /** Whether this view can judge links (a schema registry answers). */
  boolean checksSchemas();

  /**
   * The live consumers of {@code subject} that could not read {@code written}, judged by the reader
   * schemas and reader models they declared.
   */
  List<Conflict> consumerConflicts(String subject, Schema written);

  /** The latest schema registered for {@code subject}, if any. */
  Optional<Schema> latest(String subject);

  /**
   * Calls {@code refused} with a reason each time the registry refuses a new version of one of
   * {@code subjects} while a run goes, until the returned handle is closed. Only an embedded
   * registry can tell; a remote view watches nothing.
   */
  AutoCloseable watchRefusals(java.util.Set<String> subjects, Consumer<String> refused);

  /** The metadata key a component's registration says its data plane serves TLS with. */
  String DATA_PLANE_TLS = "data_plane_tls";

  private static boolean servesTls(java.util.Map<String, String> metadata) {
    return "true".equalsIgnoreCase(metadata.getOrDefault(DATA_PLANE_TLS, ""));
  }

  /** The registries of an embedded control plane; {@code schemas} may be null (links unchecked). */
  static ControlPlaneView local(ServiceRegistry services, SchemaRegistry schemas) {
    Objects.requireNonNull(services, "services");
    return new ControlPlaneView() {
      @Override
      public Optional<Registered> component(String id) {
        return services
            .status(id)
            .map(
                s ->
                    new Registered(
                        id,
                        ControlPlaneV1Service.endpointOf(s.info()),
                        s.info().getInputEventTypesList(),
                        s.info().getOutputEventTypesList(),
                        s.healthy(),
                        s.lastHeartbeat(),
                        s.reportedMetrics(),
                        servesTls(s.info().getMetadataMap())));
      }

      @Override
      public boolean checksSchemas() {
        return schemas != null;
      }

      @Override
      public List<Conflict> consumerConflicts(String subject, Schema written) {
        List<Conflict> out = new ArrayList<>();
        for (var c : schemas.consumerConflicts(subject, written)) {
          out.add(new Conflict(c.serviceId(), CompatibilityChecker.describe(c.changes())));
        }
        return out;
      }

      @Override
      public Optional<Schema> latest(String subject) {
        return schemas.latest(subject).map(RegisteredSchema::schema);
      }

      @Override
      public AutoCloseable watchRefusals(java.util.Set<String> subjects, Consumer<String> refused) {
        if (schemas == null) {
          return () -> {};
        }
        SchemaRegistry.Listener l =
            new SchemaRegistry.Listener() {
              @Override
              public void registered(
                  String subject, io.flowctl.server.schema.Registration registration) {}

              @Override
              public void refused(String subject, FlowctlException reason) {
                if (subjects.contains(subject)) {
                  refused.accept(
                      "the registry refused a new schema of '"
                          + subject
                          + "' while the run was going: "
                          + reason.getMessage());
                }
              }
            };
        schemas.addListener(l);
        return () -> schemas.removeListener(l);
      }
    };
  }

  /**
   * A control plane already serving at the other end of {@code channel}: components through {@code
   * flowctl.v1}'s {@code GetComponentStatus}, links through {@code CheckSchemaRegistration} (what
   * registering the producer's schema would find of its live consumers) and {@code GetSchema}.
   *
   * @param address the control plane's address, named in errors
   */
  static ControlPlaneView remote(Channel channel, String address) {
    Objects.requireNonNull(channel, "channel");
    Objects.requireNonNull(address, "address");
    long deadlineMs = 10_000;
    var v1 = ControlPlaneServiceGrpc.newBlockingStub(channel);
    var legacy = ControlPlaneGrpc.newBlockingStub(channel);
    return new ControlPlaneView() {
      private FlowctlException unreachable(StatusRuntimeException e) {
        return new FlowctlException(
            FlowctlException.Code.UNAVAILABLE,
            "the control plane at "
                + address
                + " did not answer: "
                + e.getStatus().getCode()
                + (e.getStatus().getDescription() == null
                    ? ""
                    : " (" + e.getStatus().getDescription() + ")"),
            e);
      }

      @Override
      public Optional<Registered> component(String id) {
        try {
          var s =
              v1.withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                  .getComponentStatus(ComponentStatusRequest.newBuilder().setServiceId(id).build());
          var c = s.getComponent();
          boolean healthy =
              s.getStatus() == HealthStatus.HEALTH_STATUS_HEALTHY
                  || s.getStatus() == HealthStatus.HEALTH_STATUS_DEGRADED
                  || s.getStatus() == HealthStatus.HEALTH_STATUS_UNKNOWN;
          return Optional.of(
              new Registered(
                  id,
                  c.getEndpoint(),
                  c.getInputEventTypesList(),
                  c.getOutputEventTypesList(),
                  healthy,
                  Instant.ofEpochSecond(
                      s.getLastHeartbeat().getSeconds(), s.getLastHeartbeat().getNanos()),
                  s.getMetricsMap(),
                  servesTls(c.getMetadataMap())));
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
            return Optional.empty();
          }
          throw unreachable(e);
        }
      }

      @Override
      public boolean checksSchemas() {
        return true;
      }

      @Override
      public List<Conflict> consumerConflicts(String subject, Schema written) {
        RegistrationVerdict verdict;
        try {
          verdict =
              legacy
                  .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                  .checkSchemaRegistration(
                      SchemaRegistration.newBuilder()
                          .setSchemaInfo(
                              SchemaInfo.newBuilder()
                                  .setEventType(subject)
                                  .setSchemaFormat("arrow_ipc")
                                  .setSchemaDefinition(
                                      com.google.protobuf.ByteString.copyFrom(
                                          ArrowIpc.schemaStream(written))))
                          .build());
        } catch (StatusRuntimeException e) {
          throw unreachable(e);
        }
        List<Conflict> out = new ArrayList<>();
        for (var k : verdict.getConsumersList()) {
          StringBuilder b = new StringBuilder();
          for (var change : k.getChangesList()) {
            b.append(b.length() == 0 ? "" : "; ").append(change.getMessage());
          }
          out.add(new Conflict(k.getServiceId(), b.toString()));
        }
        return out;
      }

      @Override
      public Optional<Schema> latest(String subject) {
        try {
          var r =
              legacy
                  .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                  .getSchema(SchemaRequest.newBuilder().setEventType(subject).build());
          return Optional.of(
              ArrowIpc.readSchema(r.getSchemaInfo().getSchemaDefinition().toByteArray()));
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
            return Optional.empty();
          }
          throw unreachable(e);
        }
      }

      @Override
      public AutoCloseable watchRefusals(java.util.Set<String> subjects, Consumer<String> refused) {
        return () -> {};
      }
    };
  }
}
