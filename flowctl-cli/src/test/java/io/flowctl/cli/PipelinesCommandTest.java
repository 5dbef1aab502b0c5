package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.ComponentMetrics;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.RunMetrics;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Upstream's {@code flowctl pipelines ...}, with its address flags and its output. */
class PipelinesCommandTest {
  @Test
  void pipelinesRunsRunInfoActiveAndStop_asUpstreamPrintsThem() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      String port = Integer.toString(cp.port());
      CliRunner empty = CliRunner.run("pipelines", "list", "--control-plane-port", port);
      assertThat(empty.status()).as(empty.err()).isEqualTo(ExitCodes.OK);
      assertThat(empty.out()).isEqualTo("No pipelines found\n");

      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", cp.port()).usePlaintext().build();
      String failed;
      String running;
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch);
        failed =
            stub.createPipelineRun(
                    CreatePipelineRunRequest.newBuilder()
                        .setPipelineName("ttp")
                        .addAllComponentIds(List.of("src", "totals"))
                        .build())
                .getRunId();
        stub.updatePipelineRun(
            UpdatePipelineRunRequest.newBuilder()
                .setRunId(failed)
                .setStatus(RunStatus.RUN_STATUS_FAILED)
                .setError("totals refused 5 events: 'amount' changed type from int64 to utf8")
                .setMetrics(
                    RunMetrics.newBuilder()
                        .setEventsProcessed(1500)
                        .putComponentMetrics(
                            "totals",
                            ComponentMetrics.newBuilder()
                                .setEventsFailed(5)
                                .setFailureReason("'amount' changed type from int64 to utf8")
                                .build()))
                .build());
        running =
            stub.createPipelineRun(
                    CreatePipelineRunRequest.newBuilder().setPipelineName("ttp").build())
                .getRunId();
        stub.updatePipelineRun(
            UpdatePipelineRunRequest.newBuilder()
                .setRunId(running)
                .setStatus(RunStatus.RUN_STATUS_RUNNING)
                .build());
      } finally {
        ch.shutdownNow();
      }

      CliRunner list = CliRunner.run("pipelines", "list", "--control-plane-port", port);
      assertThat(list.out().lines().toList().get(0)).isEqualTo("NAME  LAST RUN  STATUS   RUNS");
      assertThat(list.out())
          .contains("ttp   ")
          .contains("  2\n")
          .endsWith("\n1 pipeline(s) found\n");

      CliRunner runs = CliRunner.run("pipelines", "runs", "ttp", "--control-plane-port", port);
      assertThat(runs.out())
          .startsWith("RUN ID    STATUS   STARTED  DURATION  EVENTS\n")
          .contains(failed.substring(0, 8) + "  failed")
          .contains("1.5k")
          .endsWith("Showing last 2 run(s). Use --limit to see more.\n");

      CliRunner info =
          CliRunner.run(
              "pipelines", "run-info", failed.substring(0, 8), "--control-plane-port", port);
      assertThat(info.status()).as(info.err()).isEqualTo(ExitCodes.OK);
      assertThat(info.out())
          .startsWith("Run ID:        " + failed + "\nPipeline:      ttp\nStatus:        failed\n")
          .contains("Events:        1.5k\n")
          .contains("Components:\n  - src\n  - totals\n")
          .contains("Refused:\n  - totals: 5 events, 'amount' changed type from int64 to utf8\n")
          .endsWith("Error: totals refused 5 events: 'amount' changed type from int64 to utf8\n");

      CliRunner active = CliRunner.run("pipelines", "active", "--control-plane-port", port);
      assertThat(active.out())
          .contains(running.substring(0, 8) + "  ttp")
          .endsWith("1 active pipeline run(s)\n");

      CliRunner stop =
          CliRunner.run("pipelines", "stop", running.substring(0, 8), "--control-plane-port", port);
      assertThat(stop.status()).as(stop.err()).isEqualTo(ExitCodes.OK);
      assertThat(stop.out())
          .isEqualTo(
              "Stopping pipeline run " + running + "...\n✓ Pipeline stopped (status: stopped)\n");

      CliRunner unknown =
          CliRunner.run("pipelines", "run-info", "zzz", "--control-plane-port", port);
      assertThat(unknown.status()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(unknown.err()).contains("pipeline run not found: zzz");
    }
  }

  @Test
  void anUnreachableControlPlane_isNamedByItsAddress() {
    CliRunner r = CliRunner.run("pipelines", "list", "--control-plane-port", "1");
    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("127.0.0.1:1");
  }
}
