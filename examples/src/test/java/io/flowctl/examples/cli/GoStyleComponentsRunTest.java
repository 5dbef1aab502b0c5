package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline that mixes Go-style components with a Java one, run by {@code flowctl run}: a source
 * and a consumer written in Node with {@code @grpc/grpc-js} against the raw flowctl.v1 messages
 * (they register as Go components do, with ":PORT" endpoints and UNKNOWN heartbeats), around the
 * Java {@code asset-totals} processor as a process of its own. The runner moves the data the way
 * upstream's does; the Node consumer decodes the Java processor's Arrow IPC with Arrow JS, and its
 * totals are exactly those of the rows the Node source sent.
 */
class GoStyleComponentsRunTest {
  static final Path NODE = Path.of("src", "test", "node").toAbsolutePath();
  static final Path PROTOS =
      Path.of("..", "flowctl-proto", "src", "main", "proto").toAbsolutePath().normalize();
  static final int ROWS = 1_000;

  @TempDir Path dir;

  @Test
  void nodeSourceAndConsumer_aroundAJavaProcessor_everyEventAccountedFor() throws Exception {
    assertThat(NODE.resolve("node_modules/@grpc/grpc-js"))
        .as("Node packages: bin/test runs npm ci in " + NODE)
        .exists();
    Path report = dir.resolve("report.json");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String yaml =
        """
        apiVersion: flowctl/v1
        kind: Pipeline
        metadata:
          name: go-style-mix
        spec:
          sources:
            - id: node-source
              type: go-style-source@v0.1.0
              env:
                PORT: ":%2$d"
                ROWS: "%3$d"
                FLOWCTL_PROTO_DIR: "%4$s"
          processors:
            - id: java-totals
              command: ["%5$s", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m", "-cp", "%6$s", "io.flowctl.cli.Main", "component", "asset-totals"]
              inputs: [node-source]
              env:
                PORT: ":%7$d"
                HEALTH_PORT: "%8$d"
                BATCH_SIZE: "100"
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
                NODE,
                ComponentProcessesTest.freePort(),
                ROWS,
                PROTOS,
                java,
                System.getProperty("java.class.path"),
                ComponentProcessesTest.freePort(),
                ComponentProcessesTest.freePort(),
                ComponentProcessesTest.freePort(),
                report);
    Path file = Files.writeString(dir.resolve("mix.yaml"), yaml);
    // The source is a type reference, as upstream's registry components are: a catalog resolves it.
    Path catalog =
        Files.writeString(
            dir.resolve("components.yaml"),
            "go-style-source@v0.1.0: [\"node\", \""
                + NODE
                + "/go-style-component.mjs\", \"source\"]\n");

    CliRunner r =
        CliRunner.run(
            "run",
            file.toString(),
            "--data",
            dir.resolve("data").toString(),
            "--components",
            catalog.toString());

    assertThat(r.status()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("RUN_STATUS_COMPLETED");
    JsonNode got = new ObjectMapper().readTree(Files.readString(report));
    assertThat(got.get("failed").asInt()).isZero();
    // Every row of the Node source reached the Java processor, and every total the Node sink.
    Map<String, List<String>> totals = new TreeMap<>();
    got.get("totals")
        .fields()
        .forEachRemaining(
            e ->
                totals.put(
                    e.getKey(),
                    List.of(e.getValue().get(0).asText(), e.getValue().get(1).asText())));
    assertThat(totals).isEqualTo(expected());
    assertThat(got.get("events").asInt()).isEqualTo(ROWS / 100);
    // The processor kept the source's component id on what it made of its events.
    assertThat(got.get("sources")).extracting(JsonNode::asText).containsExactly("node-source");
    assertThat(got.get("contentTypes"))
        .extracting(JsonNode::asText)
        .containsExactly("application/vnd.apache.arrow.stream");
    assertThat(r.out()).contains("moved " + ROWS + " events");
  }

  /** The totals of the Node source's rows: transfers of 1e9 + 1000 i, assets in turn. */
  static Map<String, List<String>> expected() {
    String[] assets = {"XLM", "USDC", "EURC"};
    Map<String, long[]> t = new TreeMap<>();
    for (int i = 0; i < ROWS; i++) {
      if (i % 5 == 4) {
        continue; // a mint, not a transfer
      }
      long[] a = t.computeIfAbsent(assets[i % 3], k -> new long[2]);
      a[0]++;
      a[1] += 1_000_000_000L + i * 1000L;
    }
    Map<String, List<String>> out = new TreeMap<>();
    t.forEach(
        (k, v) -> out.put(k, new ArrayList<>(List.of(Long.toString(v[0]), Long.toString(v[1])))));
    return out;
  }
}
