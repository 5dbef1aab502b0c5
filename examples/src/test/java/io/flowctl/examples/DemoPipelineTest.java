package io.flowctl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPipelineTest {
  @TempDir Path dir;

  @Test
  void theDemoRunsEndToEnd_andItsOutputHoldsThePerAssetTotals() throws Exception {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    DemoPipeline.Summary s = DemoPipeline.run(dir, 12, 2_000, new PrintStream(log, true));

    assertThat(s.sourceBatches()).isEqualTo(12);
    assertThat(s.sourceRows()).isEqualTo(24_000);
    assertThat(s.payloadBytes()).isPositive();
    assertThat(s.compressionRatio()).isGreaterThan(1.0);
    assertThat(s.services()).containsExactly("ttp-asset-totals", "ttp-sink", "ttp-source");
    assertThat(s.inputFingerprint()).startsWith("sha256:");
    assertThat(s.outputFingerprint()).startsWith("sha256:").isNotEqualTo(s.inputFingerprint());
    assertThat(log.toString()).contains("12/12 batches");

    long rows = 0;
    long transfers = 0;
    try (RootAllocator a = new RootAllocator();
        InputStream in = Files.newInputStream(s.output());
        ArrowStreamReader r = new ArrowStreamReader(in, a)) {
      assertThat(r.getVectorSchemaRoot().getSchema()).isEqualTo(AssetTotals.SCHEMA);
      while (r.loadNextBatch()) {
        rows += r.getVectorSchemaRoot().getRowCount();
        BigIntVector t = (BigIntVector) r.getVectorSchemaRoot().getVector("transfers");
        for (int i = 0; i < t.getValueCount(); i++) {
          transfers += t.get(i);
        }
      }
    }
    assertThat(rows).isEqualTo(s.outputRows()).isPositive();
    assertThat(transfers).isPositive().isLessThan(24_000);
  }
}
