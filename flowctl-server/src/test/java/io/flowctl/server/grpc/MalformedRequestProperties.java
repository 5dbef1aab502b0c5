package io.flowctl.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.flowctl.proto.CompatibilityRequest;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.GetPipelineRunRequest;
import io.flowctl.proto.ListPipelineRunsRequest;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.StopPipelineRunRequest;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentStatusRequest;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.DiscoveryRequest;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.HeartbeatRequest;
import io.flowctl.proto.v1.ListComponentsRequest;
import io.flowctl.proto.v1.RegisterRequest;
import io.flowctl.proto.v1.UnregisterRequest;
import io.flowctl.server.FlowctlServer;
import io.flowctl.testing.Damaged;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Damaged control-plane requests, legacy and v1, sent as raw bytes to a real server on loopback.
 * Bytes that do not parse as the request are refused by gRPC as INTERNAL; every request that parses
 * gets an answer or a typed refusal from the service, never UNKNOWN (an exception that escaped a
 * handler) or INTERNAL, and the server goes on serving.
 */
class MalformedRequestProperties {
  private static final Map<String, AtomicLong> OUTCOMES = new ConcurrentHashMap<>();
  private static FlowctlServer server;
  private static ManagedChannel channel;

  /** One valid request of one method. */
  record Seed(MethodDescriptor<?, ?> method, Message request) {
    @Override
    public String toString() {
      return method.getFullMethodName();
    }
  }

  /** Bytes sent to a method. */
  record Request(Seed seed, byte[] bytes) {
    @Override
    public String toString() {
      return seed + " (" + bytes.length + " bytes)";
    }
  }

  @BeforeContainer
  static void start() throws IOException {
    server = FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    for (Seed s : seeds()) {
      call(s, s.request().toByteArray()); // the valid ones first: damaged ones meet known ids
    }
  }

