package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.cli.ExitCodes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void theDemoRunsAndPrintsItsSummary() {
    CliRunner r =
        CliRunner.run("demo", "--batches", "4", "--rows", "1000", "--data", dir.toString());

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("4/4 batches through the pipeline")
        .contains("services        ttp-asset-totals, ttp-sink, ttp-source")
        .contains("rows            4,000")
        .contains("run             completed, started ttp-source -> ttp-asset-totals -> ttp-sink")
        .contains("input schema    sha256:")
        .contains("(Parquet, zstd)");
    assertThat(Files.exists(dir.resolve("ttp-sink.parquet"))).isTrue();
  }

  @Test
  void badSizesAreBadInput() {
    CliRunner r = CliRunner.run("demo", "--batches", "0", "--data", dir.toString());
    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
  }
}
