package io.flowctl.testing;

import io.flowctl.schema.ArrowSchemas;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Rows of a schema as plain Java values, independent of the physical Arrow types, so that data can
 * be generated, shrunk, printed and compared before and after a projection or a codec round trip.
 *
 * <p>Logical values: {@code null}; {@code Boolean}; integers of any width and signedness as {@code
 * Long} ({@code BigInteger} for uint64 values above {@code Long.MAX_VALUE}); floating point as
 * {@code Double}; decimals as {@code BigDecimal} with the type's scale; strings as {@code String};
 * binary, fixed-size binary and extension storage as {@link Bytes}; dates as {@code LocalDate};
 * times as {@code LocalTime}; timestamps as {@code Instant}; durations (read only) as {@code
 * java.time.Duration}; lists as {@code List}; structs as {@code Map<String, Object>} in field
 * order; maps as a {@code List} of {@code Map.Entry}; dictionary-encoded values as the decoded
 * value.
 *
 * @param schema the schema, in message format (see {@link ArrowSchemas})
 * @param rows one list of column values per row, in field order
 */
public record BatchData(Schema schema, List<List<Object>> rows) {
  public BatchData {
    Objects.requireNonNull(schema, "schema");
    List<List<Object>> copy = new ArrayList<>(rows.size());
    for (List<Object> r : rows) {
      if (r.size() != schema.getFields().size()) {
        throw new IllegalArgumentException(
            "a row has " + r.size() + " values for " + schema.getFields().size() + " fields");
      }
      copy.add(Collections.unmodifiableList(new ArrayList<>(r)));
    }
    rows = Collections.unmodifiableList(copy);
  }

  public int rowCount() {
    return rows.size();
  }

  /**
   * A batch and its dictionaries, owned by the caller; close it to release both.
   *
   * @param root the batch, in memory format like a root from an Arrow reader
   * @param dictionaries the dictionaries of the encoded fields, by the schema's ids
   */
  public record Written(
      VectorSchemaRoot root, DictionaryProvider.MapDictionaryProvider dictionaries)
      implements AutoCloseable {
    @Override
    public void close() {
      List<AutoCloseable> all = new ArrayList<>();
      all.add(root);
      for (long id : dictionaries.getDictionaryIds()) {
        all.add(dictionaries.lookup(id).getVector());
      }
      try {
        AutoCloseables.close(all);
      } catch (Exception e) {
        throw new IllegalStateException("closing a written batch failed", e);
      }
    }
  }

  /** Writes the rows into new vectors from {@code allocator}. */
  public Written write(BufferAllocator allocator) {
    List<Field> memory = new ArrayList<>();
    for (Field f : schema.getFields()) {
      memory.add(memoryFormat(f));
    }
    VectorSchemaRoot root =
        VectorSchemaRoot.create(new Schema(memory, schema.getCustomMetadata()), allocator);
    Dictionaries dictionaries = new Dictionaries(allocator);
    try {
      root.allocateNew();
      dictionaries.declare(schema.getFields());
      for (int i = 0; i < rows.size(); i++) {
        for (int c = 0; c < memory.size(); c++) {
          write(root.getVector(c), schema.getFields().get(c), i, rows.get(i).get(c), dictionaries);
        }
      }
      root.setRowCount(rows.size());
      return new Written(root, dictionaries.finish());
    } catch (RuntimeException e) {
      dictionaries.closeAll();
      root.close();
      throw e;
    }
  }

  /**
   * Reads a batch back. The root may be in memory format (from a reader) or have message-format
   * fields over index vectors (from a projector).
   */
  public static BatchData read(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    Schema message =
        ArrowSchemas.hasDictionaryFields(root.getSchema())
            ? ArrowSchemas.messageFormat(root.getSchema(), dictionaries)
            : root.getSchema();
    List<List<Object>> rows = new ArrayList<>(root.getRowCount());
    List<Field> fields = root.getSchema().getFields();
    for (int i = 0; i < root.getRowCount(); i++) {
      List<Object> row = new ArrayList<>(fields.size());
      for (int c = 0; c < fields.size(); c++) {
        row.add(LogicalValues.read(root.getVector(c), fields.get(c), i, dictionaries));
      }
      rows.add(row);
    }
    return new BatchData(message, rows);
  }

