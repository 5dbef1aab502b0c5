package io.flowctl.client;

import io.flowctl.FlowctlException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Java records as Arrow rows, so a component is about its data and not about vectors: a record's
 * components are the batch's columns, in declaration order and by name.
 *
 * <table>
 *   <caption>The mapping</caption>
 *   <tr><th>Java</th><th>Arrow</th></tr>
 *   <tr><td>{@code boolean}, {@code byte}, {@code short}, {@code int}, {@code long}, {@code
 *       float}, {@code double}</td><td>bool, int8, int16, int32, int64, float32, float64, not
 *       null</td></tr>
 *   <tr><td>{@code Boolean}, {@code Byte}, … {@code Double}</td><td>the same, nullable</td></tr>
 *   <tr><td>{@code String}</td><td>utf8, not null</td></tr>
 *   <tr><td>{@code byte[]}</td><td>binary, not null</td></tr>
 *   <tr><td>{@code Instant}</td><td>timestamp(µs, "UTC"), not null</td></tr>
 *   <tr><td>{@code List<T>}</td><td>list of T, not null (T's own nullability for items)</td></tr>
 *   <tr><td>a record</td><td>struct of its components, not null</td></tr>
 *   <tr><td>{@code Optional<T>}</td><td>T, nullable (empty is null)</td></tr>
 * </table>
 *
 * <p>Reading takes columns by name, so a batch with more columns (a writer that added one) reads
 * into the same record; a column the record needs but the batch lacks, or of another type, is a
 * {@link FlowctlException} naming it. Thread-safe; build one per record type ({@link #of} caches
 * them).
 */
public final class RecordMapping<R extends Record> {
  private static final ConcurrentHashMap<Class<?>, RecordMapping<?>> CACHE =
      new ConcurrentHashMap<>();
  private static final int MAX_DEPTH = 16;

  private final Class<R> type;
  private final RecordShape shape;
  private final Schema schema;

  private RecordMapping(Class<R> type) {
    this.type = type;
    this.shape = RecordShape.of(type, type.getSimpleName(), 0);
    this.schema = new Schema(shape.fields());
  }

  /**
   * The mapping of {@code type}.
   *
   * @throws FlowctlException INVALID_ARGUMENT naming the component whose type has no mapping
   */
  @SuppressWarnings("unchecked")
  public static <R extends Record> RecordMapping<R> of(Class<R> type) {
    Objects.requireNonNull(type, "type");
    return (RecordMapping<R>) CACHE.computeIfAbsent(type, t -> new RecordMapping<>(type));
  }

  /** The record type. */
  public Class<R> type() {
    return type;
  }

  /** The Arrow schema of the record: what a component registers for it. */
  public Schema schema() {
    return schema;
  }

  /** A new batch of {@code rows}, allocated from {@code allocator}; the caller closes it. */
  public VectorSchemaRoot toBatch(List<? extends R> rows, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    try {
      root.allocateNew();
      for (int r = 0; r < rows.size(); r++) {
        write(root, r, Objects.requireNonNull(rows.get(r), "row " + r));
      }
      root.setRowCount(rows.size());
      return root;
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /** Writes {@code record} as row {@code row} of {@code root}, a batch of {@link #schema()}. */
  void write(VectorSchemaRoot root, int row, R record) {
    shape.write(root.getFieldVectors(), row, record, "");
  }

  /**
   * Every row of {@code batch} as a record, its columns taken by name.
   *
   * @throws FlowctlException INVALID_ARGUMENT naming a column the record needs that the batch lacks
   *     or holds as another type
   */
  public List<R> fromBatch(VectorSchemaRoot batch) {
    List<FieldVector> vectors = new ArrayList<>();
    for (Column c : shape.columns) {
      FieldVector v = batch.getVector(c.name);
      if (v == null) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "the batch has no column '" + c.name + "' for " + type.getSimpleName());
      }
      c.check(v);
      vectors.add(v);
    }
    List<R> out = new ArrayList<>(batch.getRowCount());
    for (int r = 0; r < batch.getRowCount(); r++) {
      out.add(type.cast(shape.read(vectors, r)));
    }
    return out;
  }

  /** A record type's columns and its canonical constructor. */
  private record RecordShape(List<Column> columns, MethodHandle constructor) {
    static RecordShape of(Class<?> type, String path, int depth) {
      if (!type.isRecord()) {
        throw invalid(path + ": " + type.getName() + " is not a record");
      }
      if (depth > MAX_DEPTH) {
        throw invalid(path + ": records nest deeper than " + MAX_DEPTH + " levels (recursive?)");
      }
      RecordComponent[] parts = type.getRecordComponents();
      List<Column> columns = new ArrayList<>();
      Class<?>[] types = new Class<?>[parts.length];
      for (int i = 0; i < parts.length; i++) {
        RecordComponent p = parts[i];
        types[i] = p.getType();
        MethodHandle get;
        try {
          var accessor = p.getAccessor();
          accessor.setAccessible(true);
          get = MethodHandles.lookup().unreflect(accessor);
        } catch (ReflectiveOperationException | RuntimeException e) {
          throw invalid(path + "." + p.getName() + ": cannot be read (" + e.getMessage() + ")");
        }
        columns.add(
            new Column(
                p.getName(), Kind.of(p.getGenericType(), path + "." + p.getName(), depth), get));
      }
      try {
        Constructor<?> c = type.getDeclaredConstructor(types);
        c.setAccessible(true);
        return new RecordShape(
            List.copyOf(columns), MethodHandles.lookup().unreflectConstructor(c));
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw invalid(
            path + ": its canonical constructor cannot be called (" + e.getMessage() + ")");
      }
    }

    List<Field> fields() {
      List<Field> out = new ArrayList<>();
      for (Column c : columns) {
        out.add(c.field);
      }
      return out;
    }

    /**
     * Writes {@code record}'s components into {@code vectors} (one per column) at {@code row};
     * {@code path} names the record in errors (empty at the top).
     */
    void write(List<FieldVector> vectors, int row, Object record, String path) {
      for (int c = 0; c < columns.size(); c++) {
        Column col = columns.get(c);
        col.kind.write(
            vectors.get(c),
            row,
            col.get(record),
            path.isEmpty() ? col.name : path + "." + col.name);
      }
    }

    /** The record at {@code row} of {@code vectors} (one per column). */
    Object read(List<FieldVector> vectors, int row) {
      Object[] args = new Object[columns.size()];
      for (int c = 0; c < args.length; c++) {
        args[c] = columns.get(c).kind.read(vectors.get(c), row);
      }
      return construct(args);
    }

    private Object construct(Object[] args) {
      try {
        return constructor.invokeWithArguments(args);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "a record's constructor refused a row: " + t,
            t);
      }
    }
  }

  private static FlowctlException invalid(String message) {
    return new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, message);
  }

  /** One component: its name, how it maps, how to read it off a record. */
  private static final class Column {
    final String name;
    final Kind kind;
    final Field field;
    final MethodHandle get;

    Column(String name, Kind kind, MethodHandle get) {
      this.name = name;
      this.kind = kind;
      this.field = kind.field(name);
      this.get = get;
    }

    Object get(Object record) {
      try {
        return get.invoke(record);
      } catch (Throwable t) {
        throw new FlowctlException(
            FlowctlException.Code.INTERNAL, "reading '" + name + "' failed: " + t, t);
      }
    }

    void check(FieldVector v) {
      if (!sameShape(v.getField(), field)) {
        throw invalid("column '" + name + "' is " + v.getField() + ", the record reads " + field);
      }
    }

    /** The same types all the way down (names of list items and nullability aside). */
    private static boolean sameShape(Field a, Field b) {
      if (!a.getType().equals(b.getType()) || a.getChildren().size() != b.getChildren().size()) {
        return false;
      }
      for (int i = 0; i < a.getChildren().size(); i++) {
        if (!sameShape(a.getChildren().get(i), b.getChildren().get(i))) {
          return false;
        }
      }
      return true;
    }
  }

  /** How one Java type maps to one Arrow field, and back. */
  private abstract static class Kind {
    final boolean nullable;
    final boolean optional; // read back as an Optional

    Kind(boolean nullable, boolean optional) {
      this.nullable = nullable;
      this.optional = optional;
    }

    abstract ArrowType arrowType();

    List<Field> children() {
      return List.of();
    }

    Field field(String name) {
      return new Field(name, new FieldType(nullable, arrowType(), null), children());
    }

    /** Writes {@code value} (never null unless nullable; an empty Optional is null). */
    final void write(FieldVector v, int index, Object value, String name) {
      if (value instanceof Optional<?> o) {
        value = o.orElse(null);
      }
      if (value == null) {
        if (!nullable) {
          throw invalid("'" + name + "' is null, and its column is not nullable");
        }
        v.setNull(index);
        return;
      }
      set(v, index, value, name);
    }

    abstract void set(FieldVector v, int index, Object value, String name);

    final Object read(FieldVector v, int index) {
      Object value = v.isNull(index) ? null : get(v, index);
      return optional ? Optional.ofNullable(value) : value;
    }

    abstract Object get(FieldVector v, int index);

    static Kind of(Type t, String path, int depth) {
      if (t instanceof ParameterizedType p) {
        Type raw = p.getRawType();
        Type arg = p.getActualTypeArguments()[0];
        if (raw == Optional.class) {
          return of(arg, path, depth).asOptional();
        }
        if (raw == List.class) {
          return new ListKind(of(arg, path + "[]", depth));
        }
        throw invalid(path + ": " + t.getTypeName() + " has no Arrow mapping");
      }
      if (t instanceof Class<?> c) {
        if (c.isRecord()) {
          return new StructKind(RecordShape.of(c, path, depth + 1));
        }
        Kind k = Scalar.of(c);
        if (k != null) {
          return k;
        }
      }
      throw invalid(path + ": " + t.getTypeName() + " has no Arrow mapping");
    }

    /** The same mapping for {@code Optional<T>}: nullable, read back as an Optional. */
    abstract Kind asOptional();
  }

  /** A primitive, boxed, String, byte[] or Instant value. */
  private static final class Scalar extends Kind {
    enum T {
      BOOL,
      I8,
      I16,
      I32,
      I64,
      F32,
      F64,
      UTF8,
      BINARY,
      MICROS
    }

    final T t;

    Scalar(T t, boolean nullable, boolean optional) {
      super(nullable, optional);
      this.t = t;
    }

    private static final Map<Class<?>, T> TYPES =
        Map.ofEntries(
            Map.entry(boolean.class, T.BOOL),
            Map.entry(Boolean.class, T.BOOL),
            Map.entry(byte.class, T.I8),
            Map.entry(Byte.class, T.I8),
            Map.entry(short.class, T.I16),
            Map.entry(Short.class, T.I16),
            Map.entry(int.class, T.I32),
            Map.entry(Integer.class, T.I32),
            Map.entry(long.class, T.I64),
            Map.entry(Long.class, T.I64),
            Map.entry(float.class, T.F32),
            Map.entry(Float.class, T.F32),
            Map.entry(double.class, T.F64),
            Map.entry(Double.class, T.F64),
            Map.entry(String.class, T.UTF8),
            Map.entry(byte[].class, T.BINARY),
            Map.entry(Instant.class, T.MICROS));

    /** The scalar of {@code c}, or null: boxed types are nullable, the rest not. */
    static Scalar of(Class<?> c) {
      T t = TYPES.get(c);
      boolean boxed = !c.isPrimitive() && t != T.UTF8 && t != T.BINARY && t != T.MICROS;
      return t == null ? null : new Scalar(t, boxed, false);
    }

    @Override
    Kind asOptional() {
      return new Scalar(t, true, true);
    }

    @Override
    ArrowType arrowType() {
      return switch (t) {
        case BOOL -> ArrowType.Bool.INSTANCE;
        case I8 -> new ArrowType.Int(8, true);
        case I16 -> new ArrowType.Int(16, true);
        case I32 -> new ArrowType.Int(32, true);
        case I64 -> new ArrowType.Int(64, true);
        case F32 -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
        case F64 -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
        case UTF8 -> ArrowType.Utf8.INSTANCE;
        case BINARY -> ArrowType.Binary.INSTANCE;
        case MICROS -> new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
      };
    }

    @Override
    void set(FieldVector v, int i, Object value, String name) {
      switch (t) {
        case BOOL -> ((BitVector) v).setSafe(i, (Boolean) value ? 1 : 0);
        case I8 -> ((TinyIntVector) v).setSafe(i, (Byte) value);
        case I16 -> ((SmallIntVector) v).setSafe(i, (Short) value);
        case I32 -> ((IntVector) v).setSafe(i, (Integer) value);
        case I64 -> ((BigIntVector) v).setSafe(i, (Long) value);
        case F32 -> ((Float4Vector) v).setSafe(i, (Float) value);
        case F64 -> ((Float8Vector) v).setSafe(i, (Double) value);
        case UTF8 ->
            ((VarCharVector) v).setSafe(i, ((String) value).getBytes(StandardCharsets.UTF_8));
        case BINARY -> ((VarBinaryVector) v).setSafe(i, (byte[]) value);
        case MICROS -> {
          Instant at = (Instant) value;
          ((TimeStampMicroTZVector) v)
              .setSafe(
                  i,
                  Math.addExact(
                      Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000));
        }
      }
    }

    @Override
    Object get(FieldVector v, int i) {
      return switch (t) {
        case BOOL -> ((BitVector) v).get(i) != 0;
        case I8 -> ((TinyIntVector) v).get(i);
        case I16 -> ((SmallIntVector) v).get(i);
        case I32 -> ((IntVector) v).get(i);
        case I64 -> ((BigIntVector) v).get(i);
        case F32 -> ((Float4Vector) v).get(i);
        case F64 -> ((Float8Vector) v).get(i);
        case UTF8 -> new String(((VarCharVector) v).get(i), StandardCharsets.UTF_8);
        case BINARY -> ((VarBinaryVector) v).get(i);
        case MICROS -> {
          long micros = ((TimeStampMicroTZVector) v).get(i);
          yield Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
        }
      };
    }
  }

  /** {@code List<T>}: a list whose items are T. */
  private static final class ListKind extends Kind {
    final Kind item;

    ListKind(Kind item) {
      this(item, false, false);
    }

    ListKind(Kind item, boolean nullable, boolean optional) {
      super(nullable, optional);
      this.item = item;
    }

    @Override
    Kind asOptional() {
      return new ListKind(item, true, true);
    }

    @Override
    ArrowType arrowType() {
      return ArrowType.List.INSTANCE;
    }

    @Override
    List<Field> children() {
      return List.of(item.field("item"));
    }

    @Override
    void set(FieldVector v, int i, Object value, String name) {
      ListVector list = (ListVector) v;
      List<?> items = (List<?>) value;
      int start = list.startNewValue(i);
      FieldVector data = list.getDataVector();
      for (int k = 0; k < items.size(); k++) {
        item.write(data, start + k, items.get(k), name + "[" + k + "]");
      }
      list.endValue(i, items.size());
    }

    @Override
    Object get(FieldVector v, int i) {
      ListVector list = (ListVector) v;
      int start = list.getElementStartIndex(i);
      int end = list.getElementEndIndex(i);
      List<Object> out = new ArrayList<>(end - start);
      for (int k = start; k < end; k++) {
        out.add(item.read(list.getDataVector(), k));
      }
      return java.util.Collections.unmodifiableList(out);
    }
  }

  /** A nested record: a struct of its components. */
  private static final class StructKind extends Kind {
    final RecordShape shape;

    StructKind(RecordShape shape) {
      this(shape, false, false);
    }

    StructKind(RecordShape shape, boolean nullable, boolean optional) {
      super(nullable, optional);
      this.shape = shape;
    }

    @Override
    Kind asOptional() {
      return new StructKind(shape, true, true);
    }

    @Override
    ArrowType arrowType() {
      return ArrowType.Struct.INSTANCE;
    }

    @Override
    List<Field> children() {
      return shape.fields();
    }

    @Override
    void set(FieldVector v, int i, Object value, String name) {
      StructVector struct = (StructVector) v;
      struct.setIndexDefined(i);
      shape.write(struct.getChildrenFromFields(), i, value, name);
    }

    @Override
    Object get(FieldVector v, int i) {
      return shape.read(((StructVector) v).getChildrenFromFields(), i);
    }
  }
}
