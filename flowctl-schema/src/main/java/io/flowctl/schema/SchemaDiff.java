package io.flowctl.schema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Walks an old and a new schema and records every change with its two directional verdicts.
 *
 * <p>One engine, hidden behind {@link CompatibilityChecker}. Each case of the walk (fields matched
 * by name or position, type changes, nullability, dictionaries, nested types, metadata) decides
 * both directions at once from the same rules, and the cases call each other recursively, so they
 * share this class; what runs once the walk is done (folding moved columns) is {@link FieldMoves}.
 */
final class SchemaDiff {
  private final CompatibilityRules rules;
  private final List<SchemaChange> changes = new ArrayList<>();
  private final Map<SchemaChange, Field> removedFields = new HashMap<>();
  private final Map<SchemaChange, Field> addedFields = new HashMap<>();

  private SchemaDiff(CompatibilityRules rules) {
    this.rules = rules;
  }

  static List<SchemaChange> diff(Schema oldSchema, Schema newSchema, CompatibilityRules rules) {
    SchemaDiff d = new SchemaDiff(rules);
    d.naming(oldSchema.getFields(), FieldPath.ROOT, "old");
    d.naming(newSchema.getFields(), FieldPath.ROOT, "new");
    d.children(oldSchema.getFields(), newSchema.getFields(), FieldPath.ROOT);
    if (!Objects.equals(oldSchema.getCustomMetadata(), newSchema.getCustomMetadata())
        && !(isEmpty(oldSchema.getCustomMetadata()) && isEmpty(newSchema.getCustomMetadata()))) {
      d.add(
          new SchemaChange(
              ChangeKind.METADATA_CHANGED,
              FieldPath.ROOT,
              "",
              "",
              true,
              true,
              "schema metadata changed; metadata never affects compatibility"));
    }
    FieldMoves.fold(d.changes, d.removedFields, d.addedFields);
    return List.copyOf(d.changes);
  }

  private static boolean isEmpty(Map<String, String> m) {
    return m == null || m.isEmpty();
  }

  private SchemaChange add(SchemaChange c) {
    changes.add(c);
    return c;
  }

  /**
   * A change of {@code path}'s type: the message reads "'path' VERB FROM to TO" and then {@code
   * tail}.
   */
  private void retyped(
      ChangeKind kind,
      FieldPath path,
      Field o,
      Field n,
      boolean backward,
      boolean forward,
      String verb,
      String from,
      String to,
      String tail) {
    add(
        new SchemaChange(
            kind,
            path,
            TypeText.of(o),
            TypeText.of(n),
            backward,
            forward,
            "'" + path + "' " + verb + " " + from + " to " + to + tail));
  }

  /** Reports empty names and names differing only in case, in one schema, recursively. */
  private void naming(List<Field> fields, FieldPath parent, String side) {
    Map<String, String> byLower = new HashMap<>();
    for (Field f : fields) {
      FieldPath path = parent.child(f.getName());
      if (f.getName().isEmpty()) {
        add(
            new SchemaChange(
                ChangeKind.EMPTY_FIELD_NAME,
                path,
                "",
                "",
                true,
                true,
                "the " + side + " schema has a field with an empty name under " + parent));
      }
      String lower = f.getName().toLowerCase(java.util.Locale.ROOT);
      String other = byLower.putIfAbsent(lower, f.getName());
      if (other != null && !other.equals(f.getName())) {
        add(
            new SchemaChange(
                ChangeKind.NAME_CASE_CONFLICT,
                path,
                "",
                "",
                true,
                true,
                "the "
                    + side
                    + " schema has both '"
                    + other
                    + "' and '"
                    + f.getName()
                    + "' under "
                    + parent
                    + "; names are matched exactly, never merged"));
      }
      if (!CanonicalForm.hasPositionalChildren(f.getType())) {
        naming(f.getChildren(), path, side);
      }
    }
  }

