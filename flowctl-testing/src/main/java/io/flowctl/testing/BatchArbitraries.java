package io.flowctl.testing;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** Rows of a schema; shrinking removes rows and simplifies values. */
final class BatchArbitraries {
  private BatchArbitraries() {}

  static Arbitrary<BatchData> rows(Schema schema, int maxRows) {
    List<Arbitrary<Object>> columns = new ArrayList<>();
    for (Field f : schema.getFields()) {
      columns.add(ValueArbitraries.of(f));
    }
    Arbitrary<List<Object>> row =
        columns.isEmpty()
            ? Arbitraries.just(List.of())
            : Combinators.combine(columns).as(values -> new ArrayList<>(values));
    return row.list().ofMaxSize(maxRows).map(rows -> new BatchData(schema, rows));
  }
}
