package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.HeartbeatRequest;
import io.flowctl.proto.v1.RegisterRequest;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Upstream's {@code flowctl processors list|show|find}, with its flags and its output. */
class ProcessorsCommandTest {
  static FlowctlServer cp;
  static String endpoint;

  @BeforeAll
  static void register() throws Exception {
    cp = FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start();
    endpoint = "127.0.0.1:" + cp.port();
    ManagedChannel ch = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
    try {
      var v1 = ControlPlaneServiceGrpc.newBlockingStub(ch);
      component(
          v1,
          "ttp-totals",
          ComponentType.COMPONENT_TYPE_PROCESSOR,
          List.of("ttp"),
          List.of("totals"),
          "payments");
      component(
          v1,
          "enricher",
          ComponentType.COMPONENT_TYPE_PROCESSOR,
          List.of("ttp", "fx"),
          List.of("rich"),
          "data");
      component(
          v1,
          "ttp-source",
          ComponentType.COMPONENT_TYPE_SOURCE,
          List.of(),
          List.of("ttp"),
          "payments");
    } finally {
      ch.shutdownNow();
    }
  }

  static void component(
      ControlPlaneServiceGrpc.ControlPlaneServiceBlockingStub v1,
      String id,
      ComponentType type,
      List<String> in,
      List<String> out,
      String team) {
    v1.registerComponent(
        RegisterRequest.newBuilder()
            .setComponentId(id)
            .setComponent(
                ComponentInfo.newBuilder()
                    .setId(id)
                    .setName(id)
                    .setVersion("1.2.0")
                    .setType(type)
                    .addAllInputEventTypes(in)
                    .addAllOutputEventTypes(out)
                    .setEndpoint("127.0.0.1:5005" + id.length())
                    .putMetadata("team", team))
            .build());
    v1.heartbeat(
        HeartbeatRequest.newBuilder()
            .setServiceId(id)
            .setStatus(HealthStatus.HEALTH_STATUS_HEALTHY)
            .putMetrics("processed_count", "7")
            .build());
  }

  @AfterAll
  static void stop() {
    cp.close();
  }

  @Test
  void listPrintsUpstreamsTable() {
    CliRunner r = CliRunner.run("processors", "list", "--endpoint", endpoint);
    assertThat(r.status()).as(r.err()).isEqualTo(ExitCodes.OK);
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0)).startsWith("ID").contains("   INPUT TYPES   OUTPUT TYPES   STATUS");
    assertThat(lines.get(1)).startsWith("──");
    assertThat(r.out())
        .contains("ttp-totals")
        .contains("ttp (+1)")
        .contains("✓ healthy")
        .doesNotContain("ttp-source")
        .endsWith("\nTotal: 2 processor(s)\n");
  }

  @Test
  void showPrintsOneProcessorInFull_andRefusesAComponentOfAnotherKind() {
    CliRunner r = CliRunner.run("processors", "show", "ttp-totals", "-e", endpoint);
    assertThat(r.status()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .startsWith("Processor: ttp-totals\n")
        .contains("  Version:     1.2.0\n")
        .contains("  Input Types:  \n    - ttp\n")
        .contains("  Output Types: \n    - totals\n")
        .contains("  Status:       ✓ healthy\n")
        .contains("Metrics:\n  processed_count: 7\n")
        .contains("Metadata:\n  team: payments\n");

    CliRunner source = CliRunner.run("processors", "show", "ttp-source", "-e", endpoint);
    assertThat(source.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(source.err()).contains("component 'ttp-source' is not a processor");
  }

  @Test
  void findFiltersByInputOutputAndMetadata_andSaysWhatItLookedFor() {
    CliRunner both =
        CliRunner.run("processors", "find", "-e", endpoint, "--input", "ttp", "--output", "totals");
    assertThat(both.status()).as(both.err()).isEqualTo(ExitCodes.OK);
    assertThat(both.out())
        .contains("ttp-totals")
        .doesNotContain("enricher")
        .endsWith("Found: 1 processor(s)\n");

    CliRunner team = CliRunner.run("processors", "find", "-e", endpoint, "--metadata", "team=data");
    assertThat(team.out()).contains("enricher").doesNotContain("ttp-totals");

    CliRunner none = CliRunner.run("processors", "find", "-e", endpoint, "--input", "nothing");
    assertThat(none.out())
        .isEqualTo(
            "No processors found matching the specified criteria.\n\nSearch criteria:\n  Input type:  nothing\n");

    CliRunner unfiltered = CliRunner.run("processors", "find", "-e", endpoint);
    assertThat(unfiltered.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unfiltered.err()).contains("at least one filter must be specified");
  }

  @Test
  void upstreamsStatus_showsEveryComponentByKind_headedByThePipelineFilesName() throws Exception {
    String port = endpoint.substring(endpoint.lastIndexOf(':') + 1);
    CliRunner r = CliRunner.run("status", "--control-plane-port", port);
    assertThat(r.status()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out())
        .startsWith(
            "Pipeline Status\nStatus: \033[32mRUNNING\033[0m\nComponents: 3 total (3 healthy)\n\n")
        .contains("SOURCES (1)\n  ttp-source (\033[32mHEALTH_STATUS_HEALTHY\033[0m)\n")
        .contains("PROCESSORS (2)\n")
        .contains("    Input types: ttp, fx\n")
        .contains("    Last heartbeat: just now\n")
        .contains("    Metrics:\n      processed_count: 7\n");

    java.nio.file.Path file =
        java.nio.file.Files.writeString(
            java.nio.file.Files.createTempFile("pipeline", ".yaml"),
            "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata:\n  name: ttp-totals\nspec:\n"
                + "  sources:\n    - id: s\n      command: [\"true\"]\n");
    CliRunner named = CliRunner.run("status", file.toString(), "--control-plane-addr", endpoint);
    assertThat(named.out()).startsWith("Pipeline: ttp-totals\n");

    // One service by id, as before.
    CliRunner one = CliRunner.run("status", "ttp-totals", "--server", endpoint);
    assertThat(one.out()).contains("id:              ttp-totals");
  }
}
