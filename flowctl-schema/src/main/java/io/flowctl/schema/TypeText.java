package io.flowctl.schema;

import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Short, readable type names for messages: {@code int64}, {@code list<utf8>}, {@code
 * dict<int8→utf8>}.
 */
final class TypeText {
  private TypeText() {}

  static String of(Field field) {
    String text = ofType(field.getType(), field);
    DictionaryEncoding d = field.getDictionary();
    if (d != null) {
      ArrowType.Int index =
          d.getIndexType() == null ? new ArrowType.Int(32, true) : d.getIndexType();
      text = "dict<" + ofType(index, null) + "→" + text + (d.isOrdered() ? ", ordered" : "") + ">";
    }
    return text + (field.isNullable() ? "" : " not null");
  }

  static String ofType(ArrowType type, Field field) {
    if (type instanceof ArrowType.ExtensionType ext) {
      return "extension<" + ext.extensionName() + ">";
    }
    return switch (type.getTypeID()) {
      case Int -> {
        ArrowType.Int t = (ArrowType.Int) type;
        yield (t.getIsSigned() ? "int" : "uint") + t.getBitWidth();
      }
      case FloatingPoint ->
          switch (((ArrowType.FloatingPoint) type).getPrecision()) {
            case HALF -> "float16";
            case SINGLE -> "float32";
            case DOUBLE -> "float64";
          };
      case Decimal -> {
        ArrowType.Decimal d = (ArrowType.Decimal) type;
        yield "decimal" + d.getBitWidth() + "(" + d.getPrecision() + ", " + d.getScale() + ")";
      }
      case Date ->
          ((ArrowType.Date) type).getUnit() == org.apache.arrow.vector.types.DateUnit.DAY
              ? "date32"
              : "date64";
      case Time ->
          "time"
              + ((ArrowType.Time) type).getBitWidth()
              + "["
              + unit(((ArrowType.Time) type).getUnit().name())
              + "]";
      case Timestamp -> {
        ArrowType.Timestamp t = (ArrowType.Timestamp) type;
        yield "timestamp["
            + unit(t.getUnit().name())
            + (t.getTimezone() == null ? "" : ", " + t.getTimezone())
            + "]";
      }
      case Duration -> "duration[" + unit(((ArrowType.Duration) type).getUnit().name()) + "]";
      case Interval ->
          "interval[" + ((ArrowType.Interval) type).getUnit().name().toLowerCase(Locale.ROOT) + "]";
      case FixedSizeBinary ->
          "fixed_size_binary[" + ((ArrowType.FixedSizeBinary) type).getByteWidth() + "]";
      case FixedSizeList ->
          "fixed_size_list["
              + ((ArrowType.FixedSizeList) type).getListSize()
              + "]"
              + elements(field);
      case List -> "list" + elements(field);
      case LargeList -> "large_list" + elements(field);
      case ListView -> "list_view" + elements(field);
      case LargeListView -> "large_list_view" + elements(field);
      case Map ->
          "map" + (((ArrowType.Map) type).getKeysSorted() ? "[sorted]" : "") + mapEntries(field);
      case Struct ->
          "struct<"
              + (field == null
                  ? ""
                  : field.getChildren().stream()
                      .map(c -> c.getName() + ": " + of(c))
                      .collect(Collectors.joining(", ")))
              + ">";
      case Union -> {
        ArrowType.Union u = (ArrowType.Union) type;
        yield u.getMode().name().toLowerCase(Locale.ROOT)
            + "_union<"
            + (field == null
                ? ""
                : field.getChildren().stream().map(TypeText::of).collect(Collectors.joining(", ")))
            + ">";
      }
      case LargeUtf8 -> "large_utf8";
      case LargeBinary -> "large_binary";
      case Utf8View -> "utf8_view";
      case BinaryView -> "binary_view";
      case RunEndEncoded -> "run_end_encoded" + elements(field);
      default -> CanonicalForm.typeName(type);
    };
  }

  private static String elements(Field field) {
    if (field == null || field.getChildren().isEmpty()) {
      return "";
    }
    return "<"
        + field.getChildren().stream().map(TypeText::of).collect(Collectors.joining(", "))
        + ">";
  }

  private static String mapEntries(Field field) {
    if (field == null
        || field.getChildren().size() != 1
        || field.getChildren().get(0).getChildren().size() != 2) {
      return "";
    }
    Field entries = field.getChildren().get(0);
    return "<" + of(entries.getChildren().get(0)) + ", " + of(entries.getChildren().get(1)) + ">";
  }

  private static String unit(String name) {
    return switch (name) {
      case "SECOND" -> "s";
      case "MILLISECOND" -> "ms";
      case "MICROSECOND" -> "us";
      case "NANOSECOND" -> "ns";
      default -> name.toLowerCase(Locale.ROOT);
    };
  }
}