  private void children(List<Field> oldFields, List<Field> newFields, FieldPath parent) {
    FieldMatching m = FieldMatching.of(oldFields, newFields);
    for (String name : m.ambiguous()) {
      boolean inOld = FieldMatching.duplicates(oldFields).contains(name);
      add(
          new SchemaChange(
              ChangeKind.DUPLICATE_FIELD_NAME,
              parent.child(name),
              "",
              "",
              false,
              false,
              "'"
                  + name
                  + "' occurs more than once under "
                  + parent
                  + " in the "
                  + (inOld ? "old" : "new")
                  + " schema and the columns differ, so readers cannot"
                  + " match it by name"));
    }
    if (m.ambiguous().isEmpty()
        && m.pairs().size() == oldFields.size()
        && FieldMatching.names(oldFields).equals(FieldMatching.names(newFields))) {
      // Same names in the same order: report duplicates only as a note.
      for (String dup : FieldMatching.duplicates(oldFields)) {
        add(
            new SchemaChange(
                ChangeKind.DUPLICATE_FIELD_NAME,
                parent.child(dup),
                "",
                "",
                true,
                true,
                "'"
                    + dup
                    + "' occurs more than once under "
                    + parent
                    + "; both schemas list the same names in the same order, so fields pair by position"));
      }
    }
    List<Integer> onlyOld = new ArrayList<>(m.onlyOld());
    List<Integer> onlyNew = new ArrayList<>(m.onlyNew());
    // Renames that only change case are reported as such, not as an unrelated add and remove.
    for (var it = onlyOld.iterator(); it.hasNext(); ) {
      Field o = oldFields.get(it.next());
      for (var jt = onlyNew.iterator(); jt.hasNext(); ) {
        Field n = newFields.get(jt.next());
        if (!o.getName().equals(n.getName()) && o.getName().equalsIgnoreCase(n.getName())) {
          add(
              new SchemaChange(
                  ChangeKind.FIELD_RENAMED_CASE,
                  parent.child(n.getName()),
                  TypeText.of(o),
                  TypeText.of(n),
                  false,
                  false,
                  "'"
                      + o.getName()
                      + "' was renamed to '"
                      + n.getName()
                      + "'; names are case-sensitive, so this is a different column"));
          it.remove();
          jt.remove();
          break;
        }
      }
    }
    boolean closed = rules.readerModel() == ReaderModel.CLOSED;
    for (int i : onlyOld) {
      Field o = oldFields.get(i);
      removedFields.put(
          add(
              new SchemaChange(
                  ChangeKind.COLUMN_REMOVED,
                  parent.child(o.getName()),
                  TypeText.of(o),
                  "",
                  !closed,
                  o.isNullable(),
                  "'"
                      + parent.child(o.getName())
                      + "' was removed; "
                      + (o.isNullable()
                          ? "old readers fill it with nulls"
                          : "old readers require it (not nullable)")
                      + (closed
                          ? ", new readers reject it in old data (closed reader model)"
                          : ", new readers ignore it in old data (projecting reader model)"))),
          o);
    }
    for (int j : onlyNew) {
      Field n = newFields.get(j);
      addedFields.put(
          add(
              new SchemaChange(
                  ChangeKind.COLUMN_ADDED,
                  parent.child(n.getName()),
                  "",
                  TypeText.of(n),
                  n.isNullable(),
                  !closed,
                  "'"
                      + parent.child(n.getName())
                      + "' was added; "
                      + (n.isNullable()
                          ? "new readers fill it with nulls in old data"
                          : "new readers require it but old data lacks it (not nullable)")
                      + (closed
                          ? ", old readers reject it (closed reader model)"
                          : ", old readers ignore it (projecting reader model)"))),
          n);
    }
    // Reordering: compare the order of the paired fields on both sides.
    List<String> oldOrder = new ArrayList<>();
    List<String> newOrder = new ArrayList<>();
    List<int[]> byNew = new ArrayList<>(m.pairs());
    byNew.sort((a, b) -> Integer.compare(a[1], b[1]));
    for (int[] p : m.pairs()) {
      oldOrder.add(oldFields.get(p[0]).getName());
    }
    for (int[] p : byNew) {
      newOrder.add(newFields.get(p[1]).getName());
    }
    if (!oldOrder.equals(newOrder)) {
      add(
          new SchemaChange(
              ChangeKind.COLUMNS_REORDERED,
              parent,
              "",
              "",
              true,
              true,
              "columns under "
                  + parent
                  + " reordered from "
                  + oldOrder
                  + " to "
                  + newOrder
                  + "; readers match columns by name"));
    }
    for (int[] p : m.pairs()) {
      Field o = oldFields.get(p[0]);
      field(o, newFields.get(p[1]), parent.child(o.getName()));
    }
  }

  /** Compares two fields that stand for the same column. */
  void field(Field o, Field n, FieldPath path) {
    if (o.isNullable() && !n.isNullable()) {
      add(
          new SchemaChange(
              ChangeKind.NULLABILITY_TIGHTENED,
              path,
              TypeText.of(o),
              TypeText.of(n),
              false,
              true,
              "'"
                  + path
                  + "' became non-nullable; new readers cannot accept the nulls old data may hold"));
    } else if (!o.isNullable() && n.isNullable()) {
      add(
          new SchemaChange(
              ChangeKind.NULLABILITY_RELAXED,
              path,
              TypeText.of(o),
              TypeText.of(n),
              true,
              false,
              "'" + path + "' became nullable; old readers cannot accept nulls in new data"));
    }
    if (!dictionary(o, n, path)) {
      return;
    }
    if (!Objects.equals(TypeRules.extensionOf(o), TypeRules.extensionOf(n))) {
      add(
          new SchemaChange(
              ChangeKind.TYPE_CHANGED,
              path,
              TypeText.of(o),
              TypeText.of(n),
              false,
              false,
              "'"
                  + path
                  + "' changed extension type from "
                  + TypeRules.extensionOf(o)
                  + " to "
                  + TypeRules.extensionOf(n)));
      return;
    }
    if (!Objects.equals(o.getMetadata(), n.getMetadata())
        && !(isEmpty(o.getMetadata()) && isEmpty(n.getMetadata()))) {
      add(
          new SchemaChange(
              ChangeKind.METADATA_CHANGED,
              path,
              "",
              "",
              true,
              true,
              "metadata of '" + path + "' changed; metadata never affects compatibility"));
    }
    type(o, n, path);
  }

