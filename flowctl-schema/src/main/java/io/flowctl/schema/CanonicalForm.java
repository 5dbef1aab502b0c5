package io.flowctl.schema;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.ArrowType.ArrowTypeVisitor;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Writes the canonical text of a schema, version 1, as specified in {@code docs/fingerprint.md}.
 * The text is compact JSON with a fixed key order, so that any language can rebuild it byte for
 * byte. Stateless and thread-safe.
 */
final class CanonicalForm {
  static final int VERSION = 1;
  static final String EXTENSION_PREFIX = "ARROW:extension:";

  /** Orders metadata keys by Unicode code point, which is UTF-8 byte order. */
  static final Comparator<String> CODE_POINT_ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
      };

  private CanonicalForm() {}

  static String of(Schema schema, boolean withMetadata) {
    StringBuilder out = new StringBuilder(64 + 96 * schema.getFields().size());
    out.append("{\"version\":").append(VERSION).append(",\"fields\":");
    fields(schema.getFields(), false, withMetadata, out);
    if (withMetadata) {
      metadata(schema.getCustomMetadata(), true, out);
    }
    out.append('}');
    return out.toString();
  }

  private static void fields(
      List<Field> fields, boolean positional, boolean withMetadata, StringBuilder out) {
    out.append('[');
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      field(fields.get(i), positional, withMetadata, out);
    }
    out.append(']');
  }

  private static void field(
      Field field, boolean positional, boolean withMetadata, StringBuilder out) {
    ArrowType type = field.getType();
    Map<String, String> metadata = new TreeMap<>(CODE_POINT_ORDER);
    if (field.getMetadata() != null) {
      for (Map.Entry<String, String> e : field.getMetadata().entrySet()) {
        if (withMetadata || e.getKey().startsWith(EXTENSION_PREFIX)) {
          metadata.put(e.getKey(), e.getValue());
        }
      }
    }
    if (type instanceof ArrowType.ExtensionType ext) {
      // A registered extension type is written as its storage type plus the two keys an
      // unregistered reader sees, so both views of one IPC field agree.
      metadata.put(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_NAME, ext.extensionName());
      metadata.put(ArrowType.ExtensionType.EXTENSION_METADATA_KEY_METADATA, ext.serialize());
      type = ext.storageType();
    }
    out.append('{');
    if (!positional) {
      out.append("\"name\":");
      string(field.getName(), out);
      out.append(',');
    }
    out.append("\"nullable\":").append(field.isNullable()).append(",\"type\":");
    type(type, field.getChildren().size(), out);
    DictionaryEncoding dictionary = field.getDictionary();
    if (dictionary != null) {
      out.append(",\"dictionary\":{\"indexType\":");
      ArrowType.Int index =
          dictionary.getIndexType() == null
              ? new ArrowType.Int(32, true)
              : dictionary.getIndexType();
      type(index, 0, out);
      out.append(",\"ordered\":").append(dictionary.isOrdered()).append('}');
    }
    out.append(",\"children\":");
    boolean positionalChildren = hasPositionalChildren(type);
    List<Field> children = field.getChildren();
    if (type instanceof ArrowType.Map && children.size() == 1) {
      // Map entries: the struct and its key/value children are positional; their names vary
      // between implementations ("entries"/"key_value", "key"/"keys", ...).
      Field entries = children.get(0);
      out.append('[');
      mapEntries(entries, withMetadata, out);
      out.append(']');
    } else {
      fields(children, positionalChildren, withMetadata, out);
    }
    metadata(metadata, false, out);
    out.append('}');
  }

  private static void mapEntries(Field entries, boolean withMetadata, StringBuilder out) {
    out.append("{\"nullable\":").append(entries.isNullable()).append(",\"type\":");
    type(entries.getType(), entries.getChildren().size(), out);
    out.append(",\"children\":");
    fields(entries.getChildren(), true, withMetadata, out);
    if (withMetadata && entries.getMetadata() != null) {
      metadata(entries.getMetadata(), false, out);
    }
    out.append('}');
  }

  static boolean hasPositionalChildren(ArrowType type) {
    return switch (type.getTypeID()) {
      case List, LargeList, FixedSizeList, ListView, LargeListView, Map, RunEndEncoded -> true;
      default -> false;
    };
  }

  private static void metadata(Map<String, String> metadata, boolean sort, StringBuilder out) {
    if (metadata == null || metadata.isEmpty()) {
      return;
    }
    List<Map.Entry<String, String>> entries = new ArrayList<>(metadata.entrySet());
    if (sort || !(metadata instanceof TreeMap)) {
      entries.sort(Map.Entry.comparingByKey(CODE_POINT_ORDER));
    }
    out.append(",\"metadata\":[");
    for (int i = 0; i < entries.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append('[');
      string(entries.get(i).getKey(), out);
      out.append(',');
      string(entries.get(i).getValue(), out);
      out.append(']');
    }
    out.append(']');
  }

  static void type(ArrowType type, int childCount, StringBuilder out) {
    out.append("{\"id\":\"").append(typeName(type)).append('"');
    type.accept(new TypeParameters(out, childCount));
    out.append('}');
  }

  /** Lower-case type names of the Arrow columnar format's Schema.fbs union. */
  static String typeName(ArrowType type) {
    return switch (type.getTypeID()) {
      case Null -> "null";
      case Struct -> "struct";
      case List -> "list";
      case LargeList -> "largelist";
      case FixedSizeList -> "fixedsizelist";
      case ListView -> "listview";
      case LargeListView -> "largelistview";
      case Union -> "union";
      case Map -> "map";
      case Int -> "int";
      case FloatingPoint -> "floatingpoint";
      case Utf8 -> "utf8";
      case Utf8View -> "utf8view";
      case LargeUtf8 -> "largeutf8";
      case Binary -> "binary";
      case BinaryView -> "binaryview";
      case LargeBinary -> "largebinary";
      case FixedSizeBinary -> "fixedsizebinary";
      case Bool -> "bool";
      case Decimal -> "decimal";
      case Date -> "date";
      case Time -> "time";
      case Timestamp -> "timestamp";
      case Interval -> "interval";
      case Duration -> "duration";
      case RunEndEncoded -> "runendencoded";
      case NONE -> "none";
    };
  }

  static void string(String s, StringBuilder out) {
    if (s == null) {
      s = ""; // flatbuffers: an absent name is an empty one
    }
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Appends {@code ,"param":value} for every parameter of a type, in a fixed order. */
  private record TypeParameters(StringBuilder out, int childCount)
      implements ArrowTypeVisitor<Void> {
    private Void param(String name, Object value) {
      out.append(",\"").append(name).append("\":");
      if (value == null) {
        out.append("null");
      } else if (value instanceof String s) {
        string(s, out);
      } else {
        out.append(value);
      }
      return null;
    }

    @Override
    public Void visit(ArrowType.Null type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.Struct type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.List type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.LargeList type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.FixedSizeList type) {
      return param("listSize", type.getListSize());
    }

    @Override
    public Void visit(ArrowType.Union type) {
      param("mode", type.getMode().name().toLowerCase(java.util.Locale.ROOT));
      out.append(",\"typeIds\":[");
      // Absent type ids mean 0..n-1 (the format's default), so both spellings agree.
      int[] ids = type.getTypeIds();
      int n = ids == null ? childCount : ids.length;
      for (int i = 0; i < n; i++) {
        if (i > 0) {
          out.append(',');
        }
        out.append(ids == null ? i : ids[i]);
      }
      out.append(']');
      return null;
    }

    @Override
    public Void visit(ArrowType.Map type) {
      return param("keysSorted", type.getKeysSorted());
    }

    @Override
    public Void visit(ArrowType.Int type) {
      param("bitWidth", type.getBitWidth());
      return param("signed", type.getIsSigned());
    }

    @Override
    public Void visit(ArrowType.FloatingPoint type) {
      return param("precision", type.getPrecision().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public Void visit(ArrowType.Utf8 type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.Utf8View type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.LargeUtf8 type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.Binary type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.BinaryView type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.LargeBinary type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.FixedSizeBinary type) {
      return param("byteWidth", type.getByteWidth());
    }

    @Override
    public Void visit(ArrowType.Bool type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.Decimal type) {
      param("precision", type.getPrecision());
      param("scale", type.getScale());
      return param("bitWidth", type.getBitWidth());
    }

    @Override
    public Void visit(ArrowType.Date type) {
      return param("unit", type.getUnit().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public Void visit(ArrowType.Time type) {
      param("unit", type.getUnit().name().toLowerCase(java.util.Locale.ROOT));
      return param("bitWidth", type.getBitWidth());
    }

    @Override
    public Void visit(ArrowType.Timestamp type) {
      param("unit", type.getUnit().name().toLowerCase(java.util.Locale.ROOT));
      return param("timezone", type.getTimezone());
    }

    @Override
    public Void visit(ArrowType.Interval type) {
      return param("unit", type.getUnit().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public Void visit(ArrowType.Duration type) {
      return param("unit", type.getUnit().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Override
    public Void visit(ArrowType.ListView type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.LargeListView type) {
      return null;
    }

    @Override
    public Void visit(ArrowType.RunEndEncoded type) {
      return null;
    }
  }
}