  @AfterContainer
  static void stop() throws InterruptedException {
    System.out.println("damaged control-plane requests: " + new TreeMap<>(OUTCOMES));
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Property(tries = 1000)
  void aDamagedRequest_isAnsweredOrRefusedWithATypedStatus(@ForAll("damaged") Request r) {
    boolean parses = parses(r);
    Status.Code code = call(r.seed(), r.bytes());
    OUTCOMES
        .computeIfAbsent(parses ? code.name() : code + " (not parsed)", k -> new AtomicLong())
        .incrementAndGet();
    if (parses) {
      assertThat(code).as(r.toString()).isNotIn(Status.Code.UNKNOWN, Status.Code.INTERNAL);
    } else {
      assertThat(code).as(r.toString()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Provide
  Arbitrary<Request> damaged() {
    return Arbitraries.of(seeds())
        .flatMap(s -> Damaged.bytes(s.request().toByteArray()).map(b -> new Request(s, b)));
  }

  private static boolean parses(Request r) {
    try {
      r.seed().request().getParserForType().parseFrom(r.bytes());
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** The status the server answers {@code bytes} with (OK for an answer). */
  private static Status.Code call(Seed seed, byte[] bytes) {
    MethodDescriptor<byte[], byte[]> raw =
        seed.method().toBuilder(GoClientWireTest.RAW, GoClientWireTest.RAW).build();
    try {
      ClientCalls.blockingUnaryCall(
          channel, raw, CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), bytes);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getDescription()).as("a refusal says why").isNotBlank();
      return e.getStatus().getCode();
    }
  }

  static List<Seed> seeds() {
    Schema schema =
        new Schema(
            List.of(
                Field.notNullable("id", new ArrowType.Int(64, true)),
                Field.nullable("amount", new ArrowType.Decimal(38, 7, 128)),
                Field.nullable("asset", ArrowType.Utf8.INSTANCE)));
    SchemaInfo info =
        SchemaInfo.newBuilder()
            .setEventType("fuzz.Batch")
            .setSchemaFormat("arrow_ipc")
            .setSchemaDefinition(ByteString.copyFrom(io.flowctl.ipc.ArrowIpc.schemaStream(schema)))
            .build();
    ServiceInfo service =
        ServiceInfo.newBuilder()
            .setServiceId("fuzz-source")
            .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
            .addOutputEventTypes("fuzz.Batch")
            .putMetadata("team", "fuzz")
            .setMaxInflight(4)
            .addSupportedSchemas(info)
            .build();
    return List.of(
        new Seed(ControlPlaneGrpc.getRegisterMethod(), service),
        new Seed(
            ControlPlaneGrpc.getHeartbeatMethod(),
            ServiceHeartbeat.newBuilder()
                .setServiceId("fuzz-source")
                .putMetrics("arrow_batches_processed", 12)
                .putMetrics("arrow_memory_usage_bytes", 1 << 20)
                .build()),
        new Seed(ControlPlaneGrpc.getGetServiceStatusMethod(), service),
        new Seed(ControlPlaneGrpc.getListServicesMethod(), Empty.getDefaultInstance()),
        new Seed(
            ControlPlaneGrpc.getRegisterSchemaMethod(),
            SchemaRegistration.newBuilder()
                .setServiceId("fuzz-source")
                .setSchemaInfo(info)
                .build()),
        new Seed(
            ControlPlaneGrpc.getGetSchemaMethod(),
            SchemaRequest.newBuilder().setEventType("fuzz.Batch").setVersion(1).build()),
        new Seed(
            ControlPlaneGrpc.getValidateSchemaCompatibilityMethod(),
            CompatibilityRequest.newBuilder()
                .setSourceEventType("fuzz.Batch")
                .setTargetEventType("fuzz.Batch")
                .setSourceVersion(1)
                .setTargetVersion(1)
                .setReaderModel("projecting")
                .build()),
        new Seed(
            ControlPlaneGrpc.getListCompatibleServicesMethod(),
            CompatibilityRequest.newBuilder().setSourceEventType("fuzz.Batch").build()),
        new Seed(
            ControlPlaneGrpc.getCreatePipelineRunMethod(),
            CreatePipelineRunRequest.newBuilder()
                .setRunId("run-1")
                .setPipelineName("fuzz")
                .setConfigYaml("apiVersion: flowctl/v1\nkind: Pipeline\n")
                .addComponentIds("fuzz-source")
                .build()),
        new Seed(
            ControlPlaneGrpc.getUpdatePipelineRunMethod(),
            UpdatePipelineRunRequest.newBuilder()
                .setRunId("run-1")
                .setStatus(RunStatus.RUN_STATUS_RUNNING)
                .setError("none")
                .build()),
        new Seed(
            ControlPlaneGrpc.getGetPipelineRunMethod(),
            GetPipelineRunRequest.newBuilder().setRunId("run-1").build()),
        new Seed(
            ControlPlaneGrpc.getListPipelineRunsMethod(),
            ListPipelineRunsRequest.newBuilder().setPipelineName("fuzz").setLimit(5).build()),
        new Seed(
            ControlPlaneGrpc.getStopPipelineRunMethod(),
            StopPipelineRunRequest.newBuilder().setRunId("run-1").build()),
        new Seed(
            ControlPlaneServiceGrpc.getRegisterComponentMethod(),
            RegisterRequest.newBuilder()
                .setComponent(
                    ComponentInfo.newBuilder()
                        .setId("fuzz-sink")
                        .setName("sink")
                        .setType(ComponentType.COMPONENT_TYPE_CONSUMER)
                        .addInputEventTypes("fuzz.Batch")
                        .setEndpoint("127.0.0.1:9")
                        .putMetadata("team", "fuzz"))
                .build()),
        new Seed(
            ControlPlaneServiceGrpc.getHeartbeatMethod(),
            HeartbeatRequest.newBuilder()
                .setServiceId("fuzz-sink")
                .setStatus(HealthStatus.HEALTH_STATUS_HEALTHY)
                .putMetrics("rows", "7")
                .build()),
        new Seed(
            ControlPlaneServiceGrpc.getDiscoverComponentsMethod(),
            DiscoveryRequest.newBuilder()
                .setType(ComponentType.COMPONENT_TYPE_CONSUMER)
                .addEventTypes("fuzz.Batch")
                .putMetadataFilters("team", "fuzz")
                .build()),
        new Seed(
            ControlPlaneServiceGrpc.getGetComponentStatusMethod(),
            ComponentStatusRequest.newBuilder().setServiceId("fuzz-sink").build()),
        new Seed(
            ControlPlaneServiceGrpc.getListComponentsMethod(),
            ListComponentsRequest.newBuilder().setIncludeUnhealthy(true).build()),
        new Seed(
            ControlPlaneServiceGrpc.getUnregisterComponentMethod(),
            UnregisterRequest.newBuilder().setServiceId("nobody").build()));
  }
}
