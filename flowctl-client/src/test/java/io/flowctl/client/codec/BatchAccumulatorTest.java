package io.flowctl.client.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.proto.Event;
import io.flowctl.testing.BatchData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchAccumulatorTest {
  static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("ledger", new ArrowType.Int(64, true)),
              Field.nullable("asset", ArrowType.Utf8.INSTANCE)));

  private BufferAllocator allocator;
  private final List<Event> shipped = new ArrayList<>();
  private final AtomicLong now = new AtomicLong();

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  private BatchAccumulator.Builder builder() {
    return BatchAccumulator.builder(SCHEMA, allocator, ArrowEventCodec.defaults(), shipped::add)
        .nanoClock(now::get);
  }

  @Test
  void shipsEveryBatchSizeRows_andTheRestOnClose_withEveryValue() {
    BatchData data = rows(25);
    try (BatchAccumulator acc = builder().batchSize(10).build();
        BatchData.Written w = data.write(allocator)) {
      acc.append(w.root());
      assertThat(shipped).hasSize(2);
      assertThat(acc.pendingRows()).isEqualTo(5);
    }
    assertThat(shipped)
        .extracting(e -> e.getArrowMetadata().getNumRows())
        .containsExactly(10L, 10L, 5L);
    List<List<Object>> all = new ArrayList<>();
    for (Event e : shipped) {
      all.addAll(decode(e).rows());
    }
    assertThat(all).isEqualTo(data.rows());
  }

  @Test
  void rowsWrittenInPlace_areShipped() {
    try (BatchAccumulator acc = builder().batchSize(3).build()) {
      for (long i = 0; i < 3; i++) {
        long ledger = i;
        acc.appendRow(
            (root, row) -> {
              ((BigIntVector) root.getVector("ledger")).setSafe(row, ledger);
              ((VarCharVector) root.getVector("asset")).setSafe(row, ("a" + ledger).getBytes());
            });
      }
    }
    assertThat(shipped).hasSize(1);
    assertThat(decode(shipped.get(0)).rows())
        .containsExactly(List.of(0L, "a0"), List.of(1L, "a1"), List.of(2L, "a2"));
  }

  @Test
  void aByteBudget_flushesBeforeTheRowCount() {
    try (BatchAccumulator acc = builder().batchSize(1_000_000).maxBytes(4096).build();
        BatchData.Written w = rows(2000).write(allocator)) {
      acc.append(w.root());
      assertThat(acc.flushedEvents()).isPositive();
    }
    assertThat(shipped.stream().mapToLong(e -> e.getArrowMetadata().getNumRows()).sum())
        .isEqualTo(2000);
    assertThat(shipped)
        .allSatisfy(e -> assertThat(e.getArrowMetadata().getNumRows()).isLessThan(2000));
  }

  @Test
  void theOldestRowWaitsAtMostTheFlushTimeout() {
    try (BatchAccumulator acc = builder().flushTimeout(Duration.ofMillis(500)).build();
        BatchData.Written w = rows(1).write(allocator)) {
      now.set(1_000_000_000L);
      acc.append(w.root());
      now.addAndGet(499_000_000L);
      assertThat(acc.flushIfDue()).isFalse();
      now.addAndGet(1_000_000L);
      assertThat(acc.flushIfDue()).isTrue();
      assertThat(acc.flushIfDue()).isFalse();
    }
    assertThat(shipped).hasSize(1);
  }

  @Test
  void aBatchOfAnotherSchema_isRefused() {
    Schema other = new Schema(List.of(Field.nullable("x", ArrowType.Utf8.INSTANCE)));
    try (BatchAccumulator acc = builder().build();
        BatchData.Written w = new BatchData(other, List.of()).write(allocator)) {
      assertThatThrownBy(() -> acc.append(w.root()))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("schema");
    }
  }

  private static BatchData rows(int n) {
    List<List<Object>> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(Arrays.asList((long) i, i % 4 == 0 ? null : "asset" + (i % 3)));
    }
    return new BatchData(SCHEMA, rows);
  }

  private BatchData decode(Event e) {
    try (ArrowEventReader in = ArrowEventCodec.defaults().decode(e, allocator)) {
      assertThat(in.loadNextBatch()).isTrue();
      BatchData out = BatchData.read(in.root(), in.dictionaries());
      assertThat(in.loadNextBatch()).isFalse();
      return out;
    }
  }
}
