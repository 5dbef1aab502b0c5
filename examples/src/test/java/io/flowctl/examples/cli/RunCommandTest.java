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

    CliRunner r = CliRunner.run("run", yaml.toString(), "--data", dir.resolve("data").toString());

    assertThat(r.status()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
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
  void anInvalidPipelineIsNotStarted() throws Exception {
    Path yaml = Files.writeString(dir.resolve("bad.yaml"), "apiVersion: flowctl/v2\n");
    CliRunner r = CliRunner.run("run", yaml.toString(), "--data", dir.resolve("data").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(r.out()).contains("bad.yaml:1:");
  }
}
