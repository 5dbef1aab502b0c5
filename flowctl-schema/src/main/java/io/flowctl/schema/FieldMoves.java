package io.flowctl.schema;

import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * A column removed in one place that reappears, with the same name and type, under another parent
 * (possibly inside a newly added struct) moved between nesting levels; that is never compatible.
 * {@link SchemaDiff} records removals and additions as it walks; this folds each such pair into one
 * FIELD_MOVED change once the walk is done.
 */
final class FieldMoves {
  private FieldMoves() {}

  /**
   * Replaces each removal and addition in {@code changes} that are one column moved between nesting
   * levels with one FIELD_MOVED change, at the removal's place.
   */
  static void fold(
      List<SchemaChange> changes,
      Map<SchemaChange, Field> removedFields,
      Map<SchemaChange, Field> addedFields) {
    for (Map.Entry<SchemaChange, Field> r : removedFields.entrySet()) {
      for (Map.Entry<SchemaChange, Field> a : addedFields.entrySet()) {
        if (!changes.contains(r.getKey()) || !changes.contains(a.getKey())) {
          continue;
        }
        // Where the added column sat inside the removed one (it moved out of a struct), and where
        // the removed column sits inside the added one (it moved into a struct).
        FieldPath from = find(r.getKey().path(), r.getValue(), a.getValue());
        FieldPath to = find(a.getKey().path(), a.getValue(), r.getValue());
        FieldPath oldPath = from == null ? r.getKey().path() : from;
        FieldPath newPath = to == null ? a.getKey().path() : to;
        if ((from != null || to != null) && !oldPath.parent().equals(newPath.parent())) {
          int at = changes.indexOf(r.getKey());
          changes.remove(r.getKey());
          changes.remove(a.getKey());
          changes.add(
              Math.min(at, changes.size()),
              new SchemaChange(
                  ChangeKind.FIELD_MOVED,
                  newPath,
                  r.getKey().oldType(),
                  a.getKey().newType(),
                  false,
                  false,
                  "'"
                      + oldPath
                      + "' moved to '"
                      + newPath
                      + "'; moving a column between nesting levels is not compatible"));
        }
      }
    }
  }

  /**
   * The path under {@code root} (at {@code rootPath}) of a field with the same name and type as
   * {@code target}.
   */
  private static FieldPath find(FieldPath rootPath, Field root, Field target) {
    if (root.getName().equals(target.getName())
        && sameType(TypeText.of(root), TypeText.of(target))
        && !rootPath.equals(FieldPath.ROOT)) {
      return rootPath;
    }
    if (root.getType() instanceof ArrowType.Struct) {
      for (Field c : root.getChildren()) {
        FieldPath p = find(rootPath.child(c.getName()), c, target);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  private static boolean sameType(String a, String b) {
    return a.replace(" not null", "").equals(b.replace(" not null", ""));
  }
}
