package io.flowctl.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** Copy-on-write edits of Arrow fields and schemas, addressed by paths of child names. */
final class Fields {
  private Fields() {}

  static Field of(String name, boolean nullable, ArrowType type, List<Field> children) {
    return new Field(name, new FieldType(nullable, type, null), children);
  }

  static Field withChildren(Field f, List<Field> children) {
    return new Field(f.getName(), f.getFieldType(), children);
  }

  static Field withType(Field f, ArrowType type) {
    FieldType t = f.getFieldType();
    Map<String, String> metadata = t.getMetadata();
    if (!(type instanceof ArrowType.ExtensionType) && metadata != null) {
      // Arrow Java records an extension type in the field's metadata too; a new type drops it.
      Map<String, String> kept = new java.util.HashMap<>(metadata);
      kept.keySet().removeIf(k -> k.startsWith("ARROW:extension:"));
      metadata = kept.isEmpty() ? null : kept;
    }
    return new Field(
        f.getName(),
        new FieldType(t.isNullable(), type, t.getDictionary(), metadata),
        f.getChildren());
  }

  static Field withNullable(Field f, boolean nullable) {
    FieldType t = f.getFieldType();
    return new Field(
        f.getName(),
        new FieldType(nullable, t.getType(), t.getDictionary(), t.getMetadata()),
        f.getChildren());
  }

  static Field withDictionary(Field f, DictionaryEncoding dictionary) {
    FieldType t = f.getFieldType();
    return new Field(
        f.getName(),
        new FieldType(t.isNullable(), t.getType(), dictionary, t.getMetadata()),
        f.getChildren());
  }

  static Field withMetadata(Field f, Map<String, String> metadata) {
    FieldType t = f.getFieldType();
    return new Field(
        f.getName(),
        new FieldType(
            t.isNullable(), t.getType(), t.getDictionary(), metadata.isEmpty() ? null : metadata),
        f.getChildren());
  }

  /** The field at {@code path} (child names from the root), or null. */
  static Field get(Schema schema, List<String> path) {
    List<Field> level = schema.getFields();
    Field found = null;
    for (String name : path) {
      found = null;
      for (Field f : level) {
        if (f.getName().equals(name)) {
          found = f;
          break;
        }
      }
      if (found == null) {
        return null;
      }
      level = found.getChildren();
    }
    return found;
  }

  /** The schema with the children of {@code parent} (empty: the top level) replaced. */
  static Schema updateChildren(
      Schema schema, List<String> parent, Function<List<Field>, List<Field>> edit) {
    return new Schema(update(schema.getFields(), parent, 0, edit), schema.getCustomMetadata());
  }

  /** The schema with the field at {@code path} replaced. */
  static Schema updateField(Schema schema, List<String> path, Function<Field, Field> edit) {
    String leaf = path.get(path.size() - 1);
    return updateChildren(
        schema,
        path.subList(0, path.size() - 1),
        children -> {
          List<Field> out = new ArrayList<>(children.size());
          for (Field f : children) {
            out.add(f.getName().equals(leaf) ? edit.apply(f) : f);
          }
          return out;
        });
  }

  private static List<Field> update(
      List<Field> level, List<String> parent, int depth, Function<List<Field>, List<Field>> edit) {
    if (depth == parent.size()) {
      return edit.apply(level);
    }
    List<Field> out = new ArrayList<>(level.size());
    for (Field f : level) {
      if (f.getName().equals(parent.get(depth))) {
        out.add(withChildren(f, update(f.getChildren(), parent, depth + 1, edit)));
      } else {
        out.add(f);
      }
    }
    return out;
  }

  /** Every field with its path, parents before children. */
  static List<List<String>> paths(Schema schema) {
    List<List<String>> out = new ArrayList<>();
    collect(schema.getFields(), List.of(), out);
    return out;
  }

  private static void collect(List<Field> level, List<String> prefix, List<List<String>> out) {
    for (Field f : level) {
      List<String> p = new ArrayList<>(prefix);
      p.add(f.getName());
      out.add(List.copyOf(p));
      collect(f.getChildren(), p, out);
    }
  }

  /**
   * Renumbers dictionary ids 0, 1, 2, … in field order, so that every encoded field has its own.
   */
  static Schema renumberDictionaries(Schema schema) {
    long[] next = {0};
    return new Schema(renumber(schema.getFields(), next), schema.getCustomMetadata());
  }

  private static List<Field> renumber(List<Field> level, long[] next) {
    List<Field> out = new ArrayList<>(level.size());
    for (Field f : level) {
      Field g = f;
      DictionaryEncoding d = f.getDictionary();
      if (d != null) {
        g = withDictionary(f, new DictionaryEncoding(next[0]++, d.isOrdered(), d.getIndexType()));
      }
      out.add(withChildren(g, renumber(f.getChildren(), next)));
    }
    return out;
  }

  /** The largest dictionary id in the schema, or -1. */
  static long maxDictionaryId(Schema schema) {
    long max = -1;
    for (List<String> p : paths(schema)) {
      DictionaryEncoding d = get(schema, p).getDictionary();
      if (d != null) {
        max = Math.max(max, d.getId());
      }
    }
    return max;
  }
}
