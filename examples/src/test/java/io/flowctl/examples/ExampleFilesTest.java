package io.flowctl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.PipelineParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The example pipeline file and its schema files stay valid and match the example code. */
class ExampleFilesTest {
  static final Path EXAMPLES =
      Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "examples");

  @Test
  void theSchemaFilesAreTheExampleSchemas() throws Exception {
    assertThat(Files.readAllBytes(EXAMPLES.resolve("schemas/ttp_events_v1.arrow")))
        .isEqualTo(
            com.google.protobuf.ByteString.copyFrom(
                    io.flowctl.ipc.ArrowIpc.schemaStream(TtpEvents.SCHEMA))
                .toByteArray());
    assertThat(Files.readAllBytes(EXAMPLES.resolve("schemas/asset_totals_v1.arrow")))
        .isEqualTo(
            com.google.protobuf.ByteString.copyFrom(
                    io.flowctl.ipc.ArrowIpc.schemaStream(AssetTotals.SCHEMA))
                .toByteArray());
  }

  @Test
  void theExamplePipelineIsValid_andStartsSourceFirst() throws Exception {
    PipelineParser.Result r = PipelineParser.parse(EXAMPLES.resolve("pipelines/ttp-arrow.yaml"));

    assertThat(r.problems()).isEmpty();
    Pipeline p = r.pipeline().orElseThrow();
    assertThat(p.startOrder())
        .extracting(Pipeline.Component::id)
        .containsExactly("ttp-source", "ttp-asset-totals", "ttp-sink");
    assertThat(p.components().get(0).outputSchemas().get(TtpEvents.EVENT_TYPE))
        .isEqualTo(TtpEvents.SCHEMA);
  }

  /** Rewrites the schema files from the code: {@code main(examplesDir)}. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).resolve("schemas");
    Files.write(
        dir.resolve("ttp_events_v1.arrow"),
        com.google.protobuf.ByteString.copyFrom(
                io.flowctl.ipc.ArrowIpc.schemaStream(TtpEvents.SCHEMA))
            .toByteArray());
    Files.write(
        dir.resolve("asset_totals_v1.arrow"),
        com.google.protobuf.ByteString.copyFrom(
                io.flowctl.ipc.ArrowIpc.schemaStream(AssetTotals.SCHEMA))
            .toByteArray());
    System.out.println(Arrays.toString(Files.list(dir).toArray()));
  }
}
