package io.flowctl.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Empty;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
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
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real server on loopback: legacy and v1 clients see one registry; gRPC health answers. */
class BothApisTest {
  private FlowctlServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void aComponentRegisteredThroughV1_isSeenByTheLegacyApi_andTheOtherWayRound() {
    var v1 = ControlPlaneServiceGrpc.newBlockingStub(channel);
    var legacy = ControlPlaneGrpc.newBlockingStub(channel);

    String id =
        v1.registerComponent(
                RegisterRequest.newBuilder()
                    .setComponent(
                        ComponentInfo.newBuilder()
                            .setId("ttp-processor")
                            .setName("TTP processor")
                            .setVersion("1.2.0")
                            .setType(ComponentType.COMPONENT_TYPE_PROCESSOR)
                            .addInputEventTypes("stellar.ledger")
                            .addOutputEventTypes("arrow_data.TTPEventBatch")
                            .setEndpoint("localhost:50051")
                            .putMetadata("team", "payments"))
                    .build())
            .getServiceId();
    legacy.register(
        ServiceInfo.newBuilder()
            .setServiceId("parquet-sink")
            .setServiceType(ServiceType.SERVICE_TYPE_SINK)
            .addInputEventTypes("arrow_data.TTPEventBatch")
            .build());
    v1.heartbeat(
        HeartbeatRequest.newBuilder()
            .setServiceId(id)
            .putMetrics("rows", "42")
            .putMetrics("note", "ok")
            .build());
    legacy.heartbeat(ServiceHeartbeat.newBuilder().setServiceId("parquet-sink").build());

    assertThat(id).isEqualTo("ttp-processor");
    assertThat(legacy.listServices(Empty.getDefaultInstance()).getServicesList())
        .extracting(s -> s.getServiceId())
        .containsExactly("parquet-sink", "ttp-processor");
    var status =
        v1.getComponentStatus(ComponentStatusRequest.newBuilder().setServiceId(id).build());
    assertThat(status.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_HEALTHY);
    assertThat(status.getComponent().getName()).isEqualTo("TTP processor");
    assertThat(status.getComponent().getVersion()).isEqualTo("1.2.0");
    assertThat(status.getComponent().getMetadataMap())
        .containsOnly(java.util.Map.entry("team", "payments"));
    // v1 metrics are strings, kept as given (upstream's control plane does the same)
    assertThat(status.getMetricsMap())
        .containsOnly(Map.entry("rows", "42"), Map.entry("note", "ok"));

    var consumers =
        v1.discoverComponents(
            DiscoveryRequest.newBuilder()
                .setType(ComponentType.COMPONENT_TYPE_CONSUMER)
                .addEventTypes("arrow_data.TTPEventBatch")
                .build());
    assertThat(consumers.getComponentsList())
        .extracting(ComponentInfo::getId)
        .containsExactly("parquet-sink");
    assertThat(
            v1.discoverComponents(
                    DiscoveryRequest.newBuilder().putMetadataFilters("team", "payments").build())
                .getComponentsList())
        .extracting(ComponentInfo::getId)
        .containsExactly("ttp-processor");
    assertThat(
            v1.listComponents(
                    ListComponentsRequest.newBuilder()
                        .setTypeFilter(ComponentType.COMPONENT_TYPE_PROCESSOR)
                        .build())
                .getComponentsCount())
        .isEqualTo(1);

    v1.unregisterComponent(UnregisterRequest.newBuilder().setServiceId(id).build());
    assertThatThrownBy(
            () ->
                v1.getComponentStatus(ComponentStatusRequest.newBuilder().setServiceId(id).build()))
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void theStandardHealthServiceAnswers() {
    HealthCheckResponse r =
        HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder().build());
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void reflectionDescribesBothApis_soGrpcurlCanCallThem() throws Exception {
    var answers =
        new java.util.concurrent.LinkedBlockingQueue<
            io.grpc.reflection.v1.ServerReflectionResponse>();
    var requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                    answers.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(
        io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    assertThat(answers.poll(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList())
        .extracting(io.grpc.reflection.v1.ServiceResponse::getName)
        .contains("flowctl.ControlPlane", "flowctl.v1.ControlPlaneService");
    for (String symbol :
        java.util.List.of("flowctl.ControlPlane", "flowctl.v1.ControlPlaneService")) {
      requests.onNext(
          io.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
              .setFileContainingSymbol(symbol)
              .build());
      assertThat(
              answers
                  .poll(5, TimeUnit.SECONDS)
                  .getFileDescriptorResponse()
                  .getFileDescriptorProtoCount())
          .as(symbol)
          .isPositive();
    }
    requests.onCompleted();
  }

  @Test
  void bytesThatAreNotTheRequest_areInvalidArgument_namingTheMessageType() {
    io.grpc.MethodDescriptor<byte[], byte[]> raw =
        ControlPlaneGrpc.getRegisterMethod().toBuilder(GoClientWireTest.RAW, GoClientWireTest.RAW)
            .build();
    assertThatThrownBy(
            () ->
                io.grpc.stub.ClientCalls.blockingUnaryCall(
                    channel, raw, io.grpc.CallOptions.DEFAULT, new byte[] {0x0a, 0x7f, 'x'}))
        .satisfies(
            e -> {
              Status status = ((StatusRuntimeException) e).getStatus();
              assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(status.getDescription())
                  .contains("flowctl.ControlPlane/Register", "flowctl.ServiceInfo");
            });
    // and the server goes on
    assertThat(
            HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.newBuilder().build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  @Test
  void v1Heartbeats_asUpstreamTreatsThem_mergedVerbatim_unknownIsHealthy_statusAsReported() {
    var v1 = ControlPlaneServiceGrpc.newBlockingStub(channel);
    var legacy = ControlPlaneGrpc.newBlockingStub(channel);
    var registered =
        v1.registerComponent(
            RegisterRequest.newBuilder()
                .setComponent(
                    ComponentInfo.newBuilder()
                        .setId("go-source")
                        .setType(ComponentType.COMPONENT_TYPE_SOURCE)
                        .addOutputEventTypes("stellar.ledger")
                        .addOutputEventTypes("arrow_data.TTPEventBatch")
                        .setEndpoint(":50051"))
                .build());
    assertThat(registered.getAssignedTopicsList())
        .containsExactly("stellar.ledger.v1", "arrow_data.TTPEventBatch.v1");

    // The Go SDK's heartbeat: status UNKNOWN, string metrics of every shape.
    v1.heartbeat(
        HeartbeatRequest.newBuilder()
            .setServiceId("go-source")
            .setStatus(HealthStatus.HEALTH_STATUS_UNKNOWN)
            .putMetrics("processed_count", "10")
            .putMetrics("last_update_time", "2025-12-01T10:00:00Z")
            .putMetrics("processing_latency", "1.5ms")
            .build());
    var status = status(v1, "go-source");
    assertThat(status.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_HEALTHY);
    assertThat(status.getMetricsMap())
        .containsOnly(
            Map.entry("processed_count", "10"),
            Map.entry("last_update_time", "2025-12-01T10:00:00Z"),
            Map.entry("processing_latency", "1.5ms"));
    assertThat(legacy.getServiceStatus(ServiceInfo.newBuilder().setServiceId("go-source").build()))
        .satisfies(
            s -> {
              assertThat(s.getIsHealthy()).isTrue();
              assertThat(s.getMetricsMap()).containsOnly(Map.entry("processed_count", 10.0));
            });

    // A later heartbeat's metrics are merged into the stored ones, not replacing them.
    v1.heartbeat(
        HeartbeatRequest.newBuilder()
            .setServiceId("go-source")
            .setStatus(HealthStatus.HEALTH_STATUS_STOPPING)
            .putMetrics("processed_count", "12")
            .build());
    status = status(v1, "go-source");
    assertThat(status.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_STOPPING);
    assertThat(status.getMetricsMap())
        .containsEntry("processed_count", "12")
        .containsEntry("last_update_time", "2025-12-01T10:00:00Z")
        .containsEntry("processing_latency", "1.5ms");
    // A stopping component is not one to send work to.
    assertThat(
            legacy
                .getServiceStatus(ServiceInfo.newBuilder().setServiceId("go-source").build())
                .getIsHealthy())
        .isFalse();
  }

  private static io.flowctl.proto.v1.ComponentStatusResponse status(
      ControlPlaneServiceGrpc.ControlPlaneServiceBlockingStub v1, String id) {
    return v1.getComponentStatus(ComponentStatusRequest.newBuilder().setServiceId(id).build());
  }
}
