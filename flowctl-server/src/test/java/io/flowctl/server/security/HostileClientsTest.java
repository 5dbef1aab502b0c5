package io.flowctl.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.GetPipelineRunRequest;
import io.flowctl.proto.ListPipelineRunsRequest;
import io.flowctl.proto.ListPipelineRunsResponse;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.StopPipelineRunRequest;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests an attacker on loopback would send, against a real control plane: each is refused with
 * INVALID_ARGUMENT, RESOURCE_EXHAUSTED or UNAUTHENTICATED naming what is wrong, and the server
 * answers a health check and a heartbeat right after.
 */
class HostileClientsTest {
  @TempDir Path dir;

  @Test
  void hostileIdentifiersMetadataAndMetrics_areRefusedNamingTheLimit() throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ManagedChannel ch = channel(s);
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        stub.register(source("good"));
        List<StatusRuntimeException> refusals = new ArrayList<>();
        for (ServiceInfo hostile :
            List.of(
                source("x".repeat(14 << 20)), // a 14 MB id
                source("forged\nalert cleared: MEMORY"),
                source("nul\u0000id"),
                source("ansi\u001b[31mred"),
                source("rtl\u202eoverride"),
                source("meta").toBuilder().putMetadata("k", "v".repeat(15 << 20)).build(),
                source("meta").toBuilder().putMetadata("k\nforged", "v").build())) {
          refusals.add(refused(() -> stub.register(hostile)));
        }
        for (StatusRuntimeException r : refusals) {
          assertThat(r.getStatus().getCode())
              .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED);
        }
        assertThat(refusals.get(0).getStatus().getDescription())
            .containsAnyOf("longer than the limit", "larger than max", "exceeds maximum size");
        assertThat(refusals.get(1).getStatus().getDescription()).contains("U+000A");
        assertThat(refusals.get(4).getStatus().getDescription()).contains("U+202E");
        assertThat(
                refused(
                        () ->
                            stub.heartbeat(
                                ServiceHeartbeat.newBuilder()
                                    .setServiceId("good")
                                    .putMetrics("evil\u001b[2J", 1.0)
                                    .build()))
                    .getStatus()
                    .getCode())
            .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(s.services().list()).extracting(x -> x.serviceId()).containsExactly("good");
        stillServing(ch);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void deepSchemas_areRefusedBeforeAnyRecursion_andHugeVersionsAreNamedAsSent() throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ManagedChannel ch = channel(s);
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (int depth : List.of(1_500, 2_000)) {
          StatusRuntimeException r =
              refused(() -> stub.registerSchema(registration("deep", nested(depth))));
          assertThat(r.getStatus().getCode())
              .isIn(Status.Code.INVALID_ARGUMENT, Status.Code.RESOURCE_EXHAUSTED);
          assertThat(r.getStatus().getDescription()).contains("nesting limit");
        }
        // bytes that are no Arrow IPC at all: the reason is named, not "null"
        StatusRuntimeException garbage =
            refused(
                () ->
                    stub.registerSchema(
                        SchemaRegistration.newBuilder()
                            .setSchemaInfo(
                                SchemaInfo.newBuilder()
                                    .setEventType("garbage")
                                    .setSchemaFormat("arrow_ipc")
                                    .setSchemaDefinition(
                                        ByteString.copyFromUtf8("not arrow at all")))
                            .build()));
        assertThat(garbage.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(garbage.getStatus().getDescription())
            .contains("'garbage' is not an Arrow IPC schema")
            .doesNotContain("null");
        // uint32 versions read as sent, not as negative ints
        for (long version : List.of(4_294_967_295L, 2_147_483_648L)) {
          StatusRuntimeException r =
              refused(
                  () ->
                      stub.getSchema(
                          SchemaRequest.newBuilder()
                              .setEventType("deep")
                              .setVersion((int) version)
                              .build()));
          assertThat(r.getStatus().getDescription()).contains("no version " + version);
        }
        stillServing(ch);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void aSchemaWithADictionaryEncodedField_registers_andCanBeFetchedAgain() throws Exception {
    Schema dictionary =
        new Schema(
            List.of(
                new Field(
                    "asset",
                    new FieldType(
                        true,
                        ArrowType.Utf8.INSTANCE,
                        new DictionaryEncoding(1, false, new ArrowType.Int(32, true))),
                    null)));
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ManagedChannel ch = channel(s);
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        stub.registerSchema(registration("dict", dictionary));
        var fetched = stub.getSchema(SchemaRequest.newBuilder().setEventType("dict").build());
        assertThat(
                io.flowctl.ipc.ArrowIpc.readSchema(
                    fetched.getSchemaInfo().getSchemaDefinition().toByteArray()))
            .isEqualTo(dictionary);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void twoAuthorizationHeaders_areUnauthenticated_notInternal() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "src s3cret-src\n");
    try (FlowctlServer s =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("memory")
            .bearerTokens(BearerTokenInterceptor.fromFile(tokens))
            .start()) {
      ManagedChannel ch = channel(s);
      try {
        Metadata twice = new Metadata();
        Metadata.Key<String> auth =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        twice.put(auth, "Bearer s3cret-src");
        twice.put(auth, "Bearer s3cret-src");
        var stub =
            ControlPlaneGrpc.newBlockingStub(ch)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(twice));
        StatusRuntimeException r = refused(() -> stub.register(source("src")));
        assertThat(r.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(r.getStatus().getDescription()).contains("more than one authorization header");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void runsAndSubjects_belongToTheirOwners() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "admin adm\nsvcA a-token\nsvcB b-token\n");
    try (FlowctlServer s =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("sqlite:" + dir.resolve("owned.db"))
            .bearerTokens(BearerTokenInterceptor.fromFile(tokens))
            .start()) {
      ManagedChannel ch = channel(s);
      try {
        var a = as(ch, "a-token");
        var b = as(ch, "b-token");
        var admin = as(ch, "adm");
        PipelineRun runB =
            b.createPipelineRun(
                CreatePipelineRunRequest.newBuilder()
                    .setPipelineName("p")
                    .setConfigYaml("secret: yes")
                    .build());
        String id = runB.getRunId();
        for (Runnable attack :
            List.<Runnable>of(
                () -> a.getPipelineRun(GetPipelineRunRequest.newBuilder().setRunId(id).build()),
                () ->
                    a.updatePipelineRun(
                        UpdatePipelineRunRequest.newBuilder()
                            .setRunId(id)
                            .setStatus(RunStatus.RUN_STATUS_FAILED)
                            .setError("forged")
                            .build()),
                () ->
                    a.stopPipelineRun(StopPipelineRunRequest.newBuilder().setRunId(id).build()))) {
          StatusRuntimeException r = refused(attack);
          assertThat(r.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(r.getStatus().getDescription()).contains("'svcA'", id);
        }
        assertThat(a.listPipelineRuns(ListPipelineRunsRequest.getDefaultInstance()).getRunsList())
            .isEmpty();
        assertThat(b.listPipelineRuns(ListPipelineRunsRequest.getDefaultInstance()).getRunsList())
            .extracting(PipelineRun::getRunId)
            .containsExactly(id);
        assertThat(
                admin.listPipelineRuns(ListPipelineRunsRequest.getDefaultInstance()).getRunsList())
            .extracting(PipelineRun::getRunId)
            .contains(id);
        PipelineRun seen =
            admin.getPipelineRun(GetPipelineRunRequest.newBuilder().setRunId(id).build());
        assertThat(seen.getStatus()).isEqualTo(RunStatus.RUN_STATUS_STARTING);
        assertThat(seen.getError()).isEmpty();

        // one principal cannot take every run: past its own limit it is refused, others are not
        StatusRuntimeException flood = null;
        for (int i = 0; i < io.flowctl.server.runs.PipelineRuns.MAX_RUNS_PER_PRINCIPAL + 1; i++) {
          try {
            a.createPipelineRun(CreatePipelineRunRequest.newBuilder().setPipelineName("f").build());
          } catch (StatusRuntimeException e) {
            flood = e;
            break;
          }
        }
        assertThat(flood).isNotNull();
        assertThat(flood.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(flood.getStatus().getDescription()).contains("the limit for one principal");
        b.createPipelineRun(CreatePipelineRunRequest.newBuilder().setPipelineName("p").build());

        Schema evB = new Schema(List.of(Field.nullable("x", new ArrowType.Int(64, true))));
        b.register(source("svcB").toBuilder().addOutputEventTypes("evB").build());
        b.registerSchema(registration("evB", evB).toBuilder().setServiceId("svcB").build());
        a.register(source("svcA").toBuilder().addOutputEventTypes("evA").build());
        Schema forged =
            new Schema(
                List.of(
                    Field.nullable("x", new ArrowType.Int(64, true)),
                    Field.nullable("y", ArrowType.Utf8.INSTANCE)));
        StatusRuntimeException r =
            refused(
                () ->
                    a.registerSchema(
                        registration("evB", forged).toBuilder().setServiceId("svcA").build()));
        assertThat(r.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(r.getStatus().getDescription()).contains("evB", "output");
        assertThat(
                admin
                    .getSchema(SchemaRequest.newBuilder().setEventType("evB").build())
                    .getRegisteredBy())
            .isEqualTo("svcB");
        assertThat(
                HealthGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(2, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus())
            .isNotNull();
        b.heartbeat(ServiceHeartbeat.newBuilder().setServiceId("svcB").build());
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void runBudgets_refuseHugeErrors_andListsStayUnderTheClientsLimit() throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ManagedChannel ch = channel(s);
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS);
        String config = "x".repeat(1_000_000);
        for (int i = 0; i < 6; i++) {
          stub.createPipelineRun(
              CreatePipelineRunRequest.newBuilder()
                  .setPipelineName("big")
                  .setConfigYaml(config)
                  .build());
        }
        ListPipelineRunsResponse page =
            stub.listPipelineRuns(ListPipelineRunsRequest.newBuilder().setLimit(1_000).build());
        assertThat(page.getRunsCount()).isBetween(1, 3);
        assertThat(page.getSerializedSize()).isLessThan(4 << 20);
        String id = page.getRuns(0).getRunId();
        StatusRuntimeException r =
            refused(
                () ->
                    stub.updatePipelineRun(
                        UpdatePipelineRunRequest.newBuilder()
                            .setRunId(id)
                            .setError("e".repeat(10_000))
                            .build()));
        assertThat(r.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(r.getStatus().getDescription()).contains("limit is 4096");
        StatusRuntimeException hugeId =
            refused(
                () ->
                    stub.createPipelineRun(
                        CreatePipelineRunRequest.newBuilder()
                            .setPipelineName("p\nforged")
                            .build()));
        assertThat(hugeId.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        stub.register(source("metrics"));
        ServiceHeartbeat.Builder fat = ServiceHeartbeat.newBuilder().setServiceId("metrics");
        for (int i = 0; i < 256; i++) {
          fat.putMetrics(String.format("m%03d", i) + "n".repeat(240), i);
        }
        StatusRuntimeException beat = refused(() -> stub.heartbeat(fat.build()));
        assertThat(beat.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(beat.getStatus().getDescription()).contains("bytes of metrics");
        stillServing(ch);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void listAnswersPastTheirBudget_areRefusedNamingTheFilters_andFilteredOnesAreServed()
      throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ManagedChannel ch = channel(s);
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
        // 300 services of 60 KB each: an 18 MB list, past the 16 MiB an answer may hold
        for (int i = 0; i < 300; i++) {
          ServiceInfo.Builder b =
              source("wide-" + i).toBuilder().addOutputEventTypes(i == 7 ? "rare" : "common");
          for (int k = 0; k < 15; k++) {
            b.putMetadata("k" + k, "v".repeat(4_000));
          }
          stub.register(b.build());
        }
        // the legacy list carries no metadata: it fits, and is served
        assertThat(
                stub.listServices(com.google.protobuf.Empty.getDefaultInstance())
                    .getServicesCount())
            .isEqualTo(300);
        var v1 =
            io.flowctl.proto.v1.ControlPlaneServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(60, TimeUnit.SECONDS);
        StatusRuntimeException all =
            refused(
                () ->
                    v1.listComponents(
                        io.flowctl.proto.v1.ListComponentsRequest.getDefaultInstance()));
        assertThat(all.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(all.getStatus().getDescription()).contains("16 MiB", "filter", "/api/services");
        assertThat(
                refused(
                        () ->
                            v1.discoverComponents(
                                io.flowctl.proto.v1.DiscoveryRequest.getDefaultInstance()))
                    .getStatus()
                    .getCode())
            .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(
                v1.discoverComponents(
                        io.flowctl.proto.v1.DiscoveryRequest.newBuilder()
                            .addEventTypes("rare")
                            .build())
                    .getComponentsList())
            .extracting(io.flowctl.proto.v1.ComponentInfo::getId)
            .containsExactly("wide-7");
        stillServing(ch);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  private static ControlPlaneGrpc.ControlPlaneBlockingStub as(ManagedChannel ch, String token) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return ControlPlaneGrpc.newBlockingStub(ch)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @Test
  void stalledHttp2Streams_areClosedAfterTheRequestTimeout_atMost64AtATime() throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("memory")
            .requestTimeout(java.time.Duration.ofSeconds(2))
            .start()) {
      // 100 streams on one connection, each declaring a 4,000,000-byte message and sending
      // 900 KB of it: 90 MB the server would hold for as long as the client liked.
      Process node =
          new ProcessBuilder(
                  "node",
                  Path.of("src/test/node/stalled-streams.mjs").toAbsolutePath().toString(),
                  "127.0.0.1",
                  Integer.toString(s.port()),
                  "100",
                  "4000000",
                  "900000",
                  "40000")
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      ManagedChannel ch = channel(s);
      try {
        Thread.sleep(500);
        stillServing(ch); // on another connection, during the attack
        String out =
            new String(
                node.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(node.waitFor(60, TimeUnit.SECONDS)).isTrue();
        var report = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
        assertThat(report.get("closed").asInt()).as(out).isEqualTo(100);
        int firstWave = 0;
        for (var r : report.get("results")) {
          assertThat(r.path("grpcStatus").asText()).as(r.toString()).isEqualTo("4");
          assertThat(r.path("message").asText()).contains("did not arrive within 2000 ms");
          long closed = r.get("closedMs").asLong();
          assertThat(closed).isGreaterThanOrEqualTo(1_500);
          if (closed < 3_500) {
            firstWave++;
          }
        }
        // Streams past the 64th open only when earlier ones end: they cannot end this early.
        assertThat(firstWave).as(out).isBetween(1, 64);
        stillServing(ch);
      } finally {
        node.destroyForcibly();
        ch.shutdownNow();
      }
    }
  }

  @Test
  void theSqliteStore_isCreatedReadableByItsOwnerOnly() throws Exception {
    Path db = dir.resolve("data").resolve("flowctl.db");
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("sqlite:" + db).start()) {
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(db)))
          .isEqualTo("rw-------");
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(db.getParent())))
          .isEqualTo("rwx------");
      stillServing(channel(s));
    }
  }

  private static Schema nested(int depth) {
    Field f = Field.nullable("leaf", new ArrowType.Int(32, true));
    for (int i = 0; i < depth; i++) {
      f = new Field("s" + i, FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(f));
    }
    return new Schema(List.of(f));
  }

  private static SchemaRegistration registration(String type, Schema schema) {
    // written without the registry's own checks: what a hostile client sends
    return SchemaRegistration.newBuilder()
        .setSchemaInfo(
            SchemaInfo.newBuilder()
                .setEventType(type)
                .setSchemaFormat("arrow_ipc")
                .setSchemaDefinition(
                    ByteString.copyFrom(io.flowctl.ipc.ArrowIpc.schemaStream(schema))))
        .build();
  }

  private static void stillServing(ManagedChannel ch) {
    assertThat(
            HealthGrpc.newBlockingStub(ch)
                .withDeadlineAfter(2, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isNotNull();
    var stub = ControlPlaneGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS);
    stub.register(source("after"));
    stub.heartbeat(ServiceHeartbeat.newBuilder().setServiceId("after").build());
  }

  private static ServiceInfo source(String id) {
    return ServiceInfo.newBuilder()
        .setServiceId(id)
        .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
        .build();
  }

  private static StatusRuntimeException refused(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call was not refused");
  }

  private static ManagedChannel channel(FlowctlServer s) {
    return NettyChannelBuilder.forAddress("127.0.0.1", s.port())
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
  }
}
