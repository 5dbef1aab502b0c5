package io.flowctl.bench;

import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityResult;
import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.SchemaFingerprints;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fingerprinting and compatibility checks grow with a schema: {@code columns} top-level
 * columns, each a primitive wrapped in {@code depth - 1} structs. The new schema of {@link #check}
 * adds one nullable column (a BACKWARD-compatible change). Ratios are against 10 flat columns in
 * the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = BenchJvm.ADD_OPENS)
public class SchemaScalingBenchmark {
  @Param({"10", "100", "1000"})
  public int columns;

  @Param({"1", "4"})
  public int depth;

  private Schema schema;
  private Schema evolved;
  private final CompatibilityChecker checker = CompatibilityChecker.defaults();

  @Setup
  public void setUp() {
    schema = schema(columns, depth, false);
    evolved = schema(columns, depth, true);
  }

  static Schema schema(int columns, int depth, boolean extra) {
    List<Field> fields = new ArrayList<>();
    for (int c = 0; c < columns; c++) {
      Field f =
          Field.nullable(
              "leaf",
              c % 3 == 0
                  ? new ArrowType.Int(64, true)
                  : c % 3 == 1 ? ArrowType.Utf8.INSTANCE : new ArrowType.Decimal(38, 7, 128));
      for (int d = 1; d < depth; d++) {
        f = new Field("level" + d, FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(f));
      }
      fields.add(new Field("c" + c, f.getFieldType(), f.getChildren()));
    }
    if (extra) {
      fields.add(Field.nullable("added", ArrowType.Utf8.INSTANCE));
    }
    return new Schema(fields);
  }

  /** Canonical form and SHA-256 on every call. */
  @Benchmark
  public Fingerprint fingerprintCold() {
    return SchemaFingerprints.compute(schema, false);
  }

  /** The same schema instance again: the identity cache. */
  @Benchmark
  public Fingerprint fingerprintCached() {
    return SchemaFingerprints.structural(schema);
  }

  /** Every change between two versions, with its path, and the level that holds. */
  @Benchmark
  public CompatibilityResult check() {
    return checker.check(schema, evolved);
  }
}
