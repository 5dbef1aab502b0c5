package io.flowctl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** Records become Arrow rows and come back as they were; the schema is the table's mapping. */
class RecordMappingProperties {
  record Leg(String asset, long amount) {}

  /** A realistic row: five columns, one a list, one optional, one a boxed nullable. */
  record Trade(
      String id,
      Instant at,
      List<Leg> legs,
      Optional<String> memo,
      Integer fee,
      boolean nativeAsset) {}

  @Provide
  Arbitrary<List<Trade>> trades() {
    Arbitrary<Leg> leg =
        Combinators.combine(Arbitraries.strings().ofMaxLength(12), Arbitraries.longs())
            .as(Leg::new);
    Arbitrary<Trade> trade =
        Combinators.combine(
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.longs()
                    .between(-62_135_596_800_000_000L, 253_402_300_799_999_999L)
                    .map(
                        us ->
                            Instant.ofEpochSecond(
                                Math.floorDiv(us, 1_000_000L),
                                Math.floorMod(us, 1_000_000L) * 1000L)),
                leg.list().ofMaxSize(4),
                Arbitraries.strings().ofMaxLength(8).optional(),
                Arbitraries.integers().injectNull(0.3),
                Arbitraries.of(true, false))
            .as(Trade::new);
    return trade.list().ofMaxSize(50);
  }

  @Property(tries = 200)
  void recordsBecomeArrowRows_andComeBackAsTheyWere(@ForAll("trades") List<Trade> rows) {
    RecordMapping<Trade> m = RecordMapping.of(Trade.class);
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      try (VectorSchemaRoot batch = m.toBatch(rows, allocator)) {
        assertThat(batch.getSchema()).isEqualTo(m.schema());
        assertThat(m.fromBatch(batch)).isEqualTo(rows);
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Example
  void theSchemaIsTheMapping() {
    Schema s = RecordMapping.of(Trade.class).schema();
    assertThat(s.getFields())
        .containsExactly(
            Field.notNullable("id", ArrowType.Utf8.INSTANCE),
            Field.notNullable("at", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
            new Field(
                "legs",
                org.apache.arrow.vector.types.pojo.FieldType.notNullable(ArrowType.List.INSTANCE),
                List.of(
                    new Field(
                        "item",
                        org.apache.arrow.vector.types.pojo.FieldType.notNullable(
                            ArrowType.Struct.INSTANCE),
                        List.of(
                            Field.notNullable("asset", ArrowType.Utf8.INSTANCE),
                            Field.notNullable("amount", new ArrowType.Int(64, true)))))),
            Field.nullable("memo", ArrowType.Utf8.INSTANCE),
            Field.nullable("fee", new ArrowType.Int(32, true)),
            Field.notNullable("nativeAsset", ArrowType.Bool.INSTANCE));
  }

  record Amount(long amount) {}

  record Wide(long amount, String unit) {}

  record Other(String amount) {}

  record Unmappable(java.util.Map<String, String> tags) {}

  record Node(String name, List<Node> children) {}

  @Example
  void readsByName_andRefusesWhatItCannotRead_namingTheColumn() {
    try (BufferAllocator allocator = new RootAllocator(64L << 20);
        VectorSchemaRoot wide =
            RecordMapping.of(Wide.class).toBatch(List.of(new Wide(7, "stroops")), allocator)) {
      // a writer that added a column reads into the narrower record
      assertThat(RecordMapping.of(Amount.class).fromBatch(wide)).containsExactly(new Amount(7));
      assertThatThrownBy(() -> RecordMapping.of(Other.class).fromBatch(wide))
          .isInstanceOf(FlowctlException.class)
          .hasMessageContaining("column 'amount'");
    }
    assertThatThrownBy(() -> RecordMapping.of(Unmappable.class))
        .isInstanceOf(FlowctlException.class)
        .hasMessageContaining("Unmappable.tags")
        .hasMessageContaining("has no Arrow mapping");
    assertThatThrownBy(() -> RecordMapping.of(Node.class))
        .isInstanceOf(FlowctlException.class)
        .hasMessageContaining("recursive");
  }

  @Example
  void aNullInANotNullColumn_isRefusedNamingIt() {
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      assertThatThrownBy(
              () ->
                  RecordMapping.of(Trade.class)
                      .toBatch(
                          List.of(
                              new Trade(
                                  null, Instant.EPOCH, List.of(), Optional.empty(), null, true)),
                          allocator))
          .isInstanceOf(FlowctlException.class)
          .hasMessageContaining("'id' is null");
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }
}
