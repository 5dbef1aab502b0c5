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

  private RecordMapping(Class<R> type) {
    this.type = type;
    this.shape = RecordShape.of(type, type.getSimpleName(), 0);
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
    return new Schema(shape.fields());
  }

  /** A new batch of {@code rows}, allocated from {@code allocator}; the caller closes it. */
  public VectorSchemaRoot toBatch(List<? extends R> rows, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema(), allocator);
    try {
      root.allocateNew();
      for (int r = 0; r < rows.size(); r++) {
        R row = Objects.requireNonNull(rows.get(r), "row " + r);
        for (int c = 0; c < shape.columns.size(); c++) {
          Column col = shape.columns.get(c);
          col.write(root.getVector(c), r, col.get(row));
        }
      }
      root.setRowCount(rows.size());
      return root;
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
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
    Object[] args = new Object[shape.columns.size()];
    for (int r = 0; r < batch.getRowCount(); r++) {
      for (int c = 0; c < args.length; c++) {
        args[c] = shape.columns.get(c).read(vectors.get(c), r);
      }
      out.add(type.cast(shape.construct(args)));
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
        out.add(c.kind.field(c.name));
      }
      return out;
    }

    Object construct(Object[] args) {
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
    final MethodHandle get;

    Column(String name, Kind kind, MethodHandle get) {
      this.name = name;
      this.kind = kind;
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

    void write(FieldVector v, int index, Object value) {
      kind.write(v, index, value, name);
    }

    Object read(FieldVector v, int index) {
      return kind.read(v, index);
    }

    void check(FieldVector v) {
      Field want = kind.field(name);
      if (!sameShape(v.getField(), want)) {
        throw invalid("column '" + name + "' is " + v.getField() + ", the record reads " + want);
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

    Kind(boolean nullable) {
      this.nullable = nullable;
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

    boolean optional;

    static Kind of(Type t, String path, int depth) {
      if (t instanceof ParameterizedType p) {
        Type raw = p.getRawType();
        Type arg = p.getActualTypeArguments()[0];
        if (raw == Optional.class) {
          Kind inner = of(arg, path, depth).nullableCopy();
          inner.optional = true;
          return inner;
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

    abstract Kind nullableCopy();
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

    Scalar(T t, boolean nullable) {
      super(nullable);
      this.t = t;
    }

    static Scalar of(Class<?> c) {
      if (c == boolean.class || c == Boolean.class) {
        return new Scalar(T.BOOL, !c.isPrimitive());
      }
      if (c == byte.class || c == Byte.class) {
        return new Scalar(T.I8, !c.isPrimitive());
      }
      if (c == short.class || c == Short.class) {
        return new Scalar(T.I16, !c.isPrimitive());
      }
      if (c == int.class || c == Integer.class) {
        return new Scalar(T.I32, !c.isPrimitive());
      }
      if (c == long.class || c == Long.class) {
        return new Scalar(T.I64, !c.isPrimitive());
      }
      if (c == float.class || c == Float.class) {
        return new Scalar(T.F32, !c.isPrimitive());
      }
      if (c == double.class || c == Double.class) {
        return new Scalar(T.F64, !c.isPrimitive());
      }
      if (c == String.class) {
        return new Scalar(T.UTF8, false);
      }
      if (c == byte[].class) {
        return new Scalar(T.BINARY, false);
      }
      if (c == Instant.class) {
        return new Scalar(T.MICROS, false);
      }
      return null;
    }

    @Override
    Kind nullableCopy() {
      return new Scalar(t, true);
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
      this(item, false);
    }

    ListKind(Kind item, boolean nullable) {
      super(nullable);
      this.item = item;
    }

    @Override
    Kind nullableCopy() {
      return new ListKind(item, true);
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
      this(shape, false);
    }

    StructKind(RecordShape shape, boolean nullable) {
      super(nullable);
      this.shape = shape;
    }

    @Override
    Kind nullableCopy() {
      return new StructKind(shape, true);
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
      for (int c = 0; c < shape.columns().size(); c++) {
        Column col = shape.columns().get(c);
        col.kind.write(
            (FieldVector) struct.getChildByOrdinal(c), i, col.get(value), name + "." + col.name);
      }
    }

    @Override
    Object get(FieldVector v, int i) {
      StructVector struct = (StructVector) v;
      Object[] args = new Object[shape.columns().size()];
      for (int c = 0; c < args.length; c++) {
        args[c] = shape.columns().get(c).kind.read((FieldVector) struct.getChildByOrdinal(c), i);
      }
      return shape.construct(args);
    }
  }
}
