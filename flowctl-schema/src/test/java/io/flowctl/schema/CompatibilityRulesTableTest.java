package io.flowctl.schema;

import static io.flowctl.schema.CompatibilityLevel.BACKWARD;
import static io.flowctl.schema.CompatibilityLevel.FORWARD;
import static io.flowctl.schema.CompatibilityLevel.FULL;
import static io.flowctl.schema.CompatibilityLevel.NONE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One row per rule of the plan's table and of the widening table, top level and nested. */
class CompatibilityRulesTableTest {
  static final ArrowType I8 = new ArrowType.Int(8, true);
  static final ArrowType I16 = new ArrowType.Int(16, true);
  static final ArrowType I32 = new ArrowType.Int(32, true);
  static final ArrowType I64 = new ArrowType.Int(64, true);
  static final ArrowType U8 = new ArrowType.Int(8, false);
  static final ArrowType U32 = new ArrowType.Int(32, false);
  static final ArrowType F16 = new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
  static final ArrowType F32 = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
  static final ArrowType F64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
  static final ArrowType UTF8 = ArrowType.Utf8.INSTANCE;

  static Field col(String name, ArrowType type) {
    return Field.nullable(name, type);
  }

  static Field notNull(String name, ArrowType type) {
    return Field.notNullable(name, type);
  }

  static Schema schema(Field... fields) {
    return new Schema(List.of(fields));
  }

  /** Wraps the columns in a struct {@code s}, so every rule is also checked one level down. */
  static Schema nested(Schema s) {
    return schema(
        col("id", I64),
        new Field("s", FieldType.nullable(ArrowType.Struct.INSTANCE), s.getFields()));
  }