  /**
   * Records dictionary changes; returns false when the fields are so different that comparing their
   * value types says nothing more.
   */
  private boolean dictionary(Field o, Field n, FieldPath path) {
    DictionaryEncoding od = o.getDictionary();
    DictionaryEncoding nd = n.getDictionary();
    if (od == null && nd == null) {
      return true;
    }
    boolean decode = rules.allows(Widening.DICTIONARY_DECODE);
    boolean encode = rules.allows(Widening.DICTIONARY_ENCODE);
    if (od == null) {
      boolean backward = encode && canEncodeInto(nd);
      add(
          new SchemaChange(
              ChangeKind.DICTIONARY_ENCODED,
              path,
              TypeText.of(o),
              TypeText.of(n),
              backward,
              decode,
              "'"
                  + path
                  + "' became dictionary-encoded; "
                  + (backward
                      ? "new readers encode old values"
                      : "new readers cannot encode old values"
                          + " into "
                          + (nd.isOrdered()
                              ? "an ordered dictionary"
                              : "a dictionary with a "
                                  + TypeRules.indexType(nd).getBitWidth()
                                  + "-bit index")
                          + " for every batch")));
      return true;
    }
    if (nd == null) {
      boolean forward = encode && canEncodeInto(od);
      add(
          new SchemaChange(
              ChangeKind.DICTIONARY_DECODED,
              path,
              TypeText.of(o),
              TypeText.of(n),
              decode,
              forward,
              "'"
                  + path
                  + "' is no longer dictionary-encoded; new readers decode old dictionaries"));
      return true;
    }
    ArrowType.Int oi = TypeRules.indexType(od);
    ArrowType.Int ni = TypeRules.indexType(nd);
    if (!oi.equals(ni) || od.isOrdered() != nd.isOrdered()) {
      boolean backward = dictionaryReads(nd, od);
      boolean forward = dictionaryReads(od, nd);
      add(
          new SchemaChange(
              ChangeKind.DICTIONARY_CHANGED,
              path,
              TypeText.of(o),
              TypeText.of(n),
              backward,
              forward,
              "dictionary of '" + path + "' changed index type or order"));
    }
    return true;
  }

  /** Whether a reader with dictionary {@code reader} reads data encoded with {@code writer}. */
  private boolean dictionaryReads(DictionaryEncoding reader, DictionaryEncoding writer) {
    ArrowType.Int ri = TypeRules.indexType(reader);
    ArrowType.Int wi = TypeRules.indexType(writer);
    boolean orderOk = !reader.isOrdered() || writer.isOrdered();
    if (ri.equals(wi)) {
      return orderOk;
    }
    if (TypeRules.intWidens(wi, ri, rules)) {
      return orderOk;
    }
    return rules.allows(Widening.DICTIONARY_ENCODE) && canEncodeInto(reader);
  }

  private static boolean canEncodeInto(DictionaryEncoding d) {
    return !d.isOrdered() && TypeRules.indexHoldsAnyBatch(TypeRules.indexType(d));
  }

