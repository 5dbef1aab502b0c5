package io.flowctl.client.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flowctl.proto.Event;
import io.flowctl.testing.BatchData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

class CodecMetricsTest {
  @Test
  void countsRowsBatchesNullsAndCompression_andRatesPerReportInterval() {
    AtomicLong clock = new AtomicLong();
    try (BufferAllocator allocator = new RootAllocator()) {
      CodecMetrics metrics = CodecMetrics.withClock(clock::get, allocator);
      ArrowEventCodec codec =
          ArrowEventCodec.builder().compression(Compression.ZSTD).metrics(metrics).build();
      List<List<Object>> rows = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        rows.add(Arrays.asList((long) (i % 10), i % 4 == 0 ? null : "same text every time"));
      }
      BatchData data = new BatchData(BatchAccumulatorTest.SCHEMA, rows);
      Event e;
      try (BatchData.Written w = data.write(allocator)) {
        e = codec.encode(w.root());
        codec.encode(w.root());
      }
      try (ArrowEventReader in = codec.decode(e, allocator)) {
        while (in.loadNextBatch()) {
          assertThat(in.root().getRowCount()).isEqualTo(1000);
        }
      }
      clock.set(2_000_000_000L);

      CodecMetrics.Report r = metrics.report();

      assertThat(r.encodedBatches()).isEqualTo(2);
      assertThat(r.encodedRows()).isEqualTo(2000);
      assertThat(r.decodedBatches()).isEqualTo(1);
      assertThat(r.decodedRows()).isEqualTo(1000);
      assertThat(r.rowsPerSecond()).isCloseTo(1500.0, within(0.001));
      assertThat(r.batchesPerSecond()).isCloseTo(1.5, within(0.001));
      assertThat(r.nullPercentage()).isCloseTo(12.5, within(0.001)); // 250 of 2000 cells
      assertThat(r.compressionRatio()).isGreaterThan(3.0);
      assertThat(r.meanSerialization()).isPositive();
      assertThat(r.meanDeserialization()).isPositive();

      clock.set(3_000_000_000L);
      CodecMetrics.Report idle = metrics.report();
      assertThat(idle.rowsPerSecond()).isZero();
      assertThat(idle.encodedRows()).isEqualTo(2000);
    }
  }
}