  static Stream<Arguments> rules() {
    Field a = col("a", I32);
    Field b = col("b", UTF8);
    return Stream.of(
        row("nullable column added", schema(a), schema(a, b), BACKWARD, ChangeKind.COLUMN_ADDED),
        row("nullable column removed", schema(a, b), schema(a), FORWARD, ChangeKind.COLUMN_REMOVED),
        row(
            "non-null column added",
            schema(a),
            schema(a, notNull("c", I32)),
            NONE,
            ChangeKind.COLUMN_ADDED),
        row(
            "non-null column removed",
            schema(a, notNull("c", I32)),
            schema(a),
            NONE,
            ChangeKind.COLUMN_REMOVED),
        row("columns reordered", schema(a, b), schema(b, a), FULL, ChangeKind.COLUMNS_REORDERED),
        row(
            "nullable -> non-null",
            schema(a),
            schema(notNull("a", I32)),
            FORWARD,
            ChangeKind.NULLABILITY_TIGHTENED),
        row(
            "non-null -> nullable",
            schema(notNull("a", I32)),
            schema(a),
            BACKWARD,
            ChangeKind.NULLABILITY_RELAXED),
        row("int32 -> int64", schema(a), schema(col("a", I64)), BACKWARD, ChangeKind.TYPE_WIDENED),
        row("int64 -> int32", schema(col("a", I64)), schema(a), FORWARD, ChangeKind.TYPE_NARROWED),
        row(
            "int8 -> int16",
            schema(col("a", I8)),
            schema(col("a", I16)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "uint8 -> int16",
            schema(col("a", U8)),
            schema(col("a", I16)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "uint32 -> int64",
            schema(col("a", U32)),
            schema(col("a", I64)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "int8 -> uint16 (sign)",
            schema(col("a", I8)),
            schema(col("a", new ArrowType.Int(16, false))),
            NONE,
            ChangeKind.TYPE_CHANGED),
        row(
            "float16 -> float32",
            schema(col("a", F16)),
            schema(col("a", F32)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "float32 -> float64",
            schema(col("a", F32)),
            schema(col("a", F64)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "int32 -> float64",
            schema(a),
            schema(col("a", F64)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "int64 -> float64 (not exact)",
            schema(col("a", I64)),
            schema(col("a", F64)),
            NONE,
            ChangeKind.TYPE_CHANGED),
        row(
            "decimal precision up",
            schema(col("a", new ArrowType.Decimal(10, 2, 128))),
            schema(col("a", new ArrowType.Decimal(20, 2, 128))),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "decimal scale change",
            schema(col("a", new ArrowType.Decimal(10, 2, 128))),
            schema(col("a", new ArrowType.Decimal(12, 4, 128))),
            NONE,
            ChangeKind.TYPE_CHANGED),
        row(
            "decimal128 -> decimal256",
            schema(col("a", new ArrowType.Decimal(38, 2, 128))),
            schema(col("a", new ArrowType.Decimal(38, 2, 256))),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "utf8 -> large_utf8",
            schema(b),
            schema(col("b", ArrowType.LargeUtf8.INSTANCE)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "binary -> large_binary",
            schema(col("b", ArrowType.Binary.INSTANCE)),
            schema(col("b", ArrowType.LargeBinary.INSTANCE)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "list -> large_list",
            schema(list("l", ArrowType.List.INSTANCE, I32)),
            schema(list("l", ArrowType.LargeList.INSTANCE, I32)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "list element widened",
            schema(list("l", ArrowType.List.INSTANCE, I32)),
            schema(list("l", ArrowType.List.INSTANCE, I64)),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "date32 -> date64",
            schema(col("d", new ArrowType.Date(DateUnit.DAY))),
            schema(col("d", new ArrowType.Date(DateUnit.MILLISECOND))),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "time s -> ms",
            schema(col("t", new ArrowType.Time(TimeUnit.SECOND, 32))),
            schema(col("t", new ArrowType.Time(TimeUnit.MILLISECOND, 32))),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "timestamp ms -> us",
            schema(col("t", new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC"))),
            schema(col("t", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"))),
            BACKWARD,
            ChangeKind.TYPE_WIDENED),
        row(
            "timestamp zone changed",
            schema(col("t", new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC"))),
            schema(col("t", new ArrowType.Timestamp(TimeUnit.MILLISECOND, "Europe/Paris"))),
            NONE,
            ChangeKind.TIMEZONE_CHANGED),
        row(
            "dictionary -> plain",
            schema(dict("c", UTF8, I32)),
            schema(col("c", UTF8)),
            FULL,
            ChangeKind.DICTIONARY_DECODED),
        row(
            "plain -> dictionary int32",
            schema(col("c", UTF8)),
            schema(dict("c", UTF8, I32)),
            FULL,
            ChangeKind.DICTIONARY_ENCODED),
        row(
            "plain -> dictionary int8",
            schema(col("c", UTF8)),
            schema(dict("c", UTF8, I8)),
            FORWARD,
            ChangeKind.DICTIONARY_ENCODED),
        row(
            "struct -> primitive",
            schema(
                new Field(
                    "a", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(col("x", I32)))),
            schema(a),
            NONE,
            ChangeKind.TYPE_CHANGED),
        row("utf8 -> int32", schema(col("a", UTF8)), schema(a), NONE, ChangeKind.TYPE_CHANGED));
  }

  static Field list(String name, ArrowType listType, ArrowType element) {
    return new Field(name, FieldType.nullable(listType), List.of(col("item", element)));
  }

  static Field dict(String name, ArrowType valueType, ArrowType indexType) {
    return new Field(
        name,
        new FieldType(true, valueType, new DictionaryEncoding(1, false, (ArrowType.Int) indexType)),
        null);
  }

  static Arguments row(
      String rule, Schema old, Schema neu, CompatibilityLevel level, ChangeKind kind) {
    return Arguments.of(rule, old, neu, level, kind);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void topLevel(String rule, Schema old, Schema neu, CompatibilityLevel level, ChangeKind kind) {
    assertRule(old, neu, level, kind);
  }

  @ParameterizedTest(name = "nested {0}")
  @MethodSource("rules")
  void nestedInStruct(
      String rule, Schema old, Schema neu, CompatibilityLevel level, ChangeKind kind) {
    assertRule(nested(old), nested(neu), level, kind);
  }

  private static void assertRule(
      Schema old, Schema neu, CompatibilityLevel level, ChangeKind kind) {
    CompatibilityResult r = CompatibilityChecker.defaults().check(old, neu);

    assertThat(r.level()).as(r.describe()).isEqualTo(level);
    assertThat(r.changes()).extracting(SchemaChange::kind).contains(kind);
    assertThat(r.changes())
        .allSatisfy(
            c ->
                assertThat(c.message()).contains(c.path().leaf().isEmpty() ? "" : c.path().leaf()));
    // The verdict is real: the projector is built exactly when the checker says readable.
    if (level.backward()) {
      assertThat(SchemaProjector.create(old, neu).verdict().level()).isEqualTo(level);
    } else {
      assertThatThrownBy(() -> SchemaProjector.create(old, neu))
          .isInstanceOf(IncompatibleSchemaException.class);
    }
  }

  @Test
  void projectingReaderModel_makesRemovalsBackwardAndNullableAdditionsFull() {
    CompatibilityChecker projecting =
        CompatibilityChecker.of(
            CompatibilityRules.builder().readerModel(ReaderModel.PROJECTING).build());
    Schema ab = schema(col("a", I32), notNull("b", UTF8));
    Schema a = schema(col("a", I32));

    assertThat(projecting.check(ab, a).level()).isEqualTo(BACKWARD);
    assertThat(projecting.check(a, schema(col("a", I32), col("c", UTF8))).level()).isEqualTo(FULL);
  }

  @Test
  void movingAFieldBetweenNestingLevels_isNoneUnderBothModels() {
    Schema flat = schema(col("id", I64), col("amount", I64));
    Schema moved =
        schema(
            col("id", I64),
            new Field(
                "transfer",
                FieldType.nullable(ArrowType.Struct.INSTANCE),
                List.of(col("amount", I64))));

    for (ReaderModel model : ReaderModel.values()) {
      CompatibilityResult r =
          CompatibilityChecker.of(CompatibilityRules.builder().readerModel(model).build())
              .check(flat, moved);
      assertThat(r.level()).as(model.name()).isEqualTo(NONE);
      assertThat(r.changes()).extracting(SchemaChange::kind).contains(ChangeKind.FIELD_MOVED);
      SchemaChange move =
          r.changes().stream().filter(c -> c.kind() == ChangeKind.FIELD_MOVED).findFirst().get();
      assertThat(move.path().toString()).isEqualTo("transfer.amount");
      assertThat(move.message()).contains("'amount' moved to 'transfer.amount'");
      // and back out of the struct
      SchemaChange back =
          CompatibilityChecker.of(CompatibilityRules.builder().readerModel(model).build())
              .check(moved, flat)
              .changes()
              .stream()
              .filter(c -> c.kind() == ChangeKind.FIELD_MOVED)
              .findFirst()
              .orElseThrow();
      assertThat(back.path().toString()).isEqualTo("amount");
      assertThat(back.message()).contains("'transfer.amount' moved to 'amount'");
    }
  }

  @Test
  void nestedChange_reportsItsFullPath() {
    Schema old = nested(schema(col("amount", I32)));
    Schema neu = nested(schema(col("amount", I64)));

    SchemaChange change = CompatibilityChecker.defaults().check(old, neu).changes().get(0);

    assertThat(change.path().toString()).isEqualTo("s.amount");
    assertThat(change.oldType()).isEqualTo("int32");
    assertThat(change.newType()).isEqualTo("int64");
    assertThat(change.allowedLevels()).containsExactlyInAnyOrder(NONE, BACKWARD);
  }

  @Test
  void namesDifferingOnlyInCase_areReportedNotMerged() {
    Schema old = schema(col("amount", I64));
    Schema neu = schema(col("Amount", I64));

    CompatibilityResult r = CompatibilityChecker.defaults().check(old, neu);

    assertThat(r.level()).isEqualTo(NONE);
    assertThat(r.changes())
        .extracting(SchemaChange::kind)
        .containsExactly(ChangeKind.FIELD_RENAMED_CASE);
    assertThat(
            CompatibilityChecker.defaults()
                .check(schema(col("a", I32), col("A", I32)), schema(col("a", I32), col("A", I32)))
                .changes())
        .extracting(SchemaChange::kind)
        .contains(ChangeKind.NAME_CASE_CONFLICT);
  }

  @Test
  void duplicateNamesInDifferentSchemas_areAmbiguous() {
    Schema old = schema(col("a", I32), col("a", UTF8));
    Schema neu = schema(col("a", UTF8), col("a", I32), col("b", I32));

    CompatibilityResult r = CompatibilityChecker.defaults().check(old, neu);

    assertThat(r.level()).isEqualTo(NONE);
    assertThat(r.changes())
        .extracting(SchemaChange::kind)
        .contains(ChangeKind.DUPLICATE_FIELD_NAME);
  }

  @Test
  void transitivePolicies_compareWithEveryEarlierVersion() {
    Schema v1 = schema(col("a", I32));
    Schema v2 = schema(col("a", I32), col("b", UTF8));
    Schema v3 = schema(col("a", I64), col("b", UTF8));
    // v3 drops nothing from v2 and widens a: BACKWARD against v2, and against v1 too.
    assertThat(
            CompatibilityChecker.defaults()
                .checkEvolution(List.of(v1, v2), v3, EvolutionPolicy.BACKWARD_TRANSITIVE)
                .accepted())
        .isTrue();
    // Removing b is FORWARD against v2 but not against v1 with FULL transitive.
    EvolutionVerdict v =
        CompatibilityChecker.defaults()
            .checkEvolution(List.of(v1, v2), v1, EvolutionPolicy.FULL_TRANSITIVE);
    assertThat(v.accepted()).isFalse();
    assertThat(v.violations()).isNotEmpty();
    assertThat(
            CompatibilityChecker.defaults()
                .checkEvolution(List.of(v1), v2, EvolutionPolicy.STRICT)
                .accepted())
        .isFalse();
    assertThat(
            CompatibilityChecker.defaults()
                .checkEvolution(List.of(v1), v2, EvolutionPolicy.NONE)
                .accepted())
        .isTrue();
  }
}
