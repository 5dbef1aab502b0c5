package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.cli.ExitCodes;
import io.flowctl.examples.TtpEvents;
import io.flowctl.ipc.ArrowIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schema safety at run time, under {@code flowctl run}: a Go-style Arrow source written in Node
 * (Arrow JS, no schema registration, as the plan's Go source behaves) drifts, and the Java totals
 * processor, which declares the TTP schema it reads, either reads it by name with the same results
 * or refuses it loudly: counted, named in the run's output with the column and the count, the run
 * FAILED and exit 1. A drift the pipeline file declares is refused before any event flows.
 */
class SchemaDriftRunTest {
  static final int ROWS = 1_000;
  static final int BATCHES = 5;

  @TempDir Path dir;

  private CliRunner run(String drift, String sourceConfig) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String yaml =
        """
        apiVersion: flowctl/v1
        kind: Pipeline
        metadata:
          name: drift-%11$s
        spec:
          sources:
            - id: node-source
              command: ["node", "%1$s/go-style-component.mjs", "arrow-source"]
              env:
                PORT: ":%2$d"
                ROWS: "%3$d"
                BATCHES: "%12$d"
                DRIFT: "%11$s"
                FLOWCTL_PROTO_DIR: "%4$s"
        %13$s
          processors:
            - id: java-totals
              command: ["%5$s", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m", "-cp", "%6$s", "io.flowctl.cli.Main", "component", "asset-totals"]
              inputs: [node-source]
              env:
                PORT: ":%7$d"
                HEALTH_PORT: "%8$d"
                ARROW_COMPRESSION: "none"
          sinks:
            - id: node-sink
              command: ["node", "%1$s/go-style-component.mjs", "consumer"]
              inputs: [java-totals]
              env:
                PORT: ":%9$d"
                REPORT: "%10$s"
                FLOWCTL_PROTO_DIR: "%4$s"
        """
            .formatted(
                GoStyleComponentsRunTest.NODE,
                ComponentProcess.freePort(),
                ROWS,
                GoStyleComponentsRunTest.PROTOS,
                java,
                System.getProperty("java.class.path"),
                ComponentProcess.freePort(),
                ComponentProcess.freePort(),
                ComponentProcess.freePort(),
                dir.resolve("report-" + drift + ".json"),
                drift,
                BATCHES,
                sourceConfig);
    Path file = Files.writeString(dir.resolve("drift-" + drift + ".yaml"), yaml);
    return CliRunner.run("run", file.toString(), "--data", dir.resolve("data-" + drift).toString());
  }

  private Map<String, List<String>> totals(String drift) throws Exception {
    JsonNode got = new ObjectMapper().readTree(dir.resolve("report-" + drift + ".json").toFile());
    assertThat(got.get("failed").asInt()).isZero();
    Map<String, List<String>> out = new TreeMap<>();
    got.get("totals")
        .fields()
        .forEachRemaining(
            e ->
                out.put(
                    e.getKey(),
                    new ArrayList<>(
                        List.of(e.getValue().get(0).asText(), e.getValue().get(1).asText()))));
    return out;
  }

  @Test
  void aCompatibleDrift_flowsWithTheSameResults() throws Exception {
    CliRunner plain = run("none", "");
    assertThat(plain.status()).as(plain.out() + plain.err()).isEqualTo(ExitCodes.OK);
    CliRunner added = run("added", ""); // one nullable column more: read by name, dropped
    assertThat(added.status()).as(added.out() + added.err()).isEqualTo(ExitCodes.OK);

    assertThat(added.out()).contains("RUN_STATUS_COMPLETED").doesNotContain("refused");
    assertThat(totals("added")).isNotEmpty().isEqualTo(totals("none"));
  }

  @Test
  void anIncompatibleDrift_failsLoudly_namingTheComponentTheColumnAndTheCount() throws Exception {
    CliRunner r = run("retyped", "");
    System.out.println("incompatible drift:\n" + r.out() + r.err());

    assertThat(r.status()).as(r.out() + r.err()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(r.out())
        .contains(
            "java-totals refused " + BATCHES + " events: 'amount' changed type from int64 to utf8")
        .contains("RUN_STATUS_FAILED");
    assertThat(r.err()).contains("the run failed").contains("java-totals refused");
  }

  @Test
  void anIncompatibleDeclaredSchema_stopsTheRunBeforeDataFlows() throws Exception {
    // The source's pipeline entry declares what it writes: amount as utf8.
    List<Field> fields = new ArrayList<>();
    for (Field f : TtpEvents.SCHEMA.getFields()) {
      fields.add(
          f.getName().equals("amount") ? Field.notNullable("amount", ArrowType.Utf8.INSTANCE) : f);
    }
    Path schema = dir.resolve("ttp-utf8-amount.arrow");
    Files.write(schema, ArrowIpc.schemaStream(new Schema(fields)));
    String config =
        """
              config:
                output_schemas:
                  - event_type: %s
                    schema_file: %s
        """
            .formatted(TtpEvents.EVENT_TYPE, schema);

    CliRunner r = run("none", config.stripTrailing());
    System.out.println("declared incompatible schema:\n" + r.out() + r.err());

    assertThat(r.status()).as(r.out() + r.err()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(r.out() + r.err())
        .contains("'java-totals' cannot read '" + TtpEvents.EVENT_TYPE + "' from 'node-source'")
        .contains("'amount' changed type from int64 to utf8");
    // Refused before the first event: no "moved" line, and the sink never got a stream.
    assertThat(r.out()).doesNotContain("moved ");
    assertThat(dir.resolve("report-none.json")).doesNotExist();
  }
}
