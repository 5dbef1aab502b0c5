package io.flowctl.testing.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.schema.OwnedBatch;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaProjector;
import io.flowctl.testing.ArrowArbitraries;
import io.flowctl.testing.BatchData;
import io.flowctl.testing.Evolution;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** Guide example 1 (docs/property-testing.md): my service reads every BACKWARD evolution. */
class ServiceReadsBackwardEvolutionsProperties {
  static final Schema INPUT =
      new Schema(
          List.of(
              Field.notNullable("id", new ArrowType.Int(64, true)),
              Field.nullable("amount", new ArrowType.Int(32, true)),
              Field.nullable("memo", ArrowType.Utf8.INSTANCE)));

  private BufferAllocator allocator;

  @BeforeTry
  void open() {
    allocator = new RootAllocator();
  }

  @AfterTry
  void close() {
    allocator.close();
  }

  // region backward
  /** After upgrading to the evolved schema, the service still reads data written before. */
  @Property(tries = 200)
  void theUpgradedServiceReadsOldData(@ForAll("oldData") Tuple.Tuple2<Evolution, BatchData> t) {
    Evolution e = t.get1();
    BatchData old = t.get2();
    SchemaProjector toService = SchemaProjector.create(e.before(), e.after());
    try (BatchData.Written in = old.write(allocator);
        OwnedBatch seen = toService.project(in.root(), in.dictionaries(), allocator)) {
      assertThat(seen.root().getRowCount()).isEqualTo(old.rowCount());
      assertThat(BatchData.read(seen.root(), seen.dictionaries()))
          .isEqualTo(old.projectTo(e.after()));
    }
  }

  @Provide
  Arbitrary<Tuple.Tuple2<Evolution, BatchData>> oldData() {
    return ArrowArbitraries.evolutions(Arbitraries.just(INPUT))
        .keeping(CompatibilityLevel.BACKWARD, ReaderModel.CLOSED)
        .flatMap(e -> ArrowArbitraries.batches(e.before()).map(d -> Tuple.of(e, d)));
  }
  // endregion
}
