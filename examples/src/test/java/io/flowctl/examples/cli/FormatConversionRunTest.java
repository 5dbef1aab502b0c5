package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan's pipeline YAML as written: a Go-style source (Node, protobufjs) sends real flow-proto
 * TokenTransferEvents, a {@code format_conversion} processor configured only by the plan's settings
 * ({@code config.arrow.input_format/output_format/conversion_mode}, {@code config.schema_mapping},
 * {@code config.descriptor_set} beside the pipeline file) turns them into Arrow batches of the
 * pipeline's batch size, and a Node consumer reads them with Arrow JS. {@code flowctl run} drives
 * it to completion.
 */
class FormatConversionRunTest {
  @TempDir Path dir;

  @Test
  void thePlansFormatConversionYaml_runsAsWritten() throws Exception {
    Path node = GoStyleComponentsRunTest.NODE;
    try (var in = getClass().getResourceAsStream("/io/flowctl/testing/flowproto/flow-proto.pb")) {
      Files.copy(in, dir.resolve("flow-proto.pb"));
    }
    Path report = dir.resolve("report.json");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String yaml =
        """
        apiVersion: flowctl/v1
        kind: Pipeline
        metadata:
          name: token-transfers-to-arrow
        spec:
          sources:
            - id: token-transfers
              command: ["node", "%1$s/go-style-component.mjs", "flow-proto-source"]
              env:
                PORT: ":%2$d"
                ROWS: "2500"
                FLOWCTL_PROTO_DIR: "%3$s"
                FLOW_PROTO_DIR: "%4$s"
          processors:
            - id: to-arrow
              command: ["%5$s", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m", "-cp", "%6$s", "io.flowctl.cli.Main", "component", "proto-to-arrow"]
              inputs: [token-transfers]
              env:
                PORT: ":%7$d"
                HEALTH_PORT: "%8$d"
              config:
                arrow:
                  input_format: protobuf
                  output_format: arrow_ipc
                  conversion_mode: native
                  batch_size: 1000
                  compression: none
                performance:
                  batch_accumulation_timeout: 30s
                schema_mapping:
                  "token_transfer.TokenTransferEvent": "arrow_data.TokenTransferBatch"
                descriptor_set: flow-proto.pb
          sinks:
            - id: counter
              command: ["node", "%1$s/go-style-component.mjs", "arrow-counter"]
              inputs: [to-arrow]
              env:
                PORT: ":%9$d"
                REPORT: "%10$s"
                INPUT_TYPES: arrow_data.TokenTransferBatch
                FLOWCTL_PROTO_DIR: "%3$s"
        """
            .formatted(
                node,
                ComponentProcessesTest.freePort(),
                GoStyleComponentsRunTest.PROTOS,
                ProtoConversionInteropTest.FLOW_PROTO,
                java,
                System.getProperty("java.class.path"),
                ComponentProcessesTest.freePort(),
                ComponentProcessesTest.freePort(),
                ComponentProcessesTest.freePort(),
                report);
    Path file = Files.writeString(dir.resolve("pipeline.yaml"), yaml);

    CliRunner r = CliRunner.run("run", file.toString(), "--data", dir.resolve("data").toString());

    assertThat(r.status()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("moved 2500 events").contains("RUN_STATUS_COMPLETED");
    JsonNode got = new ObjectMapper().readTree(Files.readString(report));
    assertThat(got.get("failed").asInt()).isZero();
    assertThat(got.get("events").asInt()).isEqualTo(3); // 1,000 + 1,000 + 500 rows
    assertThat(got.get("rows").get("arrow_data.TokenTransferBatch").asInt()).isEqualTo(2500);
    JsonNode first = got.get("first");
    assertThat(first.get("meta").get("ledger_sequence").asInt()).isEqualTo(1000);
    assertThat(first.get("meta").get("tx_hash").asText()).isEqualTo("tx0");
    assertThat(first.get("transfer").get("amount").asText()).isEqualTo("1000000000");
    assertThat(first.get("transfer").get("asset").get("native").asBoolean()).isTrue();
    assertThat(first.get("mint").isNull()).isTrue();
  }
}
