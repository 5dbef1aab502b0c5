package io.flowctl.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.flowctl.proto.CompatibilityLevel;
import io.flowctl.proto.CompatibilityRequest;
import io.flowctl.proto.CompatibilityResponse;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.HeartbeatAck;
import io.flowctl.proto.SchemaAck;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.SchemaResponse;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceList;
import io.flowctl.proto.ServiceType;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.schema.InMemorySchemaStore;
import io.flowctl.server.schema.SchemaRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ControlPlaneServiceTest {
  static final String TTP = "arrow_data.TTPEventBatch";
  static final Field ID = Field.notNullable("id", new ArrowType.Int(64, true));
  static final Schema V1 = new Schema(List.of(ID));
  static final Schema V2 = new Schema(List.of(ID, Field.nullable("memo", ArrowType.Utf8.INSTANCE)));

  private Server server;
  private ManagedChannel channel;
  private ControlPlaneGrpc.ControlPlaneBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new ControlPlaneService(
                    ServiceRegistry.builder().build(),
                    SchemaRegistry.builder(new InMemorySchemaStore()).build()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = ControlPlaneGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  static SchemaInfo schemaInfo(Schema s) {
    return SchemaInfo.newBuilder()
        .setEventType(TTP)
        .setSchemaFormat("arrow_ipc")
        .setSchemaDefinition(
            com.google.protobuf.ByteString.copyFrom(io.flowctl.ipc.ArrowIpc.schemaStream(s)))
        .build();
  }

  static ServiceInfo service(String id, ServiceType type, Schema accepts) {
    ServiceInfo.Builder b = ServiceInfo.newBuilder().setServiceId(id).setServiceType(type);
    if (type == ServiceType.SERVICE_TYPE_SOURCE) {
      b.addOutputEventTypes(TTP);
    } else {
      b.addInputEventTypes(TTP);
    }
    if (accepts != null) {
      b.addSupportedSchemas(schemaInfo(accepts));
    }
    return b.build();
  }

  @Test
  void aRegisteredServicesSchemasAreRegistered_andServedBack() {
    stub.register(service("src", ServiceType.SERVICE_TYPE_SOURCE, V1));

    SchemaResponse r = stub.getSchema(SchemaRequest.newBuilder().setEventType(TTP).build());

    assertThat(r.getSchemaInfo().getVersion()).isEqualTo(1);
    assertThat(r.getSchemaInfo().getSchemaFingerprint())
        .isEqualTo(SchemaFingerprints.structural(V1).toString());
    assertThat(r.getRegisteredBy()).isEqualTo("src");
    assertThat(r.getEvolutionPolicy()).isEqualTo("backward");
    assertThat(SchemaRpcs.schemaOf(r.getSchemaInfo())).isEqualTo(V1);
  }

  @Test
  void aServiceWithoutAnId_isNamedAsUpstreamNamesIt() {
    // stellar-arrow-source registers with no service_id and heartbeats with the id it is given
    var ack =
        stub.register(
            io.flowctl.proto.ServiceInfo.newBuilder()
                .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
                .addOutputEventTypes("raw_ledger_service.RawLedgerChunk")
                .putMetadata("data_format", "apache_arrow")
                .build());

    assertThat(ack.getServiceId()).matches("COMPONENT_TYPE_SOURCE-\\d{19}");
    stub.heartbeat(
        io.flowctl.proto.ServiceHeartbeat.newBuilder()
            .setServiceId(ack.getServiceId())
            .putMetrics("success_count", 1)
            .build());
  }

  @Test
  void registerSchema_versionsAndRefusesWithTheChangedFieldInTheStatus() {
    SchemaAck v1 =
        stub.registerSchema(SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(V1)).build());
    SchemaAck v2 =
        stub.registerSchema(SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(V2)).build());
    SchemaAck again =
        stub.registerSchema(SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(V1)).build());

    assertThat(v1.getVersion()).isEqualTo(1);
    assertThat(v2.getVersion()).isEqualTo(2);
    assertThat(again.getAlreadyRegistered()).isTrue();
    assertThat(again.getVersion()).isEqualTo(1);
    Schema broken = new Schema(List.of(Field.nullable("id", ArrowType.Utf8.INSTANCE)));
    assertThatThrownBy(
            () ->
                stub.registerSchema(
                    SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(broken)).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e -> {
              Status s = ((StatusRuntimeException) e).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(s.getDescription()).contains("'id'");
            });
  }

  @Test
  void validateCompatibility_reportsTheLevelAndEveryChangeWithItsPath() {
    stub.registerSchema(SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(V1)).build());
    stub.registerSchema(SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(V2)).build());

    CompatibilityResponse r =
        stub.validateSchemaCompatibility(
            CompatibilityRequest.newBuilder()
                .setSourceEventType(TTP)
                .setSourceVersion(1)
                .setTargetEventType(TTP)
                .setTargetVersion(2)
                .build());

    assertThat(r.getLevel()).isEqualTo(CompatibilityLevel.COMPATIBILITY_BACKWARD);
    assertThat(r.getChangesList()).hasSize(1);
    assertThat(r.getChanges(0).getKind()).isEqualTo("COLUMN_ADDED");
    assertThat(r.getChanges(0).getFieldPath()).isEqualTo("memo");
    assertThat(r.getChanges(0).getAllowedLevelsList())
        .contains(CompatibilityLevel.COMPATIBILITY_BACKWARD);
  }

  @Test
  void compatibleServices_areTheConsumersThatCanReadTheSchema() {
    stub.registerSchema(SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(V2)).build());
    stub.register(service("reads-v2", ServiceType.SERVICE_TYPE_SINK, V2));
    stub.register(service("reads-anything", ServiceType.SERVICE_TYPE_SINK, null));
    stub.register(service("reads-v1-only", ServiceType.SERVICE_TYPE_SINK, V1));

    ServiceList l =
        stub.listCompatibleServices(
            CompatibilityRequest.newBuilder().setSourceEventType(TTP).build());

    assertThat(l.getServicesList())
        .extracting(s -> s.getServiceId())
        .containsExactly("reads-anything", "reads-v2");
  }

  @Test
  void heartbeatsAndStatus_andUnknownServicesAreNotFound() {
    stub.register(service("src", ServiceType.SERVICE_TYPE_SOURCE, null));
    HeartbeatAck ack =
        stub.heartbeat(
            ServiceHeartbeat.newBuilder()
                .setServiceId("src")
                .putMetrics("arrow_batches", 3)
                .build());

    assertThat(ack.getIsHealthy()).isTrue();
    assertThat(stub.listServices(Empty.getDefaultInstance()).getServices(0).getMetricsMap())
        .containsEntry("arrow_batches", 3.0);
    assertThatThrownBy(
            () -> stub.heartbeat(ServiceHeartbeat.newBuilder().setServiceId("ghost").build()))
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(
            () -> stub.getServiceStatus(ServiceInfo.newBuilder().setServiceId("ghost").build()))
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void pipelineRuns_moveFromStartingToAFinalStatus_andStayThere() {
    var run =
        stub.createPipelineRun(
            io.flowctl.proto.CreatePipelineRunRequest.newBuilder()
                .setPipelineName("ttp-pipeline")
                .setConfigYaml("apiVersion: flowctl/v1")
                .addComponentIds("src")
                .build());
    assertThat(run.getRunId()).isNotEmpty();
    assertThat(run.getStatus()).isEqualTo(io.flowctl.proto.RunStatus.RUN_STATUS_STARTING);

    stub.updatePipelineRun(
        io.flowctl.proto.UpdatePipelineRunRequest.newBuilder()
            .setRunId(run.getRunId())
            .setStatus(io.flowctl.proto.RunStatus.RUN_STATUS_RUNNING)
            .build());
    var stopped =
        stub.stopPipelineRun(
            io.flowctl.proto.StopPipelineRunRequest.newBuilder().setRunId(run.getRunId()).build());
    assertThat(stopped.getStatus()).isEqualTo(io.flowctl.proto.RunStatus.RUN_STATUS_STOPPED);
    assertThat(stopped.hasEndTime()).isTrue();
    assertThat(
            stub.listPipelineRuns(io.flowctl.proto.ListPipelineRunsRequest.getDefaultInstance())
                .getRunsCount())
        .isEqualTo(1);

    assertThatThrownBy(
            () ->
                stub.updatePipelineRun(
                    io.flowctl.proto.UpdatePipelineRunRequest.newBuilder()
                        .setRunId(run.getRunId())
                        .setStatus(io.flowctl.proto.RunStatus.RUN_STATUS_RUNNING)
                        .build()))
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThatThrownBy(
            () ->
                stub.getPipelineRun(
                    io.flowctl.proto.GetPipelineRunRequest.newBuilder().setRunId("nope").build()))
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void aFailingStoreIsUnavailableToTheCaller_notOnlyLogged() throws Exception {
    io.flowctl.server.schema.SchemaStore broken =
        new io.flowctl.server.schema.SchemaStore() {
          private io.flowctl.server.schema.StoreException down() {
            return new io.flowctl.server.schema.StoreException(
                "disk full", new java.io.IOException("No space left on device"));
          }

          @Override
          public List<io.flowctl.server.schema.StoredSchema> versions(String subject) {
            return List.of();
          }

          @Override
          public List<String> subjects() {
            return List.of();
          }

          @Override
          public boolean append(io.flowctl.server.schema.StoredSchema schema) {
            throw down();
          }

          @Override
          public java.util.Optional<io.flowctl.schema.EvolutionPolicy> policy(String subject) {
            return java.util.Optional.empty();
          }

          @Override
          public void setPolicy(String subject, io.flowctl.schema.EvolutionPolicy policy) {
            throw down();
          }

          @Override
          public int highestVersion(String subject) {
            return 0;
          }

          @Override
          public boolean markDeleted(String subject, int version) {
            throw down();
          }

          @Override
          public boolean purge(String subject, int version) {
            throw down();
          }

          @Override
          public java.util.Optional<io.flowctl.server.schema.SubjectMode> mode(String subject) {
            return java.util.Optional.empty();
          }

          @Override
          public void setMode(String subject, io.flowctl.server.schema.SubjectMode mode) {
            throw down();
          }
        };
    String name = InProcessServerBuilder.generateName();
    Server s =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new ControlPlaneService(
                    ServiceRegistry.builder().build(), SchemaRegistry.builder(broken).build()))
            .build()
            .start();
    ManagedChannel c = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      assertThatThrownBy(
              () ->
                  ControlPlaneGrpc.newBlockingStub(c)
                      .registerSchema(
                          SchemaRegistration.newBuilder().setSchemaInfo(schemaInfo(V1)).build()))
          .satisfies(
              e -> {
                Status st = ((StatusRuntimeException) e).getStatus();
                assertThat(st.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(st.getDescription()).contains("disk full");
              });
    } finally {
      c.shutdownNow();
      s.shutdownNow();
    }
  }

  @Test
  void malformedSchemaDefinitions_areInvalidArguments() {
    for (ByteString bad :
        List.of(
            ByteString.copyFrom(new byte[] {1, 2, 3}),
            ByteString.copyFrom(new byte[] {-1, -1, -1, -1, -1, -1, -1, 0x7f}),
            com.google.protobuf.ByteString.copyFrom(io.flowctl.ipc.ArrowIpc.schemaStream(V1))
                .substring(0, 20))) {
      SchemaInfo info = SchemaInfo.newBuilder().setEventType(TTP).setSchemaDefinition(bad).build();
      assertThatThrownBy(
              () ->
                  stub.registerSchema(SchemaRegistration.newBuilder().setSchemaInfo(info).build()))
          .satisfies(
              e ->
                  assertThat(((StatusRuntimeException) e).getStatus().getCode())
                      .isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
  }
}
