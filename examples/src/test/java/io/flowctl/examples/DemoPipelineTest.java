package io.flowctl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.parquet.ParquetEventReader;
import io.flowctl.proto.Event;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.PipelineParser;
import io.flowctl.server.pipeline.PipelineRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPipelineTest {
  @TempDir Path dir;

  private BufferAllocator allocator;

  @BeforeEach
  void open() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void close() {
    allocator.close();
  }

  @Test
  void theDemoRunsThroughTheYamlAndTheRunner_andItsParquetOutputHoldsThePerAssetTotals()
      throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    DemoPipeline.Summary s = DemoPipeline.run(dir, 12, 2_000, new PrintStream(log, true));

    assertThat(s.arrow()).isTrue();
    assertThat(s.sourceEvents()).isEqualTo(12);
    assertThat(s.sourceRows()).isEqualTo(24_000);
    assertThat(s.payloadBytes()).isPositive();
    assertThat(s.compressionRatio()).isGreaterThan(1.0);
    assertThat(s.startOrder()).containsExactly("ttp-source", "ttp-asset-totals", "ttp-sink");
    assertThat(s.runStatus()).isEqualTo("completed");
    assertThat(s.services()).containsExactly("ttp-asset-totals", "ttp-sink", "ttp-source");
    assertThat(s.inputFingerprint()).startsWith("sha256:");
    assertThat(s.outputFingerprint()).startsWith("sha256:").isNotEqualTo(s.inputFingerprint());
    assertThat(log.toString()).contains("12/12 batches").contains("ttp-arrow.yaml): valid");

    Map<String, long[]> totals = totalsArrays(s.output());
    assertThat(rows(s.output())).isEqualTo(s.outputRows()).isPositive();
    long transfers = totals.values().stream().mapToLong(t -> t[0]).sum();
    assertThat(transfers).isPositive().isLessThan(24_000);
  }

  /**
   * The rollback switch: with Arrow off every component sends protobuf rows, and the Parquet output
   * holds the same totals as with Arrow on.
   */
  @Test
  void withArrowOff_theSameTotalsArriveAsProtobufRows() throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true);
    DemoPipeline.Summary on = DemoPipeline.run(dir.resolve("on"), 3, 1_000, true, quiet);
    DemoPipeline.Summary off = DemoPipeline.run(dir.resolve("off"), 3, 1_000, false, quiet);

    assertThat(off.arrow()).isFalse();
    assertThat(off.sourceEvents()).isEqualTo(3_000); // one event per row
    assertThat(off.sourceRows()).isEqualTo(on.sourceRows());
    assertThat(off.runStatus()).isEqualTo("completed");
    assertThat(totals(off.output())).isNotEmpty().isEqualTo(totals(on.output()));
  }

  /**
   * Hybrid support: a protobuf source feeding the Arrow processor and sink (the processor converts
   * rows to Arrow batches at its input) gives the same totals as the all-Arrow pipeline.
   */
  @Test
  void aProtobufSourceFeedsTheArrowProcessor_inOnePipeline() throws Exception {
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true);
    DemoPipeline.Summary arrow = DemoPipeline.run(dir.resolve("arrow"), 2, 1_000, true, quiet);

    Path yaml = DemoPipeline.unpack(dir.resolve("hybrid"));
    String text =
        Files.readString(yaml)
            .replace("TTP_BATCHES: \"100\"", "TTP_BATCHES: \"2\"")
            .replace("TTP_ROWS: \"10000\"", "TTP_ROWS: \"1000\"")
            .replace(
                "        arrow:\n          format: ipc\n",
                "        arrow:\n          enabled: false\n          format: ipc\n")
            .replace(
                "          conversion_mode: native\n",
                "          conversion_mode: native\n          batch_size: 1000\n");
    Files.writeString(yaml, text);
    PipelineParser.Result parsed = PipelineParser.parse(yaml);
    assertThat(parsed.problems()).isEmpty();
    Pipeline pipeline = parsed.pipeline().orElseThrow();
    assertThat(pipeline.components().get(0).arrow().enabled()).isFalse();

    ExampleLauncher examples = new ExampleLauncher(allocator, dir.resolve("hybrid-data"));
    try (FlowctlServer cp =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("sqlite:" + dir.resolve("hybrid.db"))
            .start()) {
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              cp.runs(),
              examples,
              "127.0.0.1:" + cp.port(),
              Duration.ofSeconds(30),
              Duration.ofMillis(500));
      Map<String, String> formats = new HashMap<>();
      try (PipelineRunner.Running running = runner.start(pipeline)) {
        cp.services()
            .list()
            .forEach(s -> formats.put(s.serviceId(), s.info().getMetadataMap().get("data_format")));
        running.completion().get(2, java.util.concurrent.TimeUnit.MINUTES);
        assertThat(cp.runs().get(running.runId()).getStatus())
            .isEqualTo(io.flowctl.proto.RunStatus.RUN_STATUS_COMPLETED);
      }
      assertThat(formats)
          .containsEntry("ttp-source", "protobuf")
          .containsEntry("ttp-asset-totals", "arrow")
          .containsEntry("ttp-sink", "arrow");
    }
    assertThat(examples.stats().sourceEvents()).isEqualTo(2_000);
    assertThat(totals(examples.stats().outputs().get("ttp-sink")))
        .isNotEmpty()
        .isEqualTo(totals(arrow.output()));
  }

  /** Transfers and amount per asset, summed over every output row. */
  private Map<String, long[]> totalsArrays(Path parquet) throws Exception {
    ParquetEventCodec codec = ParquetEventCodec.defaults();
    Event e = codec.wrap(ByteString.copyFrom(Files.readAllBytes(parquet)));
    Map<String, long[]> out = new TreeMap<>();
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      assertThat(in.schema()).isEqualTo(AssetTotals.SCHEMA);
      while (in.loadNextBatch()) {
        VarCharVector asset = (VarCharVector) in.root().getVector("asset_code");
        BigIntVector transfers = (BigIntVector) in.root().getVector("transfers");
        BigIntVector amount = (BigIntVector) in.root().getVector("total_amount");
        for (int i = 0; i < in.root().getRowCount(); i++) {
          long[] t = out.computeIfAbsent(asset.getObject(i).toString(), k -> new long[2]);
          t[0] += transfers.get(i);
          t[1] += amount.get(i);
        }
      }
    }
    return out;
  }

  private Map<String, String> totals(Path parquet) throws Exception {
    Map<String, String> out = new TreeMap<>();
    totalsArrays(parquet).forEach((k, v) -> out.put(k, v[0] + "/" + v[1]));
    return out;
  }

  private long rows(Path parquet) throws Exception {
    ParquetEventCodec codec = ParquetEventCodec.defaults();
    Event e = codec.wrap(ByteString.copyFrom(Files.readAllBytes(parquet)));
    return e.getArrowMetadata().getNumRows();
  }
}
