package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flowctl.proto.ComponentMetrics;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunMetrics;
import io.flowctl.proto.RunStatus;
import org.junit.jupiter.api.Test;

/** {@code flowctl runs --json} shows what each component of a run refused. */
class RunsRefusalsTest {
  @Test
  void aRunsRefusalsArePrintedPerComponent() {
    PipelineRun run =
        PipelineRun.newBuilder()
            .setRunId("r1")
            .setPipelineName("p")
            .setStatus(RunStatus.RUN_STATUS_FAILED)
            .setError("totals refused 5 events: 'amount' changed type from int64 to utf8")
            .setMetrics(
                RunMetrics.newBuilder()
                    .putComponentMetrics(
                        "totals",
                        ComponentMetrics.newBuilder()
                            .setEventsFailed(5)
                            .setFailureReason("'amount' changed type from int64 to utf8")
                            .build())
                    .putComponentMetrics(
                        "sink", ComponentMetrics.newBuilder().setEventsIn(3).build()))
            .build();

    JsonNode n = RunsCommand.json(run);

    assertThat(n.get("status").asText()).isEqualTo("failed");
    assertThat(n.get("refused").size()).isEqualTo(1);
    assertThat(n.get("refused").get("totals").get("events").asLong()).isEqualTo(5);
    assertThat(n.get("refused").get("totals").get("reason").asText())
        .isEqualTo("'amount' changed type from int64 to utf8");
  }
}
