package io.flowctl.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * One worked example per compatibility rule. The table of docs/compatibility.md is rendered from
 * the checker's verdicts on these examples, so the page says what the code does: when a rule
 * changes, this test fails and prints the new table.
 */
class CompatibilityExamplesTest {
  static final Path DOC = Path.of("..", "docs", "compatibility.md");
  static final String BEGIN = "<!-- examples:begin -->";
  static final String END = "<!-- examples:end -->";

  record Example(ChangeKind kind, Schema before, Schema after) {}

  static Field f(String name, ArrowType type, boolean nullable) {
    return new Field(name, new FieldType(nullable, type, null), null);
  }

  static Field dict(String name, int indexBits, long id) {
    return new Field(
        name,
        new FieldType(
            true,
            ArrowType.Utf8.INSTANCE,
            new DictionaryEncoding(id, false, new ArrowType.Int(indexBits, true))),
        null);
  }

  static Schema s(Field... fields) {
    return new Schema(List.of(fields));
  }

  static final ArrowType I32 = new ArrowType.Int(32, true);
  static final ArrowType I64 = new ArrowType.Int(64, true);
  static final ArrowType UTF8 = ArrowType.Utf8.INSTANCE;
  static final Field ID = f("id", I64, false);
  static final Field MEMO = f("memo", UTF8, true);

  static List<Example> examples() {
    Field meta = new Field("meta", FieldType.nullable(ArrowType.Struct.INSTANCE), List.of(MEMO));
    Field tagged =
        new Field(
            "memo", new FieldType(true, UTF8, null, Map.of("description", "free text")), null);
    return List.of(
        new Example(ChangeKind.COLUMN_ADDED, s(ID), s(ID, MEMO)),
        new Example(ChangeKind.COLUMN_REMOVED, s(ID, MEMO), s(ID)),
        new Example(
            ChangeKind.FIELD_MOVED,
            s(ID, MEMO, f("meta", ArrowType.Struct.INSTANCE, true)),
            s(ID, meta)),
        new Example(ChangeKind.COLUMNS_REORDERED, s(ID, MEMO), s(MEMO, ID)),
        new Example(
            ChangeKind.TYPE_WIDENED, s(f("amount", I32, false)), s(f("amount", I64, false))),
        new Example(
            ChangeKind.TYPE_NARROWED, s(f("amount", I64, false)), s(f("amount", I32, false))),
        new Example(
            ChangeKind.TYPE_CHANGED, s(f("amount", I64, false)), s(f("amount", UTF8, false))),
        new Example(ChangeKind.NULLABILITY_RELAXED, s(f("memo", UTF8, false)), s(MEMO)),
        new Example(ChangeKind.NULLABILITY_TIGHTENED, s(MEMO), s(f("memo", UTF8, false))),
        new Example(
            ChangeKind.DICTIONARY_ENCODED, s(f("asset", UTF8, true)), s(dict("asset", 32, 0))),
        new Example(
            ChangeKind.DICTIONARY_DECODED, s(dict("asset", 32, 0)), s(f("asset", UTF8, true))),
        new Example(
            ChangeKind.DICTIONARY_CHANGED, s(dict("asset", 16, 0)), s(dict("asset", 32, 0))),
        new Example(
            ChangeKind.TIMEZONE_CHANGED,
            s(f("at", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"), false)),
            s(f("at", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "Europe/Paris"), false))),
        new Example(ChangeKind.METADATA_CHANGED, s(ID, MEMO), s(ID, tagged)),
        new Example(ChangeKind.DUPLICATE_FIELD_NAME, s(ID, MEMO), s(ID, MEMO, MEMO)),
        new Example(ChangeKind.EMPTY_FIELD_NAME, s(ID), s(ID, f("", UTF8, true))),
        new Example(ChangeKind.NAME_CASE_CONFLICT, s(ID, MEMO), s(ID, MEMO, f("Memo", UTF8, true))),
        new Example(ChangeKind.FIELD_RENAMED_CASE, s(ID, MEMO), s(ID, f("Memo", UTF8, true))));
  }

  @Test
  void everyRuleHasAWorkedExample_andTheDocsTableIsTheCheckersVerdict() throws IOException {
    CompatibilityChecker closed = CompatibilityChecker.defaults();
    CompatibilityChecker projecting =
        CompatibilityChecker.of(
            CompatibilityRules.builder().readerModel(ReaderModel.PROJECTING).build());
    List<String> rows = new ArrayList<>();
    rows.add(
        "| rule | old schema | new schema | closed reader | projecting reader | what the checker says |");
    rows.add("|---|---|---|---|---|---|");
    for (Example e : examples()) {
      CompatibilityResult c = closed.check(e.before(), e.after());
      CompatibilityResult p = projecting.check(e.before(), e.after());
      SchemaChange shown =
          c.changes().stream()
              .filter(ch -> ch.kind() == e.kind())
              .findFirst()
              .orElseThrow(() -> new AssertionError(e.kind() + " not found in " + c.describe()));
      rows.add(
          "| `"
              + e.kind()
              + "` | "
              + text(e.before())
              + " | "
              + text(e.after())
              + " | "
              + c.level()
              + " | "
              + p.level()
              + " | "
              + (shown.path().toString().isEmpty() ? "`\"\"`" : "`" + shown.path() + "`")
              + ": "
              + shown.message().replace("|", "\\|")
              + " |");
    }
    assertThat(examples().stream().map(Example::kind).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(ChangeKind.values());

    String table = String.join("\n", rows);
    String doc = Files.readString(DOC);
    int from = doc.indexOf(BEGIN);
    int to = doc.indexOf(END);
    assertThat(from).as(DOC + " has the markers").isNotNegative();
    String documented = doc.substring(from + BEGIN.length(), to).strip();
    assertThat(documented)
        .as("docs/compatibility.md is out of date; the checker's table is:%n%s%n", table)
        .isEqualTo(table);
  }

  /** A schema in one line: {@code id: int64, memo: utf8?}. */
  static String text(Schema s) {
    return "`"
        + s.getFields().stream()
            .map(CompatibilityExamplesTest::text)
            .collect(Collectors.joining(", "))
        + "`";
  }

  static String text(Field f) {
    String type;
    if (f.getDictionary() != null) {
      type =
          "dict<int"
              + f.getDictionary().getIndexType().getBitWidth()
              + ", "
              + typeText(f.getType())
              + ">";
    } else if (f.getType() instanceof ArrowType.Struct) {
      type =
          "struct<"
              + f.getChildren().stream()
                  .map(CompatibilityExamplesTest::text)
                  .collect(Collectors.joining(", "))
              + ">";
    } else {
      type = typeText(f.getType());
    }
    String meta = f.getMetadata().isEmpty() ? "" : " " + f.getMetadata();
    return (f.getName().isEmpty() ? "\"\"" : f.getName())
        + ": "
        + type
        + (f.isNullable() ? "?" : "")
        + meta;
  }

  static String typeText(ArrowType t) {
    if (t instanceof ArrowType.Int i) {
      return "int" + i.getBitWidth();
    }
    if (t instanceof ArrowType.Utf8) {
      return "utf8";
    }
    if (t instanceof ArrowType.Timestamp ts) {
      return "timestamp(µs, " + ts.getTimezone() + ")";
    }
    return t.toString();
  }
}
