package io.flowctl.schema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * How {@link SchemaProjector} builds each reader field from (at most) one writer field, planned
 * once per schema pair the checker accepted: fields matched by name (by position inside lists), one
 * node per reader field by kind. Each kind has one builder in the projector's run, so the two agree
 * case for case through the exhaustive switch over {@link Kind}.
 */
final class ProjectionPlan {
  private ProjectionPlan() {}

  enum Kind {
    NULLS,
    TRANSFER,
    STRUCT,
    LIST,
    FIXED_LIST,
    PRIMITIVE,
    DICT_COPY,
    DECODE_ENCODE
  }

  /** How to build one reader field from (at most) one writer field. */
  record Node(
      Kind kind,
      Field writer,
      Field reader,
      int writerIndex,
      List<Node> children,
      Node values,
      Node indices) {}

  /** The plan of every top-level reader field. */
  static List<Node> of(Schema writer, Schema reader) {
    return children(
        ArrowSchemas.withoutNullNames(writer).getFields(),
        ArrowSchemas.withoutNullNames(reader).getFields(),
        false);
  }

  private static List<Node> children(List<Field> wFields, List<Field> rFields, boolean positional) {
    Map<Integer, Integer> readerToWriter = new HashMap<>();
    if (positional) {
      for (int i = 0; i < Math.min(wFields.size(), rFields.size()); i++) {
        readerToWriter.put(i, i);
      }
    } else {
      for (int[] p : FieldMatching.of(wFields, rFields).pairs()) {
        readerToWriter.put(p[1], p[0]);
      }
    }
    List<Node> nodes = new ArrayList<>(rFields.size());
    for (int j = 0; j < rFields.size(); j++) {
      Integer i = readerToWriter.get(j);
      nodes.add(i == null ? nulls(rFields.get(j)) : node(wFields.get(i), rFields.get(j), i));
    }
    return nodes;
  }

  private static Node nulls(Field r) {
    return new Node(Kind.NULLS, null, r, -1, List.of(), null, null);
  }

  /**
   * The plan of reader field {@code r} from writer field {@code w} (column {@code writerIndex}).
   */
  static Node node(Field w, Field r, int writerIndex) {
    DictionaryEncoding wd = w.getDictionary();
    DictionaryEncoding rd = r.getDictionary();
    if (wd != null || rd != null) {
      Node values = node(valueField(w), valueField(r), writerIndex);
      if (wd != null && rd != null) {
        ArrowType.Int wi = TypeRules.indexType(wd);
        ArrowType.Int ri = TypeRules.indexType(rd);
        if (wi.equals(ri) || TypeRules.intWidens(wi, ri, CompatibilityRules.defaults())) {
          Node indices = node(indexField(w, wi), indexField(r, ri), writerIndex);
          return new Node(Kind.DICT_COPY, w, r, writerIndex, List.of(), values, indices);
        }
      }
      return new Node(Kind.DECODE_ENCODE, w, r, writerIndex, List.of(), values, null);
    }
    if (sameLayout(w, r)) {
      return new Node(Kind.TRANSFER, w, r, writerIndex, List.of(), null, null);
    }
    ArrowType wt = TypeRules.storage(w.getType());
    ArrowType rt = TypeRules.storage(r.getType());
    return switch (rt.getTypeID()) {
      case Struct ->
          new Node(
              Kind.STRUCT,
              w,
              r,
              writerIndex,
              children(w.getChildren(), r.getChildren(), false),
              null,
              null);
      case List, LargeList, Map ->
          new Node(
              Kind.LIST,
              w,
              r,
              writerIndex,
              children(w.getChildren(), r.getChildren(), true),
              null,
              null);
      case FixedSizeList ->
          new Node(
              Kind.FIXED_LIST,
              w,
              r,
              writerIndex,
              children(w.getChildren(), r.getChildren(), true),
              null,
              null);
      default -> {
        if (rt.isComplex() || wt.isComplex()) {
          throw new IllegalStateException("checker accepted " + w + " -> " + r);
        }
        yield new Node(Kind.PRIMITIVE, w, r, writerIndex, List.of(), null, null);
      }
    };
  }

  /** The field of a dictionary-encoded field's values. */
  static Field valueField(Field f) {
    return new Field(
        f.getName(),
        new FieldType(f.isNullable(), f.getType(), null, f.getMetadata()),
        f.getChildren());
  }

  private static Field indexField(Field f, ArrowType.Int index) {
    return new Field(f.getName(), new FieldType(f.isNullable(), index, null), null);
  }

  private static boolean sameLayout(Field w, Field r) {
    return CanonicalForm.of(new Schema(List.of(anonymous(w))), false)
        .equals(CanonicalForm.of(new Schema(List.of(anonymous(r))), false));
  }

  /** The field without name and nullability: two columns with the same data layout match. */
  private static Field anonymous(Field f) {
    return new Field(
        "", new FieldType(true, f.getType(), f.getDictionary(), f.getMetadata()), f.getChildren());
  }
}