  /**
   * What a reader with {@code reader} should see of these rows: columns matched by name at every
   * level, missing ones null, integers read by a floating-point column as {@code Double}. The
   * reference that a projector's output is compared with.
   */
  public BatchData projectTo(Schema reader) {
    List<List<Object>> out = new ArrayList<>(rows.size());
    for (List<Object> row : rows) {
      List<Object> projected = new ArrayList<>(reader.getFields().size());
      for (Field r : reader.getFields()) {
        int w = indexOf(schema.getFields(), r.getName());
        projected.add(w < 0 ? null : convert(row.get(w), schema.getFields().get(w), r));
      }
      out.add(projected);
    }
    return new BatchData(reader, out);
  }

  // ---- projection reference ----

  private static int indexOf(List<Field> fields, String name) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.get(i).getName().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  @SuppressWarnings("unchecked")
  private static Object convert(Object value, Field w, Field r) {
    if (value == null) {
      return null;
    }
    ArrowType rt = r.getType();
    if (rt instanceof ArrowType.Struct) {
      Map<String, Object> in = (Map<String, Object>) value;
      Map<String, Object> out = new LinkedHashMap<>();
      for (Field rc : r.getChildren()) {
        int wi = indexOf(w.getChildren(), rc.getName());
        out.put(
            rc.getName(),
            wi < 0 ? null : convert(in.get(rc.getName()), w.getChildren().get(wi), rc));
      }
      return Collections.unmodifiableMap(out);
    }
    if (rt instanceof ArrowType.Map) {
      Field we = w.getChildren().get(0);
      Field re = r.getChildren().get(0);
      List<Object> out = new ArrayList<>();
      for (Object o : (List<Object>) value) {
        Map.Entry<Object, Object> e = (Map.Entry<Object, Object>) o;
        out.add(
            new AbstractMap.SimpleImmutableEntry<>(
                convert(e.getKey(), we.getChildren().get(0), re.getChildren().get(0)),
                convert(e.getValue(), we.getChildren().get(1), re.getChildren().get(1))));
      }
      return Collections.unmodifiableList(out);
    }
    if (rt instanceof ArrowType.List
        || rt instanceof ArrowType.LargeList
        || rt instanceof ArrowType.FixedSizeList) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<Object>) value) {
        out.add(convert(o, w.getChildren().get(0), r.getChildren().get(0)));
      }
      return Collections.unmodifiableList(out);
    }
    if (rt instanceof ArrowType.FloatingPoint
        && value instanceof Number n
        && !(n instanceof Double)) {
      return n.doubleValue();
    }
    return value;
  }

  // ---- writing ----

  private static Field memoryFormat(Field f) {
    DictionaryEncoding d = f.getDictionary();
    if (d != null) {
      return new Field(
          f.getName(), new FieldType(f.isNullable(), d.getIndexType(), d, f.getMetadata()), null);
    }
    List<Field> children = new ArrayList<>(f.getChildren().size());
    for (Field c : f.getChildren()) {
      children.add(memoryFormat(c));
    }
    return new Field(f.getName(), f.getFieldType(), children);
  }

  private static Field plain(Field f) {
    return new Field(
        f.getName(),
        new FieldType(f.isNullable(), f.getType(), null, f.getMetadata()),
        f.getChildren());
  }

  /** The dictionaries being built while writing: distinct values in first-seen order. */
  private static final class Dictionaries {
    private final BufferAllocator allocator;
    private final Map<Long, Map<Object, Integer>> indexes = new HashMap<>();
    private final Map<Long, FieldVector> vectors = new LinkedHashMap<>();
    private final Map<Long, DictionaryEncoding> encodings = new HashMap<>();

    Dictionaries(BufferAllocator allocator) {
      this.allocator = allocator;
    }

    /** Creates the (possibly empty) dictionary of every encoded field, at any depth. */
    void declare(List<Field> fields) {
      for (Field f : fields) {
        if (f.getDictionary() != null) {
          vector(f);
        }
        declare(f.getChildren());
      }
    }

    private FieldVector vector(Field field) {
      long id = field.getDictionary().getId();
      encodings.put(id, field.getDictionary());
      return vectors.computeIfAbsent(
          id,
          k -> {
            FieldVector created = plain(field).createVector(allocator);
            created.allocateNew();
            created.setValueCount(0);
            return created;
          });
    }

    int indexOf(Field field, Object value) {
      long id = field.getDictionary().getId();
      Map<Object, Integer> index = indexes.computeIfAbsent(id, k -> new HashMap<>());
      Integer known = index.get(value);
      if (known != null) {
        return known;
      }
      FieldVector v = vector(field);
      int at = index.size();
      write(v, plain(field), at, value, this);
      v.setValueCount(at + 1);
      index.put(value, at);
      return at;
    }

    DictionaryProvider.MapDictionaryProvider finish() {
      DictionaryProvider.MapDictionaryProvider p = new DictionaryProvider.MapDictionaryProvider();
      for (Map.Entry<Long, FieldVector> e : vectors.entrySet()) {
        p.put(new Dictionary(e.getValue(), encodings.get(e.getKey())));
      }
      return p;
    }

    void closeAll() {
      vectors.values().forEach(FieldVector::close);
    }
  }

  @SuppressWarnings("unchecked")
  private static void write(
      ValueVector v, Field field, int i, Object value, Dictionaries dictionaries) {
    if (value == null) {
      setNull(v, i);
      return;
    }
    if (field.getDictionary() != null) {
      LogicalValues.writeLeaf(v, i, (long) dictionaries.indexOf(field, value));
    } else if (v instanceof StructVector s) {
      s.setIndexDefined(i);
      Map<String, Object> values = (Map<String, Object>) value;
      List<Field> children = field.getChildren();
      for (int c = 0; c < children.size(); c++) {
        Field cf = children.get(c);
        write(s.getChildByOrdinal(c), cf, i, values.get(cf.getName()), dictionaries);
      }
    } else if (v instanceof MapVector m) {
      List<Object> entries = (List<Object>) value;
      int offset = m.startNewValue(i);
      StructVector data = (StructVector) m.getDataVector();
      Field entriesField = field.getChildren().get(0);
      for (int k = 0; k < entries.size(); k++) {
        Map.Entry<Object, Object> e = (Map.Entry<Object, Object>) entries.get(k);
        data.setIndexDefined(offset + k);
        write(
            data.getChildByOrdinal(0),
            entriesField.getChildren().get(0),
            offset + k,
            e.getKey(),
            dictionaries);
        write(
            data.getChildByOrdinal(1),
            entriesField.getChildren().get(1),
            offset + k,
            e.getValue(),
            dictionaries);
      }
      m.endValue(i, entries.size());
    } else if (v instanceof ListVector l) {
      List<Object> elements = (List<Object>) value;
      int offset = l.startNewValue(i);
      for (int k = 0; k < elements.size(); k++) {
        write(
            l.getDataVector(),
            field.getChildren().get(0),
            offset + k,
            elements.get(k),
            dictionaries);
      }
      l.endValue(i, elements.size());
    } else if (v instanceof LargeListVector l) {
      List<Object> elements = (List<Object>) value;
      long offset = l.startNewValue(i);
      for (int k = 0; k < elements.size(); k++) {
        write(
            l.getDataVector(),
            field.getChildren().get(0),
            Math.toIntExact(offset + k),
            elements.get(k),
            dictionaries);
      }
      l.endValue(i, elements.size());
    } else if (v instanceof FixedSizeListVector l) {
      List<Object> elements = (List<Object>) value;
      l.setNotNull(i);
      for (int k = 0; k < elements.size(); k++) {
        write(
            l.getDataVector(),
            field.getChildren().get(0),
            i * l.getListSize() + k,
            elements.get(k),
            dictionaries);
      }
    } else {
      LogicalValues.writeLeaf(v, i, value);
    }
  }

  private static void setNull(ValueVector v, int i) {
    try {
      if (v instanceof FieldVector f) {
        f.setNull(i); // extension vectors pass it to their storage
        return;
      }
    } catch (UnsupportedOperationException e) {
      // a union: its nulls are a member's
    }
    throw new IllegalArgumentException("cannot write null into " + v.getClass().getSimpleName());
  }
}
