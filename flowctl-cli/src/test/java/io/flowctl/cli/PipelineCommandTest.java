package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineCommandTest {
  static final String PIPELINE =
      """
      apiVersion: flowctl/v1
      kind: Pipeline
      metadata:
        name: tiny
      spec:
        sources:
          - id: src
            command: ["true"]
        sinks:
          - id: sink
            command: ["true"]
            inputs: [src]
      """;

  @TempDir Path dir;

  @Test
  void aValidPipelinePrintsItsStartOrder() throws Exception {
    Path f = Files.writeString(dir.resolve("p.yaml"), PIPELINE);
    CliRunner r = CliRunner.run("pipeline", "validate", f.toString());

    assertThat(r.status()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("start order: src -> sink");
  }

  @Test
  void anInvalidPipelineListsEveryProblemWithItsPlace_andExitsOne() throws Exception {
    Path f =
        Files.writeString(
            dir.resolve("p.yaml"),
            PIPELINE
                .replace("inputs: [src]", "inputs: [nobody]")
                .replace("    command: [\"true\"]\n  sinks", "    comand: [\"true\"]\n  sinks"));
    CliRunner r = CliRunner.run("pipeline", "validate", f.toString());

    assertThat(r.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    assertThat(r.out()).contains("p.yaml:12:").contains("'nobody', which is not in the pipeline");
    assertThat(r.out()).contains("p.yaml:8:7: unknown key 'comand'");
  }

  @Test
  void aMissingFileIsUnreadable_exitTwo() {
    CliRunner r = CliRunner.run("pipeline", "validate", dir.resolve("none.yaml").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("no such file");
  }

  @Test
  void upstreamsValidateCommand_isTheSameCheck() throws Exception {
    Path good = Files.writeString(dir.resolve("p.yaml"), PIPELINE);
    Path bad = Files.writeString(dir.resolve("q.yaml"), PIPELINE.replace("[src]", "[nobody]"));
    for (Path f : java.util.List.of(good, bad)) {
      CliRunner ours = CliRunner.run("pipeline", "validate", f.toString());
      CliRunner upstreams = CliRunner.run("validate", f.toString());
      assertThat(upstreams.status()).isEqualTo(ours.status());
      assertThat(upstreams.out()).isEqualTo(ours.out());
    }
  }
}
