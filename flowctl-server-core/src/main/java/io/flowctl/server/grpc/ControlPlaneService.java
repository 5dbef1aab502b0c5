package io.flowctl.server.grpc;

import com.google.protobuf.Empty;
import io.flowctl.proto.CompatibilityRequest;
import io.flowctl.proto.CompatibilityResponse;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.DeleteSchemaRequest;
import io.flowctl.proto.DeleteSchemaResponse;
import io.flowctl.proto.FindSchemasRequest;
import io.flowctl.proto.FindSchemasResponse;
import io.flowctl.proto.GetPipelineRunRequest;
import io.flowctl.proto.HeartbeatAck;
import io.flowctl.proto.ListPipelineRunsRequest;
import io.flowctl.proto.ListPipelineRunsResponse;
import io.flowctl.proto.ListSchemaVersionsRequest;
import io.flowctl.proto.ListSchemaVersionsResponse;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.ReaderSchemas;
import io.flowctl.proto.RegistrationAck;
import io.flowctl.proto.RegistrationVerdict;
import io.flowctl.proto.SchemaAck;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.SchemaResponse;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceList;
import io.flowctl.proto.ServiceStatus;
import io.flowctl.proto.StopPipelineRunRequest;
import io.flowctl.proto.SubjectConfig;
import io.flowctl.proto.SubjectConfigRequest;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.runs.InMemoryPipelineRunStore;
import io.flowctl.server.runs.PipelineRuns;
import io.flowctl.server.schema.SchemaRegistry;
import io.grpc.stub.StreamObserver;
import java.util.Objects;

/**
 * The legacy {@code flowctl.ControlPlane} API with the Arrow schema RPCs, over a {@link
 * ServiceRegistry} and a {@link SchemaRegistry}. Add it to your own {@code ServerBuilder}. Every
 * error reaches the caller as a status (see {@link GrpcStatuses}). A facade: each resource's RPCs
 * and their proto mapping live in one delegate (services: {@code ServiceRpcs}, schemas and subject
 * config: {@code SchemaRpcs}, runs: {@link PipelineRuns}).
 */
public final class ControlPlaneService
    implements ControlPlaneGrpc.AsyncService, io.grpc.BindableService {

  private final ServiceRegistry services;
  private final SchemaRegistry schemas;
  private final PipelineRuns runs;
  private final ServiceRpcs serviceRpcs;
  private final SchemaRpcs schemaRpcs;

  /** The service with pipeline runs kept in memory. */
  public ControlPlaneService(ServiceRegistry services, SchemaRegistry schemas) {
    this(
        services,
        schemas,
        new PipelineRuns(new InMemoryPipelineRunStore(), java.time.Clock.systemUTC()));
  }

  public ControlPlaneService(ServiceRegistry services, SchemaRegistry schemas, PipelineRuns runs) {
    this.services = Objects.requireNonNull(services, "services");
    this.schemas = Objects.requireNonNull(schemas, "schemas");
    this.runs = Objects.requireNonNull(runs, "runs");
    this.serviceRpcs = new ServiceRpcs(services, schemas);
    this.schemaRpcs = new SchemaRpcs(services, schemas);
  }

  /** The service's definition; requests that are not valid protobuf are INVALID_ARGUMENT. */
  @Override
  public io.grpc.ServerServiceDefinition bindService() {
    return MalformedRequests.refuse(ControlPlaneGrpc.bindService(this));
  }

  @Override
  public void createPipelineRun(CreatePipelineRunRequest request, StreamObserver<PipelineRun> out) {
    Calls.answer(out, () -> runs.create(request));
  }

  @Override
  public void updatePipelineRun(UpdatePipelineRunRequest request, StreamObserver<PipelineRun> out) {
    Calls.answer(out, () -> runs.update(request));
  }

  @Override
  public void getPipelineRun(GetPipelineRunRequest request, StreamObserver<PipelineRun> out) {
    Calls.answer(out, () -> runs.get(request.getRunId()));
  }

  @Override
  public void listPipelineRuns(
      ListPipelineRunsRequest request, StreamObserver<ListPipelineRunsResponse> out) {
    Calls.answer(
        out,
        () ->
            ListPipelineRunsResponse.newBuilder()
                .addAllRuns(
                    runs.list(request.getPipelineName(), request.getStatus(), request.getLimit()))
                .build());
  }

  @Override
  public void stopPipelineRun(StopPipelineRunRequest request, StreamObserver<PipelineRun> out) {
    Calls.answer(out, () -> runs.stop(request.getRunId()));
  }

  @Override
  public void register(ServiceInfo request, StreamObserver<RegistrationAck> out) {
    serviceRpcs.register(request, out);
  }

  @Override
  public void heartbeat(ServiceHeartbeat request, StreamObserver<HeartbeatAck> out) {
    serviceRpcs.heartbeat(request, out);
  }

  @Override
  public void getServiceStatus(ServiceInfo request, StreamObserver<ServiceStatus> out) {
    serviceRpcs.getServiceStatus(request, out);
  }

  @Override
  public void listServices(Empty request, StreamObserver<ServiceList> out) {
    serviceRpcs.listServices(request, out);
  }

  @Override
  public void registerSchema(SchemaRegistration request, StreamObserver<SchemaAck> out) {
    schemaRpcs.registerSchema(request, out);
  }

  @Override
  public void checkSchemaRegistration(
      SchemaRegistration request, StreamObserver<RegistrationVerdict> out) {
    schemaRpcs.checkSchemaRegistration(request, out);
  }

  @Override
  public void listSchemaVersions(
      ListSchemaVersionsRequest request, StreamObserver<ListSchemaVersionsResponse> out) {
    schemaRpcs.listSchemaVersions(request, out);
  }

  @Override
  public void findSchemas(FindSchemasRequest request, StreamObserver<FindSchemasResponse> out) {
    schemaRpcs.findSchemas(request, out);
  }

  @Override
  public void deleteSchema(DeleteSchemaRequest request, StreamObserver<DeleteSchemaResponse> out) {
    schemaRpcs.deleteSchema(request, out);
  }

  @Override
  public void getSubjectConfig(SubjectConfigRequest request, StreamObserver<SubjectConfig> out) {
    schemaRpcs.getSubjectConfig(request, out);
  }

  @Override
  public void setSubjectConfig(SubjectConfig request, StreamObserver<SubjectConfig> out) {
    schemaRpcs.setSubjectConfig(request, out);
  }

  @Override
  public void declareReaderSchemas(ReaderSchemas request, StreamObserver<Empty> out) {
    schemaRpcs.declareReaderSchemas(request, out);
  }

  @Override
  public void getSchema(SchemaRequest request, StreamObserver<SchemaResponse> out) {
    schemaRpcs.getSchema(request, out);
  }

  @Override
  public void validateSchemaCompatibility(
      CompatibilityRequest request, StreamObserver<CompatibilityResponse> out) {
    schemaRpcs.validateSchemaCompatibility(request, out);
  }

  @Override
  public void listCompatibleServices(
      CompatibilityRequest request, StreamObserver<ServiceList> out) {
    schemaRpcs.listCompatibleServices(request, out);
  }
}