  private void type(Field o, Field n, FieldPath path) {
    ArrowType ot = TypeRules.storage(o.getType());
    ArrowType nt = TypeRules.storage(n.getType());
    ArrowType.ArrowTypeID oid = ot.getTypeID();
    ArrowType.ArrowTypeID nid = nt.getTypeID();
    switch (oid) {
      case Struct -> {
        if (nid == oid) {
          children(o.getChildren(), n.getChildren(), path);
          return;
        }
      }
      case List, LargeList -> {
        if (nid == ArrowType.ArrowTypeID.List || nid == ArrowType.ArrowTypeID.LargeList) {
          if (oid != nid) {
            boolean widened = oid == ArrowType.ArrowTypeID.List;
            boolean allowed = rules.allows(Widening.LIST_TO_LARGE_LIST);
            container(o, n, path, widened, allowed);
            if (!allowed) {
              return;
            }
          }
          elements(o, n, path);
          return;
        }
      }
      case FixedSizeList -> {
        if (nt.equals(ot)) {
          elements(o, n, path);
          return;
        }
      }
      case Map -> {
        if (nid == oid && o.getChildren().size() == 1 && n.getChildren().size() == 1) {
          boolean os = ((ArrowType.Map) ot).getKeysSorted();
          boolean ns = ((ArrowType.Map) nt).getKeysSorted();
          if (os != ns) {
            boolean allowed = rules.allows(Widening.MAP_KEYS_UNSORTED);
            container(o, n, path, os, allowed);
            if (!allowed) {
              return;
            }
          }
          List<Field> oe = o.getChildren().get(0).getChildren();
          List<Field> ne = n.getChildren().get(0).getChildren();
          if (oe.size() == 2 && ne.size() == 2) {
            field(oe.get(0), ne.get(0), path.child(FieldPath.MAP_KEY));
            field(oe.get(1), ne.get(1), path.child(FieldPath.MAP_VALUE));
            return;
          }
        }
      }
      default -> {
        if (nid == oid && !hasChildren(ot)) {
          primitive(o, n, ot, nt, path);
          return;
        }
        if (isPrimitive(ot) && isPrimitive(nt)) {
          primitive(o, n, ot, nt, path);
          return;
        }
      }
    }
    // Same kind of container with equal structure (unions, views, run-end encoded)?
    if (CanonicalForm.of(new Schema(List.of(strip(o))), false)
        .equals(CanonicalForm.of(new Schema(List.of(strip(n))), false))) {
      return;
    }
    retyped(
        ChangeKind.TYPE_CHANGED,
        path,
        o,
        n,
        false,
        false,
        "changed type from",
        TypeText.of(o),
        TypeText.of(n),
        "; no rule of the widening table relates them");
  }

  /** The field with the name, nullability and dictionary removed, for comparing types only. */
  private static Field strip(Field f) {
    return new Field(
        "",
        new org.apache.arrow.vector.types.pojo.FieldType(true, f.getType(), null, null),
        f.getChildren());
  }

  private static boolean hasChildren(ArrowType t) {
    return t.isComplex();
  }

  private static boolean isPrimitive(ArrowType t) {
    return !t.isComplex();
  }

  private void container(Field o, Field n, FieldPath path, boolean widened, boolean allowed) {
    if (!allowed) {
      retyped(
          ChangeKind.TYPE_CHANGED,
          path,
          o,
          n,
          false,
          false,
          "changed from",
          TypeText.of(o),
          TypeText.of(n),
          "; that widening is switched off in these rules");
      return;
    }
    retyped(
        widened ? ChangeKind.TYPE_WIDENED : ChangeKind.TYPE_NARROWED,
        path,
        o,
        n,
        widened,
        !widened,
        (widened ? "widened" : "narrowed") + " from",
        TypeText.of(o),
        TypeText.of(n),
        "");
  }

  private void elements(Field o, Field n, FieldPath path) {
    if (o.getChildren().size() == 1 && n.getChildren().size() == 1) {
      field(o.getChildren().get(0), n.getChildren().get(0), path.child(FieldPath.ELEMENT));
    }
  }

  private void primitive(Field o, Field n, ArrowType ot, ArrowType nt, FieldPath path) {
    if (ot.equals(nt)) {
      return;
    }
    if (ot instanceof ArrowType.Timestamp a
        && nt instanceof ArrowType.Timestamp b
        && a.getUnit() == b.getUnit()
        && !Objects.equals(a.getTimezone(), b.getTimezone())) {
      boolean ok = TypeRules.zonesCompatible(a.getTimezone(), b.getTimezone(), rules);
      add(
          new SchemaChange(
              ChangeKind.TIMEZONE_CHANGED,
              path,
              TypeText.of(o),
              TypeText.of(n),
              ok,
              ok,
              "'"
                  + path
                  + "' changed time zone from "
                  + a.getTimezone()
                  + " to "
                  + b.getTimezone()
                  + (ok
                      ? "; instants are unchanged (timezone policy ANY_ZONE)"
                      : "; timezone policy " + rules.timezonePolicy() + " requires equal zones")));
      return;
    }
    boolean widens = TypeRules.widens(ot, nt, rules);
    boolean narrows = !widens && TypeRules.widens(nt, ot, rules);
    retyped(
        widens
            ? ChangeKind.TYPE_WIDENED
            : narrows ? ChangeKind.TYPE_NARROWED : ChangeKind.TYPE_CHANGED,
        path,
        o,
        n,
        widens,
        narrows,
        widens ? "widened from" : narrows ? "narrowed from" : "changed type from",
        TypeText.ofType(ot, o),
        TypeText.ofType(nt, n),
        widens
            ? "; new readers read every old value, old readers cannot read new values"
            : narrows
                ? "; old readers read every new value, new readers cannot read old values"
                : "; no rule of the widening table relates them");
  }
}
