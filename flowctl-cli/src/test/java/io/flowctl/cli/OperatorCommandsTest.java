package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.security.BearerTokenInterceptor;
import io.flowctl.testing.TestCertificates;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's session against a control plane that takes only mutual TLS and bearer tokens (a
 * real gRPC server on loopback with an SQLite store), from the command line alone.
 */
class OperatorCommandsTest {
  static final String TTP = "arrow_data.TTPEventBatch";
  static final Schema V1 =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));
  static final Schema V2 =
      new Schema(
          List.of(
              Field.notNullable("amount", new ArrowType.Int(64, true)),
              Field.nullable("currency", ArrowType.Utf8.INSTANCE)));
  static final Schema NARROWED =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(32, true))));

  @TempDir static Path dir;
  static FlowctlServer server;
  static TestCertificates.Pem serverCert;
  static TestCertificates.Pem clientCert;
  static ManagedChannel admin;

  @BeforeAll
  static void start() throws Exception {
    serverCert = TestCertificates.create(dir, "server");
    clientCert = TestCertificates.create(dir, "operator");
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "admin admin-secret\ntotals totals-secret\n");
    Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-------"));
    server =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("sqlite:" + dir.resolve("data/flowctl.db"))
            .tls(serverCert.certificate(), serverCert.privateKey(), clientCert.certificate())
            .bearerTokens(BearerTokenInterceptor.fromFile(tokens))
            .start();
    Metadata auth = new Metadata();
    auth.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer admin-secret");
    admin =
        NettyChannelBuilder.forAddress("localhost", server.port())
            .sslContext(
                GrpcSslContexts.configure(SslContextBuilder.forClient())
                    .trustManager(serverCert.certificate().toFile())
                    .keyManager(clientCert.certificate().toFile(), clientCert.privateKey().toFile())
                    .build())
            .intercept(MetadataUtils.newAttachHeadersInterceptor(auth))
            .build();
    // A live consumer that reads v1 with the default (closed) reader model.
    ControlPlaneGrpc.newBlockingStub(admin)
        .register(
            ServiceInfo.newBuilder()
                .setServiceId("totals")
                .setServiceType(ServiceType.SERVICE_TYPE_SINK)
                .addInputEventTypes(TTP)
                .addSupportedSchemas(
                    SchemaInfo.newBuilder()
                        .setEventType(TTP)
                        .setSchemaFormat("arrow_ipc")
                        .setSchemaDefinition(ByteString.copyFrom(ArrowIpc.schemaStream(V1))))
                .build());
  }

  @AfterAll
  static void stop() {
    admin.shutdownNow();
    server.close();
  }

  static Path schemaFile(String name, Schema schema) throws Exception {
    Path f = dir.resolve(name + ".arrows");
    Files.write(f, ArrowIpc.schemaStream(schema));
    return f;
  }

  /** {@code flowctl ARGS} with the server, TLS and the admin token. */
  static CliRunner flowctl(String... args) {
    return as("admin-secret", args);
  }

  static CliRunner as(String token, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--server",
            "localhost:" + server.port(),
            "--tls-ca",
            serverCert.certificate().toString(),
            "--tls-cert",
            clientCert.certificate().toString(),
            "--tls-key",
            clientCert.privateKey().toString()));
    if (token != null) {
      all.addAll(List.of("--token", token));
    }
    return CliRunner.run(all.toArray(String[]::new));
  }

  static JsonNode json(CliRunner r) throws Exception {
    assertThat(r.status()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void schemasAreRegisteredRefusedListedFetchedAndDeleted_fromTheCommandLine() throws Exception {
    CliRunner first = flowctl("schema", "register", TTP, schemaFile("v1", V1).toString());
    assertThat(first.status()).as(first.err()).isZero();
    assertThat(first.out())
        .contains("version 1")
        .contains(SchemaFingerprints.structural(V1).toString());

    // The policy (BACKWARD) accepts a nullable column; the live consumer 'totals' could not read
    // it.
    CliRunner refused = flowctl("schema", "register", TTP, schemaFile("v2", V2).toString());
    assertThat(refused.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(refused.out()).contains("refused").contains("consumer totals").contains("currency");

    CliRunner narrowing =
        flowctl("schema", "register", TTP, schemaFile("narrow", NARROWED).toString(), "--json");
    assertThat(narrowing.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    JsonNode verdict = new ObjectMapper().readTree(narrowing.out());
    assertThat(verdict.get("accepted").asBoolean()).isFalse();
    assertThat(verdict.get("changes").get(0).get("path").asText()).isEqualTo("amount");

    CliRunner dry =
        flowctl(
            "schema",
            "register",
            TTP,
            schemaFile("v2", V2).toString(),
            "--dry-run",
            "--allow-breaking-consumers");
    assertThat(dry.status()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("would be registered as version 2");
    assertThat(json(flowctl("schema", "versions", TTP, "--json"))).hasSize(1);

    CliRunner forced =
        flowctl(
            "schema",
            "register",
            TTP,
            schemaFile("v2", V2).toString(),
            "--allow-breaking-consumers");
    assertThat(forced.status()).as(forced.err()).isZero();
    assertThat(forced.out()).contains("version 2");

    JsonNode versions = json(flowctl("schema", "versions", TTP, "--json"));
    assertThat(versions).hasSize(2);
    assertThat(versions.get(1).get("fingerprint").asText())
        .isEqualTo(SchemaFingerprints.structural(V2).toString());

    Path fetched = dir.resolve("fetched.arrows");
    CliRunner get = flowctl("schema", "get", TTP, "--version", "1", "--out", fetched.toString());
    assertThat(get.status()).as(get.err()).isZero();
    assertThat(ArrowIpc.readSchema(fetched)).isEqualTo(V1);
    CliRunner byFingerprint =
        flowctl(
            "schema",
            "get",
            TTP,
            "--fingerprint",
            SchemaFingerprints.structural(V2).toString(),
            "--out",
            fetched.toString());
    assertThat(byFingerprint.out()).contains("version 2");
    assertThat(ArrowIpc.readSchema(fetched)).isEqualTo(V2);

    JsonNode found =
        json(flowctl("schema", "find", SchemaFingerprints.structural(V1).toString(), "--json"));
    List<String> holding = new ArrayList<>();
    found.forEach(v -> holding.add(v.get("subject").asText() + "/" + v.get("version").asInt()));
    assertThat(holding).contains(TTP + "/1").doesNotContain(TTP + "/2");

    CliRunner tooSoon = flowctl("schema", "delete", TTP, "--version", "2", "--permanent");
    assertThat(tooSoon.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(tooSoon.err()).contains("softly first");
    assertThat(flowctl("schema", "delete", TTP, "--version", "2").out())
        .contains("soft-deleted version 2");
    assertThat(json(flowctl("schema", "versions", TTP, "--json"))).hasSize(1);
    assertThat(json(flowctl("schema", "versions", TTP, "--deleted", "--json"))).hasSize(2);
    CliRunner gone = flowctl("schema", "get", TTP, "--version", "2", "--out", fetched.toString());
    assertThat(gone.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(gone.err()).contains("no version 2");
    assertThat(flowctl("schema", "delete", TTP, "--version", "2", "--permanent").out())
        .contains("deleted permanently version 2");
    assertThat(json(flowctl("schema", "versions", TTP, "--deleted", "--json"))).hasSize(1);
  }

  @Test
  void policiesAndModesAreShownAndSet_andAReadOnlySubjectRefusesWrites() throws Exception {
    String subject = "demo.Frozen";
    assertThat(flowctl("schema", "policy", subject).out()).contains("backward (default)");
    assertThat(flowctl("schema", "policy", subject, "full_transitive").out())
        .contains(subject + ": full_transitive")
        .doesNotContain("default");
    assertThat(flowctl("schema", "policy", subject).out()).contains("full_transitive");
    CliRunner bad = flowctl("schema", "policy", subject, "sideways");
    assertThat(bad.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("sideways");

    assertThat(flowctl("schema", "register", subject, schemaFile("v1", V1).toString()).status())
        .isZero();
    assertThat(flowctl("schema", "mode", subject, "readonly").out()).contains("readonly");
    CliRunner frozen = flowctl("schema", "register", subject, schemaFile("v2", V2).toString());
    assertThat(frozen.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(frozen.out()).contains("read-only");
    assertThat(flowctl("schema", "delete", subject).status()).isEqualTo(ExitCodes.NOT_SATISFIED);

    assertThat(flowctl("schema", "mode", subject, "import").out()).contains("import");
    CliRunner imported =
        flowctl(
            "schema",
            "register",
            subject,
            schemaFile("narrow", NARROWED).toString(),
            "--version",
            "7");
    assertThat(imported.status()).as(imported.out() + imported.err()).isZero();
    assertThat(imported.out()).contains("version 7");
    assertThat(flowctl("schema", "mode", subject, "readwrite").out()).contains("readwrite");
  }

  @Test
  void servicesStatusAndRuns_andStoppingARun() throws Exception {
    JsonNode services = json(flowctl("services", "--json"));
    JsonNode totals = null;
    for (JsonNode s : services) {
      if (s.get("id").asText().equals("totals")) {
        totals = s;
      }
    }
    assertThat(totals).isNotNull();
    assertThat(totals.get("type").asText()).isEqualTo("consumer");
    assertThat(totals.get("inputEventTypes").get(0).asText()).isEqualTo(TTP);
    CliRunner table = flowctl("services");
    assertThat(table.out()).contains("totals").contains("in: " + TTP);

    CliRunner status = flowctl("status", "totals");
    assertThat(status.status()).as(status.err()).isZero();
    assertThat(status.out()).contains("health:          healthy");
    CliRunner unknown = flowctl("status", "nobody");
    assertThat(unknown.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err()).contains("nobody");

    ControlPlaneGrpc.newBlockingStub(admin)
        .createPipelineRun(
            CreatePipelineRunRequest.newBuilder().setRunId("run-1").setPipelineName("ttp").build());
    JsonNode runs = json(flowctl("runs", "--pipeline", "ttp", "--json"));
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0).get("status").asText()).isEqualTo("starting");
    assertThat(flowctl("runs", "stop", "run-1").out()).contains("run-1: stopped");
    assertThat(json(flowctl("runs", "--status", "stopped", "--json"))).hasSize(1);
    assertThat(json(flowctl("runs", "--status", "running", "--json"))).isEmpty();
    assertThat(flowctl("runs", "--status", "sideways").status()).isEqualTo(ExitCodes.BAD_INPUT);
  }

  @Test
  void withoutTheRightCredentials_theCommandsExit2WithOneLine() throws Exception {
    CliRunner noToken = as(null, "services");
    assertThat(noToken.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noToken.err().lines()).hasSize(1);
    CliRunner wrong = as("not-a-token", "schema", "versions", TTP);
    assertThat(wrong.status()).isEqualTo(ExitCodes.BAD_INPUT);

    // A service's own token may read, not delete or change settings.
    CliRunner notAdmin = as("totals-secret", "schema", "policy", "demo.Other", "none");
    assertThat(notAdmin.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(notAdmin.err()).contains("admin");

    CliRunner plaintext =
        CliRunner.run(
            "services", "--server", "localhost:" + server.port(), "--token", "admin-secret");
    assertThat(plaintext.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(plaintext.err()).contains("cannot reach the control plane");

    CliRunner noClientCert =
        CliRunner.run(
            "services",
            "--server",
            "localhost:" + server.port(),
            "--tls-ca",
            serverCert.certificate().toString(),
            "--token",
            "admin-secret");
    assertThat(noClientCert.status()).isEqualTo(ExitCodes.BAD_INPUT);

    CliRunner halfTls =
        CliRunner.run("services", "--server", "localhost:" + server.port(), "--tls-cert", "x.pem");
    assertThat(halfTls.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(halfTls.err()).contains("--tls-cert and --tls-key go together");
  }
}
