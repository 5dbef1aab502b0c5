package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
  static final Path EXAMPLES = Path.of("..", "examples");

  @TempDir Path dir;

  @Test
  void theExamplePipelineRunsToCompletion_throughTheYamlAndTheRunner() throws Exception {
    Files.createDirectories(dir.resolve("pipelines"));
    Files.createDirectories(dir.resolve("schemas"));
    for (String s : new String[] {"ttp_events_v1.arrow", "asset_totals_v1.arrow"}) {
      Files.copy(EXAMPLES.resolve("schemas").resolve(s), dir.resolve("schemas").resolve(s));
    }
    Path yaml = dir.resolve("pipelines/small.yaml");
    Files.writeString(
        yaml,
        Files.readString(EXAMPLES.resolve("pipelines/ttp-arrow.yaml"))
            .replace("TTP_BATCHES: \"100\"", "TTP_BATCHES: \"5\"")
            .replace("TTP_ROWS: \"10000\"", "TTP_ROWS: \"1000\""));

    // Upstream's flags put the embedded control plane where its own commands look.
    int port = ComponentProcess.freePort();
    CliRunner r =
        CliRunner.run(
            "run",
            yaml.toString(),
            "--data",
            dir.resolve("data").toString(),
            "--control-plane-address",
            "127.0.0.1",
            "--control-plane-port",
            Integer.toString(port));

    assertThat(r.status()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("control plane on 127.0.0.1:" + port)
        .contains("started ttp-source -> ttp-asset-totals -> ttp-sink")
        .contains("RUN_STATUS_COMPLETED")
        .contains("ttp-sink.parquet");
    byte[] parquet = Files.readAllBytes(dir.resolve("data/ttp-sink.parquet"));
    assertThat(new String(parquet, 0, 4, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("PAR1");
    CliRunner inspect =
        CliRunner.run("inspect", dir.resolve("data/ttp-sink.parquet").toString(), "--json");
    assertThat(inspect.out()).contains("\"format\" : \"parquet\"").contains("total_amount");
  }

  @Test
  void aProcessorServingTlsIsReachedWithTheRunsCa() throws Exception {
    Files.createDirectories(dir.resolve("pipelines"));
    Files.createDirectories(dir.resolve("schemas"));
    for (String s : new String[] {"ttp_events_v1.arrow", "asset_totals_v1.arrow"}) {
      Files.copy(EXAMPLES.resolve("schemas").resolve(s), dir.resolve("schemas").resolve(s));
    }
    var cert = io.flowctl.testing.TestCertificates.create(dir, "localhost");
    Path yaml = dir.resolve("pipelines/tls.yaml");
    Files.writeString(
        yaml,
        Files.readString(EXAMPLES.resolve("pipelines/ttp-arrow.yaml"))
            .replace("TTP_BATCHES: \"100\"", "TTP_BATCHES: \"3\"")
            .replace("TTP_ROWS: \"10000\"", "TTP_ROWS: \"1000\"")
            .replace(
                "      command: [\"example:asset-totals\"]\n",
                "      command: [\"example:asset-totals\"]\n"
                    + "      env:\n"
                    + "        FLOWCTL_TLS_CERT: \""
                    + cert.certificate()
                    + "\"\n"
                    + "        FLOWCTL_TLS_KEY: \""
                    + cert.privateKey()
                    + "\"\n"));

    // the processor's data plane serves TLS and says so; the runner trusts its CA
    CliRunner r =
        CliRunner.run(
            "run",
            yaml.toString(),
            "--data",
            dir.resolve("data").toString(),
            "--data-plane-ca",
            cert.certificate().toString());
    assertThat(r.status()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("RUN_STATUS_COMPLETED");

    // without the CA the run cannot reach it, and says so instead of sending in plaintext
    CliRunner refused =
        CliRunner.run("run", yaml.toString(), "--data", dir.resolve("data2").toString());
    assertThat(refused.status()).isNotZero();
    assertThat(refused.out() + refused.err())
        .contains("RUN_STATUS_FAILED")
        .contains("the stream from 'ttp-asset-totals' failed")
        .contains("Ssl"); // the handshake, not a plaintext call
  }

  @Test
  void anInvalidPipelineIsNotStarted() throws Exception {
    Path yaml = Files.writeString(dir.resolve("bad.yaml"), "apiVersion: flowctl/v2\n");
    CliRunner r = CliRunner.run("run", yaml.toString(), "--data", dir.resolve("data").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(r.out()).contains("bad.yaml:1:");
  }

  @Test
  void aControlPlanePortInUse_isOneLineNamingTheAddress() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Path yaml =
          Files.writeString(
              dir.resolve("p.yaml"),
              "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata:\n  name: p\nspec:\n"
                  + "  sources:\n    - id: s\n      command: [\"true\"]\n");
      CliRunner r =
          CliRunner.run(
              "run",
              yaml.toString(),
              "--data",
              dir.resolve("data").toString(),
              "--control-plane-port",
              Integer.toString(taken.getLocalPort()));

      assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(r.err())
          .contains("cannot start the embedded control plane on 127.0.0.1:" + taken.getLocalPort());
    }
  }
}
