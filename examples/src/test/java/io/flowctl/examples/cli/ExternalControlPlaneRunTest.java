package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.cli.ExitCodes;
import io.flowctl.cli.Main;
import io.flowctl.proto.RunStatus;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.registry.ServiceState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flowctl run --use-external-control-plane}: a pipeline across two addresses sharing one
 * control plane. The Java totals processor is started first, on its own address (127.0.0.2, as a
 * second host would be), and registers with a control plane that is already serving; the run then
 * launches only the Node source and sink (on 127.0.0.1), drives the processor where it runs, and
 * records the run in that control plane's history. The processor's pipeline entry is a command that
 * fails, so launching it a second time would fail the run.
 */
class ExternalControlPlaneRunTest {
  @TempDir Path dir;

  @Test
  void componentRunningElsewhere_isDrivenWhereItIs_andTheRunIsRecordedOnTheSharedControlPlane()
      throws Exception {
    Path node = GoStyleComponentsRunTest.NODE;
    assertThat(node.resolve("node_modules/@grpc/grpc-js")).exists();
    Path report = dir.resolve("report.json");
    try (FlowctlServer cp =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("sqlite:" + dir.resolve("cp.db"))
            .start()) {
      int processorPort = ComponentProcessesTest.freePort();
      Process processor = startElsewhere(cp.port(), processorPort);
      try {
        ServiceState registered = awaitHealthy(cp, "java-totals", processor);
        assertThat(registered.info().getMetadataMap().values())
            .contains("127.0.0.2:" + processorPort);

        String yaml =
            """
            apiVersion: flowctl/v1
            kind: Pipeline
            metadata:
              name: two-hosts
            spec:
              sources:
                - id: node-source
                  command: ["node", "%1$s/go-style-component.mjs", "source"]
                  env:
                    PORT: ":%2$d"
                    ROWS: "%3$d"
                    FLOWCTL_PROTO_DIR: "%4$s"
              processors:
                - id: java-totals
                  command: ["false"]
                  inputs: [node-source]
              sinks:
                - id: node-sink
                  command: ["node", "%1$s/go-style-component.mjs", "consumer"]
                  inputs: [java-totals]
                  env:
                    PORT: ":%5$d"
                    REPORT: "%6$s"
                    FLOWCTL_PROTO_DIR: "%4$s"
            """
                .formatted(
                    node,
                    ComponentProcessesTest.freePort(),
                    GoStyleComponentsRunTest.ROWS,
                    GoStyleComponentsRunTest.PROTOS,
                    ComponentProcessesTest.freePort(),
                    report);
        Path file = Files.writeString(dir.resolve("two-hosts.yaml"), yaml);
        Path logs = dir.resolve("component-logs");

        CliRunner r =
            CliRunner.run(
                "run",
                file.toString(),
                "--data",
                dir.resolve("data").toString(),
                "--use-external-control-plane",
                "--control-plane-address",
                "127.0.0.1",
                "--control-plane-port",
                Integer.toString(cp.port()),
                "--log-dir",
                logs.toString(),
                "--show-status",
                "--status-interval",
                "200ms");

        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out())
            .contains("control plane on 127.0.0.1:" + cp.port() + " (external)")
            .contains("driven where they run: java-totals")
            .contains("RUN_STATUS_COMPLETED")
            .containsPattern("java-totals +HEALTHY +last seen")
            .contains("3/3 components healthy");
        // Every row crossed the second address and came back as totals.
        JsonNode got = new ObjectMapper().readTree(Files.readString(report));
        assertThat(got.get("failed").asInt()).isZero();
        Map<String, List<String>> totals = new TreeMap<>();
        got.get("totals")
            .fields()
            .forEachRemaining(
                e ->
                    totals.put(
                        e.getKey(),
                        List.of(e.getValue().get(0).asText(), e.getValue().get(1).asText())));
        assertThat(totals).isEqualTo(GoStyleComponentsRunTest.expected());
        // The shared control plane holds the run; the launched components logged to --log-dir.
        var runs = cp.runs().list("two-hosts", RunStatus.RUN_STATUS_UNKNOWN, 10);
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).getStatus()).isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
        assertThat(logs.resolve("node-source.log")).exists();
        assertThat(logs.resolve("node-sink.log")).exists();
        assertThat(logs.resolve("java-totals.log")).doesNotExist();
        // Started elsewhere, stopped elsewhere: the run left the processor running.
        assertThat(processor.isAlive()).isTrue();
      } finally {
        processor.destroy();
        processor.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void unreachableExternalControlPlane_isOneLineNamingIt() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("p.yaml"),
            """
            apiVersion: flowctl/v1
            kind: Pipeline
            metadata:
              name: nowhere
            spec:
              sources:
                - id: s
                  command: ["false"]
              sinks:
                - id: k
                  command: ["false"]
                  inputs: [s]
            """);
    int port = ComponentProcessesTest.freePort(); // nothing listens there
    CliRunner r =
        CliRunner.run(
            "run",
            file.toString(),
            "--data",
            dir.resolve("data").toString(),
            "--use-external-control-plane",
            "--control-plane-port",
            Integer.toString(port));
    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("127.0.0.1:" + port).doesNotContain("Exception");
  }

  /** The processor as another host would run it: its own address, the shared control plane. */
  private Process startElsewhere(int controlPlanePort, int port) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "component",
            "asset-totals");
    pb.environment()
        .putAll(
            Map.of(
                "ENABLE_FLOWCTL", "true",
                "FLOWCTL_ENDPOINT", "127.0.0.1:" + controlPlanePort,
                "FLOWCTL_COMPONENT_ID", "java-totals",
                "FLOWCTL_HEARTBEAT_INTERVAL", "500ms",
                "PORT", "127.0.0.2:" + port,
                "FLOWCTL_ADVERTISE_HOST", "127.0.0.2",
                "HEALTH_PORT", Integer.toString(ComponentProcessesTest.freePort()),
                "BATCH_SIZE", "100",
                "ARROW_COMPRESSION", "none"));
    return pb.redirectErrorStream(true)
        .redirectOutput(dir.resolve("java-totals-elsewhere.log").toFile())
        .start();
  }

  private ServiceState awaitHealthy(FlowctlServer cp, String id, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      var s = cp.services().status(id);
      if (s.isPresent() && s.get().healthy()) {
        return s.get();
      }
      assertThat(p.isAlive())
          .as(() -> "the processor runs: " + read(dir.resolve("java-totals-elsewhere.log")))
          .isTrue();
      assertThat(System.nanoTime()).as(id + " registers").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
