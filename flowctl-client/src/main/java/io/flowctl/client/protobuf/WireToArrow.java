package io.flowctl.client.protobuf;

import com.google.common.base.Utf8;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DurationVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampNanoTZVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Parses serialized messages straight into Arrow vectors, with no message objects: each field's
 * bytes are read from the wire into its column (strings and bytes copied once, from the input into
 * the vector). One instance fills one batch on one thread.
 *
 * <p>Protobuf's rules for what a parser sees more than once — the last value of a singular field
 * wins, a message field merges, the last member of a oneof wins — would need values taken back out
 * of written vectors. They are rare on the wire (a writer emits each field once), so the fast path
 * assumes them away and, when a message breaks the assumption, re-encodes that one message through
 * protobuf-java's parser (which applies the rules) and reads it again into the same row.
 */
final class WireToArrow implements AutoCloseable {
  /** Thrown (without a stack) when a message repeats a singular field or sets two oneof members. */
  private static final class Redo extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Redo() {
      super(null, null, false, false);
    }
  }

  private static final Redo REDO = new Redo();
  private static final byte[] EMPTY = new byte[0];

  private final Descriptor type;
  private final Schema schema;
  private final BufferAllocator allocator;
  private final JsonFormat.Printer json;
  private final VectorSchemaRoot root;
  private final List<EnumDictionary> enums = new ArrayList<>();

  /** Every list column of the tree: the only readers with state that a failed message resets. */
  private final List<ListColumn> lists = new ArrayList<>();

  private final MessageReader top;

  /** The input being read: values find their bytes here, at {@code base + in's position}. */
  private byte[] buf;

  private int base;
  private int rows;
  private long bytes;
  private boolean handedOver;

  WireToArrow(Descriptor type, Schema schema, BufferAllocator allocator, JsonFormat.Printer json) {
    this.type = type;
    this.schema = schema;
    this.allocator = allocator;
    this.json = json;
    this.root = VectorSchemaRoot.create(ProtoSchemas.memoryFormat(schema), allocator);
    try {
      List<Column> columns = new ArrayList<>();
      for (FieldDescriptor f : type.getFields()) {
        columns.add(column(f, root.getVector(f.getName()), f.getName()));
      }
      this.top = new MessageReader(type, columns);
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  int rows() {
    return rows;
  }

  long bytes() {
    return bytes;
  }

  /**
   * Appends one message as the next row.
   *
   * @param index the message's index in the caller's input, named in errors
   */
  void append(byte[] message, int offset, int length, int index) {
    int row = rows;
    mark();
    try {
      appendRow(message, offset, length, index, row);
    } catch (RuntimeException e) {
      reset(); // the next message takes this row, as if this one had never come
      throw e;
    }
    rows++;
    bytes += length;
  }

  private void appendRow(byte[] message, int offset, int length, int index, int row) {
    try {
      read(message, offset, length, row);
    } catch (Redo redo) {
      reset();
      byte[] canonical;
      try {
        canonical =
            DynamicMessage.parseFrom(
                    type, com.google.protobuf.ByteString.copyFrom(message, offset, length))
                .toByteArray();
      } catch (InvalidProtocolBufferException e) {
        throw new ProtoConversionException(
            "message " + index + " is not a " + type.getFullName() + ": " + e.getMessage(),
            index,
            "",
            e);
      }
      try {
        read(canonical, 0, canonical.length, row);
      } catch (Redo again) {
        throw new IllegalStateException("a canonical message repeated a field", again);
      }
    } catch (ProtoConversionException e) {
      throw new ProtoConversionException(
          "message " + index + " (" + type.getFullName() + "): " + e.getMessage(),
          index,
          e.field(),
          e);
    } catch (OutOfMemoryException e) {
      throw new ProtoConversionException(
          "message "
              + index
              + " does not fit in the batch's memory ("
              + allocator.getLimit()
              + " bytes): "
              + e.getMessage(),
          index,
          "",
          e);
    }
  }

  private void mark() {
    for (int i = 0; i < lists.size(); i++) {
      lists.get(i).mark();
    }
  }

  private void reset() {
    for (int i = 0; i < lists.size(); i++) {
      lists.get(i).reset();
    }
  }

  private void read(byte[] message, int offset, int length, int row) {
    this.buf = message;
    this.base = offset;
    CodedInputStream in = CodedInputStream.newInstance(message, offset, length);
    try {
      top.read(in, row);
      if (!in.isAtEnd()) {
        throw new ProtoConversionException("an end-group tag outside a group", -1, "");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ProtoConversionException(e.getMessage(), -1, "", e);
    } catch (IOException e) {
      throw new ProtoConversionException(e.getMessage(), -1, "", e);
    }
  }

  /** The batch so far, handed to the caller (this converter is then done). */
  ProtoBatch finish() {
    root.setRowCount(rows);
    DictionaryProvider.MapDictionaryProvider provider =
        new DictionaryProvider.MapDictionaryProvider();
    List<VarCharVector> made = new ArrayList<>();
    try {
      for (EnumDictionary d : enums) {
        VarCharVector names = new VarCharVector("dictionary-" + d.encoding.getId(), allocator);
        made.add(names);
        for (int i = 0; i < d.names.size(); i++) {
          names.setSafe(i, d.names.get(i).getBytes(StandardCharsets.UTF_8));
        }
        names.setValueCount(d.names.size());
        provider.put(new Dictionary(names, d.encoding));
      }
    } catch (RuntimeException e) {
      made.forEach(VarCharVector::close);
      throw e;
    }
    handedOver = true;
    return new ProtoBatch(root, provider, made);
  }

  @Override
  public void close() {
    if (!handedOver) {
      root.close();
    }
  }

  // ---- building the readers --------------------------------------------------------------------

  private Column column(FieldDescriptor f, FieldVector vector, String path) {
    if (f.isRepeated()) {
      ListVector list = (ListVector) vector;
      FieldVector items = (FieldVector) list.getDataVector();
      if (f.isMapField()) {
        Descriptor entry = f.getMessageType();
        StructVector entries = (StructVector) items;
        List<Column> kv =
            List.of(
                single(entry.findFieldByNumber(1), entries.getChild("key"), path + ".key", false),
                single(
                    entry.findFieldByNumber(2),
                    entries.getChild("value"),
                    path + ".value",
                    ProtoSchemas.nullable(entry.findFieldByNumber(2))));
        return new ListColumn(
            path, list, new StructValue(entries, new MessageReader(entry, kv), path));
      }
      return new ListColumn(path, list, value(f, items, path + "[]"));
    }
    return single(f, vector, path, ProtoSchemas.nullable(f));
  }

  private ListColumn listed(ListColumn c) {
    lists.add(c);
    return c;
  }

  private Column single(FieldDescriptor f, FieldVector vector, String path, boolean nullable) {
    return new SingleColumn(path, value(f, vector, path), nullable);
  }

  private Value value(FieldDescriptor f, FieldVector vector, String path) {
    switch (f.getJavaType()) {
      case MESSAGE -> {
        Descriptor m = f.getMessageType();
        String full = m.getFullName();
        if (full.equals(ProtoSchemas.TIMESTAMP) || full.equals(ProtoSchemas.DURATION)) {
          return new NanosValue(vector, path, full.equals(ProtoSchemas.TIMESTAMP));
        }
        FieldDescriptor.Type wrapped = ProtoSchemas.WRAPPERS.get(full);
        if (wrapped != null) {
          return new WrapperValue(new ScalarValue(wrapped, vector, path), path);
        }
        if (ProtoSchemas.JSON_TYPES.contains(full)) {
          return new JsonValue(m, (VarCharVector) vector, path);
        }
        StructVector struct = (StructVector) vector;
        List<Column> children = new ArrayList<>();
        for (FieldDescriptor c : m.getFields()) {
          children.add(
              column(c, (FieldVector) struct.getChild(c.getName()), path + "." + c.getName()));
        }
        return new StructValue(struct, new MessageReader(m, children), path);
      }
      case ENUM -> {
        Field field = vector.getField();
        EnumDictionary d = new EnumDictionary(f.getEnumType(), field.getDictionary());
        enums.add(d);
        return new EnumValue(
            (IntVector) vector, d, ((EnumValueDescriptor) defaultOf(f)).getNumber());
      }
      default -> {
        return new ScalarValue(f.getType(), vector, path);
      }
    }
  }

  private static final java.lang.invoke.VarHandle LONGS =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * Whether the bytes are UTF-8, as protobuf requires of a string: eight ASCII bytes at a time (the
   * usual case for identifiers, hashes and amounts), the rest through Guava's full check.
   */
  static boolean wellFormed(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    while (i + 8 <= end) {
      if (((long) LONGS.get(b, i) & 0x8080808080808080L) != 0) {
        return Utf8.isWellFormed(b, i, end - i);
      }
      i += 8;
    }
    while (i < end) {
      if (b[i] < 0) {
        return Utf8.isWellFormed(b, i, end - i);
      }
      i++;
    }
    return true;
  }

  static int wireTypeOf(FieldDescriptor.Type type) {
    return switch (type) {
      case FIXED32, SFIXED32, FLOAT -> WireFormat.WIRETYPE_FIXED32;
      case FIXED64, SFIXED64, DOUBLE -> WireFormat.WIRETYPE_FIXED64;
      case STRING, BYTES, MESSAGE -> WireFormat.WIRETYPE_LENGTH_DELIMITED;
      case GROUP -> WireFormat.WIRETYPE_START_GROUP;
      default -> WireFormat.WIRETYPE_VARINT;
    };
  }

  private static Object defaultOf(FieldDescriptor f) {
    return f.isRepeated() ? f.getEnumType().getValues().get(0) : f.getDefaultValue();
  }

  // ---- the readers -----------------------------------------------------------------------------

  /** The fields of one message type at one place in the schema, read into one row at a time. */
  private final class MessageReader {
    private final Column[] columns;
    private final int[] slotByNumber; // field number -> column, -1 for unknown (dense numbers)
    private final Map<Integer, Integer> sparse; // when numbers are too large for the array
    private final int[] oneofOf; // column -> its oneof's index, or -1
    private final boolean[] seen;
    private final int[] oneofSet;
    private final Column[] lists; // the columns with something to do when a row begins
    private final boolean[] repeated;

    MessageReader(Descriptor m, List<Column> cols) {
      this.columns = cols.toArray(Column[]::new);
      this.lists = cols.stream().filter(Column::repeated).toArray(Column[]::new);
      this.repeated = new boolean[columns.length];
      for (int i = 0; i < columns.length; i++) {
        repeated[i] = columns[i].repeated();
      }
      List<FieldDescriptor> fields = m.getFields();
      int max = fields.stream().mapToInt(FieldDescriptor::getNumber).max().orElse(0);
      if (max <= 4096) {
        slotByNumber = new int[max + 1];
        Arrays.fill(slotByNumber, -1);
        sparse = null;
      } else {
        slotByNumber = null;
        sparse = new HashMap<>();
      }
      oneofOf = new int[columns.length];
      for (int i = 0; i < fields.size(); i++) {
        FieldDescriptor f = fields.get(i);
        if (slotByNumber != null) {
          slotByNumber[f.getNumber()] = i;
        } else {
          sparse.put(f.getNumber(), i);
        }
        oneofOf[i] =
            f.getRealContainingOneof() == null ? -1 : f.getRealContainingOneof().getIndex();
      }
      seen = new boolean[columns.length];
      oneofSet = new int[m.getRealOneofs().size()];
    }

    private int slot(int number) {
      if (slotByNumber != null) {
        return number < slotByNumber.length ? slotByNumber[number] : -1;
      }
      Integer s = sparse.get(number);
      return s == null ? -1 : s;
    }

    void read(CodedInputStream in, int row) throws IOException {
      Arrays.fill(seen, false);
      Arrays.fill(oneofSet, -1);
      for (Column c : lists) {
        c.begin(row);
      }
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int slot = slot(WireFormat.getTagFieldNumber(tag));
        if (slot < 0) {
          if (!in.skipField(tag)) {
            throw new ProtoConversionException("an end-group tag outside a group", -1, "");
          }
          continue;
        }
        Column c = columns[slot];
        if (!repeated[slot]) {
          if (seen[slot]) {
            throw REDO;
          }
          int o = oneofOf[slot];
          if (o >= 0) {
            if (oneofSet[o] >= 0) {
              throw REDO;
            }
            oneofSet[o] = slot;
          }
        }
        try {
          if (c.read(in, tag, row)) {
            seen[slot] = true;
          }
        } catch (ProtoConversionException e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          if (e instanceof Redo || e instanceof OutOfMemoryException) {
            throw e;
          }
          throw new ProtoConversionException(
              "field '" + c.path + "': " + e.getMessage(), -1, c.path, e);
        }
      }
      for (int i = 0; i < columns.length; i++) {
        columns[i].finish(row, seen[i]);
      }
    }

    /** The row of a message that is absent: defaults, nulls and empty lists. */
    void absent(int row) {
      for (Column c : columns) {
        c.begin(row);
        c.finish(row, false);
      }
    }
  }

  /** One field of a message: what it does when the field appears, and at the end of the row. */
  private abstract static class Column {
    final String path;

    Column(String path) {
      this.path = path;
    }

    abstract boolean repeated();

    void begin(int row) {}

    /** The field appeared with {@code tag}; false when its wire type was not the field's. */
    abstract boolean read(CodedInputStream in, int tag, int row) throws IOException;

    abstract void finish(int row, boolean seen);
  }

  private static final class SingleColumn extends Column {
    private final Value value;
    private final boolean nullable;
    private final int wire;

    SingleColumn(String path, Value value, boolean nullable) {
      super(path);
      this.value = value;
      this.nullable = nullable;
      this.wire = value.wireType();
    }

    @Override
    boolean repeated() {
      return false;
    }

    @Override
    boolean read(CodedInputStream in, int tag, int row) throws IOException {
      if ((tag & 7) != wire) {
        in.skipField(tag); // protobuf-java keeps it as an unknown field
        return false;
      }
      value.read(in, row);
      return true;
    }

    @Override
    void finish(int row, boolean seen) {
      if (!seen) {
        if (nullable) {
          value.setNull(row);
        } else {
          value.fillDefault(row);
        }
      }
    }
  }

  private static final class ListColumn extends Column {
    private final ListVector vector;
    private final Value item;
    private int next;
    private int rowStart;
    private int marked;

    ListColumn(String path, ListVector vector, Value item) {
      super(path);
      this.vector = vector;
      this.item = item;
    }

    @Override
    boolean repeated() {
      return true;
    }

    @Override
    void begin(int row) {
      rowStart = next;
    }

    @Override
    boolean read(CodedInputStream in, int tag, int row) throws IOException {
      int wire = WireFormat.getTagWireType(tag);
      if (wire == item.wireType()) {
        item.read(in, next++);
        return true;
      }
      if (wire == WireFormat.WIRETYPE_LENGTH_DELIMITED && item.packable()) {
        int length = in.readRawVarint32();
        int old = in.pushLimit(length);
        while (!in.isAtEnd()) {
          item.read(in, next++);
        }
        in.popLimit(old);
        return true;
      }
      in.skipField(tag);
      return false;
    }

    @Override
    void finish(int row, boolean seen) {
      vector.startNewValue(row);
      vector.endValue(row, next - rowStart);
    }

    void mark() {
      marked = next;
    }

    void reset() {
      next = marked;
    }
  }

  /** Reads one value of a field into its vector at an index. */
  private abstract static class Value {
    abstract int wireType();

    boolean packable() {
      return false;
    }

    abstract void read(CodedInputStream in, int index) throws IOException;

    abstract void setNull(int index);

    abstract void fillDefault(int index);
  }

  private final class ScalarValue extends Value {
    private final FieldDescriptor.Type type;
    private final FieldVector vector;
    private final String path;

    ScalarValue(FieldDescriptor.Type type, FieldVector vector, String path) {
      this.type = type;
      this.vector = vector;
      this.path = path;
    }

    @Override
    int wireType() {
      return wireTypeOf(type);
    }

    @Override
    boolean packable() {
      return type != FieldDescriptor.Type.STRING && type != FieldDescriptor.Type.BYTES;
    }

    @Override
    void read(CodedInputStream in, int i) throws IOException {
      switch (type) {
        case INT32 -> ((IntVector) vector).setSafe(i, in.readInt32());
        case SINT32 -> ((IntVector) vector).setSafe(i, in.readSInt32());
        case SFIXED32 -> ((IntVector) vector).setSafe(i, in.readSFixed32());
        case INT64 -> ((BigIntVector) vector).setSafe(i, in.readInt64());
        case SINT64 -> ((BigIntVector) vector).setSafe(i, in.readSInt64());
        case SFIXED64 -> ((BigIntVector) vector).setSafe(i, in.readSFixed64());
        case UINT32 -> ((UInt4Vector) vector).setSafe(i, in.readUInt32());
        case FIXED32 -> ((UInt4Vector) vector).setSafe(i, in.readFixed32());
        case UINT64 -> ((UInt8Vector) vector).setSafe(i, in.readUInt64());
        case FIXED64 -> ((UInt8Vector) vector).setSafe(i, in.readFixed64());
        case FLOAT -> ((Float4Vector) vector).setSafe(i, in.readFloat());
        case DOUBLE -> ((Float8Vector) vector).setSafe(i, in.readDouble());
        case BOOL -> ((BitVector) vector).setSafe(i, in.readBool() ? 1 : 0);
        case STRING, BYTES -> {
          int length = in.readRawVarint32();
          if (length < 0) {
            throw new ProtoConversionException("a negative length", -1, path);
          }
          int at = base + in.getTotalBytesRead();
          in.skipRawBytes(length); // checks the length against what is left
          if (type == FieldDescriptor.Type.STRING) {
            if (!wellFormed(buf, at, length)) {
              throw new ProtoConversionException(
                  "field '" + path + "' is not valid UTF-8", -1, path);
            }
            ((VarCharVector) vector).setSafe(i, buf, at, length);
          } else {
            ((VarBinaryVector) vector).setSafe(i, buf, at, length);
          }
        }
        default -> throw new IllegalStateException("not a scalar: " + type);
      }
    }

    @Override
    void setNull(int i) {
      if (vector instanceof org.apache.arrow.vector.BaseFixedWidthVector f) {
        f.setNull(i);
      } else {
        ((org.apache.arrow.vector.BaseVariableWidthVector) vector).setNull(i);
      }
    }

    @Override
    void fillDefault(int i) {
      switch (type) {
        case INT32, SINT32, SFIXED32 -> ((IntVector) vector).setSafe(i, 0);
        case INT64, SINT64, SFIXED64 -> ((BigIntVector) vector).setSafe(i, 0);
        case UINT32, FIXED32 -> ((UInt4Vector) vector).setSafe(i, 0);
        case UINT64, FIXED64 -> ((UInt8Vector) vector).setSafe(i, 0);
        case FLOAT -> ((Float4Vector) vector).setSafe(i, 0f);
        case DOUBLE -> ((Float8Vector) vector).setSafe(i, 0d);
        case BOOL -> ((BitVector) vector).setSafe(i, 0);
        case STRING -> ((VarCharVector) vector).setSafe(i, EMPTY, 0, 0);
        case BYTES -> ((VarBinaryVector) vector).setSafe(i, EMPTY, 0, 0);
        default -> throw new IllegalStateException("not a scalar: " + type);
      }
    }
  }

  /** A message field: its fields are the struct's children. */
  private static final class StructValue extends Value {
    private final StructVector vector;
    private final MessageReader reader;
    private final String path;

    StructValue(StructVector vector, MessageReader reader, String path) {
      this.vector = vector;
      this.reader = reader;
      this.path = path;
    }

    @Override
    int wireType() {
      return WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    @Override
    void read(CodedInputStream in, int index) throws IOException {
      int length = in.readRawVarint32();
      int old = in.pushLimit(length);
      reader.read(in, index);
      if (!in.isAtEnd()) {
        throw new ProtoConversionException("an end-group tag outside a group", -1, path);
      }
      in.popLimit(old);
      vector.setIndexDefined(index);
    }

    /**
     * A null struct leaves its children unwritten: their slots read as null (validity buffers start
     * zeroed) and lists' and strings' offsets are filled as later rows are set.
     */
    @Override
    void setNull(int index) {
      vector.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      reader.absent(index);
      vector.setIndexDefined(index);
    }
  }

  /** google.protobuf.Timestamp or Duration: the nanoseconds since the epoch, or of the span. */
  private static final class NanosValue extends Value {
    private final FieldVector vector;
    private final String path;
    private final boolean timestamp;

    NanosValue(FieldVector vector, String path, boolean timestamp) {
      this.vector = vector;
      this.path = path;
      this.timestamp = timestamp;
    }

    @Override
    int wireType() {
      return WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    @Override
    void read(CodedInputStream in, int index) throws IOException {
      int length = in.readRawVarint32();
      int old = in.pushLimit(length);
      long seconds = 0;
      int nanos = 0;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((1 << 3) | WireFormat.WIRETYPE_VARINT)) {
          seconds = in.readInt64();
        } else if (tag == ((2 << 3) | WireFormat.WIRETYPE_VARINT)) {
          nanos = in.readInt32();
        } else if (!in.skipField(tag)) {
          throw new ProtoConversionException("an end-group tag outside a group", -1, path);
        }
      }
      in.popLimit(old);
      long value;
      try {
        value = Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
      } catch (ArithmeticException e) {
        throw new ProtoConversionException(
            "field '"
                + path
                + "': "
                + seconds
                + " s is beyond the range of "
                + (timestamp ? "timestamp(ns)" : "duration(ns)")
                + " (years 1677 to 2262)",
            -1,
            path);
      }
      set(index, value);
    }

    private void set(int index, long value) {
      if (timestamp) {
        ((TimeStampNanoTZVector) vector).setSafe(index, value);
      } else {
        ((DurationVector) vector).setSafe(index, value);
      }
    }

    @Override
    void setNull(int index) {
      ((org.apache.arrow.vector.BaseFixedWidthVector) vector).setNull(index);
    }

    @Override
    void fillDefault(int index) {
      set(index, 0);
    }
  }

  /** A wrapper (Int64Value, StringValue, ...): its field 1, or the default when it has none. */
  private static final class WrapperValue extends Value {
    private final ScalarValue scalar;
    private final String path;

    WrapperValue(ScalarValue scalar, String path) {
      this.scalar = scalar;
      this.path = path;
    }

    @Override
    int wireType() {
      return WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    @Override
    void read(CodedInputStream in, int index) throws IOException {
      int length = in.readRawVarint32();
      int old = in.pushLimit(length);
      scalar.fillDefault(index);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (WireFormat.getTagFieldNumber(tag) == 1
            && WireFormat.getTagWireType(tag) == scalar.wireType()) {
          scalar.read(in, index);
        } else if (!in.skipField(tag)) {
          throw new ProtoConversionException("an end-group tag outside a group", -1, path);
        }
      }
      in.popLimit(old);
    }

    @Override
    void setNull(int index) {
      scalar.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      scalar.fillDefault(index);
    }
  }

  /** Struct, Value, ListValue and Any: their proto3 JSON. */
  private final class JsonValue extends Value {
    private final Descriptor message;
    private final VarCharVector vector;
    private final String path;

    JsonValue(Descriptor message, VarCharVector vector, String path) {
      this.message = message;
      this.vector = vector;
      this.path = path;
    }

    @Override
    int wireType() {
      return WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    @Override
    void read(CodedInputStream in, int index) throws IOException {
      DynamicMessage m = DynamicMessage.parseFrom(message, in.readBytes());
      String text;
      try {
        text = json.print(m);
      } catch (InvalidProtocolBufferException e) {
        throw new ProtoConversionException(
            "field '" + path + "' has no proto3 JSON form: " + e.getMessage(), -1, path, e);
      }
      vector.setSafe(index, text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    void setNull(int index) {
      vector.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      vector.setSafe(index, EMPTY, 0, 0);
    }
  }

  /** An enum's value names, and the numbers not in the enum as text, as this batch meets them. */
  private static final class EnumDictionary {
    final DictionaryEncoding encoding;
    final List<String> names = new ArrayList<>();
    private final Map<Integer, Integer> byNumber = new HashMap<>();

    EnumDictionary(EnumDescriptor type, DictionaryEncoding encoding) {
      this.encoding = encoding;
      for (EnumValueDescriptor v : type.getValues()) {
        if (!byNumber.containsKey(v.getNumber())) { // an alias keeps the first name
          byNumber.put(v.getNumber(), names.size());
          names.add(v.getName());
        }
      }
    }

    int indexOf(int number) {
      Integer i = byNumber.get(number);
      if (i == null) {
        i = names.size();
        byNumber.put(number, i);
        names.add(Integer.toString(number));
      }
      return i;
    }
  }

  private static final class EnumValue extends Value {
    private final IntVector indices;
    private final EnumDictionary dictionary;
    private final int defaultNumber;

    EnumValue(IntVector indices, EnumDictionary dictionary, int defaultNumber) {
      this.indices = indices;
      this.dictionary = dictionary;
      this.defaultNumber = defaultNumber;
    }

    @Override
    int wireType() {
      return WireFormat.WIRETYPE_VARINT;
    }

    @Override
    boolean packable() {
      return true;
    }

    @Override
    void read(CodedInputStream in, int index) throws IOException {
      indices.setSafe(index, dictionary.indexOf(in.readEnum()));
    }

    @Override
    void setNull(int index) {
      indices.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      indices.setSafe(index, dictionary.indexOf(defaultNumber));
    }
  }
}
