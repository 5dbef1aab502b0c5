package io.flowctl.client.protobuf;

import com.google.common.base.Utf8;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import com.google.protobuf.util.JsonFormat;
import io.flowctl.schema.OwnedBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Parses serialized messages straight into a batch's columns, with no message objects: each field's
 * bytes are read from the wire ({@link Wire}) into its column ({@link Columns}: Java arrays in
 * Arrow's layout, copied into Arrow memory once per batch). One instance fills one batch at a time
 * on one thread; a converter pools a few between batches.
 *
 * <p>Protobuf's rules for what a parser sees more than once — the last value of a singular field
 * wins, a message field merges, the last member of a oneof wins — would need values taken back out
 * of written vectors. They are rare on the wire (a writer emits each field once), so the fast path
 * assumes them away and, when a message breaks the assumption, re-encodes that one message through
 * protobuf-java's parser (which applies the rules) and reads it again into the same row.
 *
 * <p>Why this file is long: every field kind (scalars of each wire type, messages as structs,
 * repeated fields and maps as lists, enums as dictionaries, JSON types) follows the same row
 * protocol — the field appears, the row ends, a default fills in, the message is redone — over the
 * converter's one wire position and its columns; the well-known types that need none of that are
 * {@link WellKnownValues}.
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
  private BufferAllocator allocator; // the batch's: the caller's of each use
  private final JsonFormat.Printer json;
  private final Schema memory; // the schema as the vectors hold it
  private final List<Columns.Col> columns = new ArrayList<>();
  private final List<EnumDictionary> enums = new ArrayList<>();

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
    this.memory = ProtoSchemas.memoryFormat(schema);
    List<Column> readers = new ArrayList<>();
    List<FieldDescriptor> fields = type.getFields();
    for (int i = 0; i < fields.size(); i++) {
      Columns.Col col = Columns.of(memory.getFields().get(i));
      columns.add(col);
      readers.add(column(fields.get(i), col, fields.get(i).getName()));
    }
    this.top = new MessageReader(type, readers);
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
    // A message that fails half-way leaves its row partly written: the next message writes the
    // same row, and each column drops what it held from that row on.
    appendRow(message, offset, length, index, rows);
    rows++;
    bytes += length;
  }

  private void appendRow(byte[] message, int offset, int length, int index, int row) {
    try {
      read(message, offset, length, row);
    } catch (Redo redo) {
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
        throw new ProtoConversionException(
            "message " + index + " repeats a field even as protobuf-java writes it", index, "");
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

  private final Wire wire = new Wire();

  private void read(byte[] message, int offset, int length, int row) {
    this.buf = message;
    wire.reset(message, offset, length);
    top.read(wire, row);
  }

  /** The batch so far, handed to the caller (this converter is then done). */
  OwnedBatch finish() {
    List<org.apache.arrow.vector.ipc.message.ArrowFieldNode> nodes = new ArrayList<>();
    List<Columns.Piece> pieces = new ArrayList<>();
    List<org.apache.arrow.memory.ArrowBuf> buffers = new ArrayList<>();
    org.apache.arrow.memory.ArrowBuf all = null;
    VectorSchemaRoot root = null;
    List<VarCharVector> made = new ArrayList<>();
    try {
      for (Columns.Col c : columns) {
        c.export(rows, nodes, pieces);
      }
      all = Columns.allocate(pieces, allocator, buffers);
      root = VectorSchemaRoot.create(memory, allocator);
      try (org.apache.arrow.vector.ipc.message.ArrowRecordBatch batch =
          new org.apache.arrow.vector.ipc.message.ArrowRecordBatch(rows, nodes, buffers)) {
        new org.apache.arrow.vector.VectorLoader(root).load(batch);
      }
      DictionaryProvider.MapDictionaryProvider provider =
          new DictionaryProvider.MapDictionaryProvider();
      for (EnumDictionary d : enums) {
        VarCharVector names = new VarCharVector("dictionary-" + d.encoding.getId(), allocator);
        made.add(names);
        for (int i = 0; i < d.names.size(); i++) {
          names.setSafe(i, d.names.get(i).getBytes(StandardCharsets.UTF_8));
        }
        names.setValueCount(d.names.size());
        provider.put(new Dictionary(names, d.encoding));
      }
      handedOver = true;
      return new OwnedBatch(root, provider);
    } catch (OutOfMemoryException e) {
      throw new ProtoConversionException(
          "a batch of "
              + rows
              + " messages does not fit in its memory ("
              + allocator.getLimit()
              + " bytes): "
              + e.getMessage(),
          -1,
          "",
          e);
    } finally {
      if (all != null) {
        all.close(); // the vectors hold their own references to its slices
      }
      if (!handedOver) {
        if (root != null) {
          root.close();
        }
        made.forEach(VarCharVector::close);
      }
    }
  }

  @Override
  public void close() {
    // the columns are Java arrays until finish: nothing off-heap to free
  }

  /**
   * Empties this reader for another batch, keeping its arrays (a converter pools a few): the
   * batches it made own copies of them.
   */
  void recycle() {
    columns.forEach(Columns.Col::clear);
    enums.forEach(EnumDictionary::clear);
    rows = 0;
    bytes = 0;
    handedOver = false;
    buf = null;
  }

  /** The next batch's memory. */
  void use(BufferAllocator allocator) {
    this.allocator = allocator;
  }

  /** Bytes its column arrays hold on the heap. */
  long retained() {
    long n = 0;
    for (Columns.Col c : columns) {
      n += c.retained();
    }
    return n;
  }

  // ---- building the readers --------------------------------------------------------------------

  private Column column(FieldDescriptor f, Columns.Col vector, String path) {
    if (f.isRepeated()) {
      Columns.ListCol list = (Columns.ListCol) vector;
      Columns.Col items = list.items;
      if (f.isMapField()) {
        Descriptor entry = f.getMessageType();
        Columns.StructCol entries = (Columns.StructCol) items;
        List<Column> kv =
            List.of(
                single(entry.findFieldByNumber(1), entries.child("key"), path + ".key", false),
                single(
                    entry.findFieldByNumber(2),
                    entries.child("value"),
                    path + ".value",
                    ProtoSchemas.nullable(entry.findFieldByNumber(2))));
        return new ListColumn(
            path, list, new StructValue(entries, new MessageReader(entry, kv), path));
      }
      return new ListColumn(path, list, value(f, items, path + "[]"));
    }
    return single(f, vector, path, ProtoSchemas.nullable(f));
  }

  private Column single(FieldDescriptor f, Columns.Col vector, String path, boolean nullable) {
    return new SingleColumn(path, value(f, vector, path), nullable);
  }

  private Value value(FieldDescriptor f, Columns.Col vector, String path) {
    switch (f.getJavaType()) {
      case MESSAGE -> {
        Descriptor m = f.getMessageType();
        String full = m.getFullName();
        if (full.equals(ProtoSchemas.TIMESTAMP) || full.equals(ProtoSchemas.DURATION)) {
          return new WellKnownValues.Nanos(
              (Columns.FixedCol) vector, path, full.equals(ProtoSchemas.TIMESTAMP));
        }
        FieldDescriptor.Type wrapped = ProtoSchemas.WRAPPERS.get(full);
        if (wrapped != null) {
          return new WellKnownValues.Wrapper(new ScalarValue(wrapped, vector, path));
        }
        if (ProtoSchemas.JSON_TYPES.contains(full)) {
          return new JsonValue(m, (Columns.VarCol) vector, path);
        }
        Columns.StructCol struct = (Columns.StructCol) vector;
        List<Column> children = new ArrayList<>();
        for (FieldDescriptor c : m.getFields()) {
          children.add(column(c, struct.child(c.getName()), path + "." + c.getName()));
        }
        return new StructValue(struct, new MessageReader(m, children), path);
      }
      case ENUM -> {
        Field field = vector.field;
        EnumDictionary d = new EnumDictionary(f.getEnumType(), field.getDictionary());
        enums.add(d);
        return new EnumValue(
            (Columns.FixedCol) vector, d, ((EnumValueDescriptor) defaultOf(f)).getNumber());
      }
      default -> {
        return new ScalarValue(f.getType(), vector, path);
      }
    }
  }

  /**
   * Whether the bytes are UTF-8, as protobuf requires of a string: all ASCII (the usual case for
   * identifiers, hashes and amounts) checked eight bytes at a time, anything else through Guava.
   */
  static boolean wellFormed(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    long acc = 0;
    for (; i + 32 <= end; i += 32) {
      acc |=
          (long) Columns.LONGS.get(b, i)
              | (long) Columns.LONGS.get(b, i + 8)
              | (long) Columns.LONGS.get(b, i + 16)
              | (long) Columns.LONGS.get(b, i + 24);
    }
    for (; i + 8 <= end; i += 8) {
      acc |= (long) Columns.LONGS.get(b, i);
    }
    int tail = 0;
    for (; i < end; i++) {
      tail |= b[i];
    }
    return ((acc & 0x8080808080808080L) == 0 && tail >= 0) || Utf8.isWellFormed(b, off, len);
  }

  /** One scalar of kind {@code kind} from the wire into row {@code row} of {@code col}. */
  private void readScalar(int kind, Columns.Col col, Wire in, int row, String path) {
    switch (kind) {
      case K_VARINT32 -> ((Columns.FixedCol) col).putInt(row, in.readVarint32());
      case K_VARINT64 -> ((Columns.FixedCol) col).putLong(row, in.readVarint64());
      case K_FIXED32 -> ((Columns.FixedCol) col).putInt(row, in.readFixed32());
      case K_FIXED64 -> ((Columns.FixedCol) col).putLong(row, in.readFixed64());
      case K_SINT32 -> {
        int v = in.readVarint32();
        ((Columns.FixedCol) col).putInt(row, (v >>> 1) ^ -(v & 1));
      }
      case K_SINT64 -> {
        long v = in.readVarint64();
        ((Columns.FixedCol) col).putLong(row, (v >>> 1) ^ -(v & 1));
      }
      case K_BOOL -> ((Columns.BoolCol) col).put(row, in.readVarint64() != 0);
      case K_STRING, K_BYTES -> {
        int length = in.readLength();
        int at = in.pos;
        in.pos += length;
        if (kind == K_STRING && !wellFormed(buf, at, length)) {
          throw new ProtoConversionException("field '" + path + "' is not valid UTF-8", -1, path);
        }
        ((Columns.VarCol) col).put(row, buf, at, length);
      }
      default -> throw new IllegalStateException("not a scalar kind: " + kind);
    }
  }

  private static final int K_OTHER = 0;
  private static final int K_VARINT32 = 1;
  private static final int K_VARINT64 = 2;
  private static final int K_FIXED32 = 3;
  private static final int K_FIXED64 = 4;
  private static final int K_SINT32 = 5;
  private static final int K_SINT64 = 6;
  private static final int K_BOOL = 7;
  private static final int K_STRING = 8;
  private static final int K_BYTES = 9;

  /** How a singular scalar is read inline. */
  static int kindOf(FieldDescriptor.Type type) {
    return switch (type) {
      case INT32, UINT32 -> K_VARINT32;
      case INT64, UINT64 -> K_VARINT64;
      case SFIXED32, FIXED32, FLOAT -> K_FIXED32;
      case SFIXED64, FIXED64, DOUBLE -> K_FIXED64;
      case SINT32 -> K_SINT32;
      case SINT64 -> K_SINT64;
      case BOOL -> K_BOOL;
      case STRING -> K_STRING;
      case BYTES -> K_BYTES;
      default -> K_OTHER;
    };
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
    // What the message being read has set, stamped with its generation: nothing to clear per
    // message.
    private final int[] seenIn;
    private final int[] oneofIn;
    private int generation;
    private final Column[] lists; // the columns with something to do when a row begins
    private final boolean[] repeated;
    private final int[] wires; // a singular field's wire type
    private final Value[] values; // a singular field's value reader, called directly
    // Singular scalars read inline (no call through a Value): their kind and column.
    private final int[] kinds;
    private final Columns.Col[] scalars;
    private final String[] paths;

    MessageReader(Descriptor m, List<Column> cols) {
      this.columns = cols.toArray(Column[]::new);
      this.lists = cols.stream().filter(Column::repeated).toArray(Column[]::new);
      this.repeated = new boolean[columns.length];
      this.wires = new int[columns.length];
      this.values = new Value[columns.length];
      for (int i = 0; i < columns.length; i++) {
        repeated[i] = columns[i].repeated();
        wires[i] = columns[i] instanceof SingleColumn single ? single.wire : -1;
        values[i] = columns[i] instanceof SingleColumn single ? single.value : null;
      }
      this.kinds = new int[columns.length];
      this.scalars = new Columns.Col[columns.length];
      this.paths = new String[columns.length];
      for (int i = 0; i < columns.length; i++) {
        paths[i] = columns[i].path;
        if (values[i] instanceof ScalarValue v) {
          kinds[i] = kindOf(v.type);
          scalars[i] = v.col;
        }
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
      seenIn = new int[columns.length];
      oneofIn = new int[m.getRealOneofs().size()];
    }

    private int slot(int number) {
      if (slotByNumber != null) {
        return number < slotByNumber.length ? slotByNumber[number] : -1;
      }
      Integer s = sparse.get(number);
      return s == null ? -1 : s;
    }

    void read(Wire in, int row) {
      int gen = ++generation;
      if (gen == 0) { // wrapped after 2^32 messages: start the stamps again
        Arrays.fill(seenIn, 0);
        Arrays.fill(oneofIn, 0);
        gen = generation = 1;
      }
      for (Column c : lists) {
        c.begin(row);
      }
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int slot = slot(tag >>> 3);
        if (slot < 0) {
          in.skip(tag);
          continue;
        }
        Column c = columns[slot];
        if (!repeated[slot]) {
          if ((tag & 7) != wires[slot]) {
            in.skip(tag); // another wire type: protobuf-java keeps it as an unknown field
            continue;
          }
          if (seenIn[slot] == gen) {
            throw REDO;
          }
          int o = oneofOf[slot];
          if (o >= 0) {
            if (oneofIn[o] == gen) {
              throw REDO;
            }
            oneofIn[o] = gen;
          }
        }
        try {
          if (kinds[slot] != K_OTHER) {
            readScalar(kinds[slot], scalars[slot], in, row, paths[slot]); // no call through a Value
          } else if (values[slot] != null) {
            values[slot].read(in, row); // its wire type was checked above
          } else if (!c.read(in, tag, row)) {
            continue;
          }
          seenIn[slot] = gen;
        } catch (ProtoConversionException e) {
          if (!e.field().isEmpty()) {
            throw e;
          }
          throw new ProtoConversionException(
              "field '" + c.path + "': " + e.getMessage(), -1, c.path, e);
        }
      }
      for (int i = 0; i < columns.length; i++) {
        boolean seen = seenIn[i] == gen;
        if (!seen || repeated[i]) {
          columns[i].finish(row, seen);
        }
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
    abstract boolean read(Wire in, int tag, int row);

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
    boolean read(Wire in, int tag, int row) {
      if ((tag & 7) != wire) {
        in.skip(tag); // protobuf-java keeps it as an unknown field
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
    private final Columns.ListCol list;
    private final Value item;
    private final int itemWire;
    private int next;

    ListColumn(String path, Columns.ListCol list, Value item) {
      super(path);
      this.list = list;
      this.item = item;
      this.itemWire = item.wireType();
    }

    @Override
    boolean repeated() {
      return true;
    }

    @Override
    void begin(int row) {
      list.at(row);
      next = list.end();
    }

    @Override
    boolean read(Wire in, int tag, int row) {
      int wire = tag & 7;
      if (wire == itemWire) {
        item.read(in, next++);
        return true;
      }
      if (wire == Wire.LENGTH_DELIMITED && item.packable()) {
        int outer = in.enter();
        while (in.pos < in.end) {
          item.read(in, next++);
        }
        in.leave(outer);
        return true;
      }
      in.skip(tag);
      return false;
    }

    @Override
    void finish(int row, boolean seen) {
      list.put(row, next);
    }
  }

  /** Reads one value of a field into its vector at an index. */
  abstract static class Value {
    abstract int wireType();

    boolean packable() {
      return false;
    }

    abstract void read(Wire in, int index);

    abstract void setNull(int index);

    abstract void fillDefault(int index);
  }

  /** A value the wire carries length-delimited: a message, or JSON's structured types. */
  abstract static class Delimited extends Value {
    @Override
    final int wireType() {
      return WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }
  }

  private final class ScalarValue extends Value {
    private final FieldDescriptor.Type type;
    private final int kind;
    private final Columns.Col col;
    private final Columns.FixedCol fixed; // or
    private final Columns.VarCol var; // or
    private final Columns.BoolCol bool;
    private final String path;

    ScalarValue(FieldDescriptor.Type type, Columns.Col col, String path) {
      this.type = type;
      this.kind = kindOf(type);
      this.col = col;
      this.fixed = col instanceof Columns.FixedCol f ? f : null;
      this.var = col instanceof Columns.VarCol v ? v : null;
      this.bool = col instanceof Columns.BoolCol b ? b : null;
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
    void read(Wire in, int i) {
      readScalar(kind, col, in, i, path);
    }

    @Override
    void setNull(int i) {
      col.setNull(i);
    }

    @Override
    void fillDefault(int i) {
      if (fixed != null) {
        if (fixed.width == 4) {
          fixed.putInt(i, 0);
        } else {
          fixed.putLong(i, 0);
        }
      } else if (var != null) {
        var.put(i, EMPTY, 0, 0);
      } else {
        bool.put(i, false);
      }
    }
  }

  /** A message field: its fields are the struct's children. */
  private static final class StructValue extends Delimited {
    private final Columns.StructCol vector;
    private final MessageReader reader;
    private final String path;

    StructValue(Columns.StructCol vector, MessageReader reader, String path) {
      this.vector = vector;
      this.reader = reader;
      this.path = path;
    }

    @Override
    void read(Wire in, int index) {
      int outer = in.enter();
      reader.read(in, index);
      in.leave(outer);
      vector.putValid(index);
    }

    /** A null struct leaves its children unwritten: they are filled with nulls up to it. */
    @Override
    void setNull(int index) {
      vector.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      reader.absent(index);
      vector.putValid(index);
    }
  }

  /** Struct, Value, ListValue and Any: their proto3 JSON. */
  private final class JsonValue extends Delimited {
    private final Descriptor message;
    private final Columns.VarCol vector;
    private final String path;

    JsonValue(Descriptor message, Columns.VarCol vector, String path) {
      this.message = message;
      this.vector = vector;
      this.path = path;
    }

    @Override
    void read(Wire in, int index) {
      int length = in.readLength();
      DynamicMessage m;
      try {
        m =
            DynamicMessage.parseFrom(
                message, com.google.protobuf.ByteString.copyFrom(buf, in.pos, length));
      } catch (InvalidProtocolBufferException e) {
        throw new ProtoConversionException(
            "field '" + path + "' is not a " + message.getFullName() + ": " + e.getMessage(),
            -1,
            path,
            e);
      }
      in.pos += length;
      String text;
      try {
        text = json.print(m);
      } catch (InvalidProtocolBufferException e) {
        throw new ProtoConversionException(
            "field '" + path + "' has no proto3 JSON form: " + e.getMessage(), -1, path, e);
      }
      byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
      vector.put(index, utf8, 0, utf8.length);
    }

    @Override
    void setNull(int index) {
      vector.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      vector.put(index, EMPTY, 0, 0);
    }
  }

  private static final class EnumValue extends Value {
    private final Columns.FixedCol indices;
    private final EnumDictionary dictionary;
    private final int defaultNumber;

    EnumValue(Columns.FixedCol indices, EnumDictionary dictionary, int defaultNumber) {
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
    void read(Wire in, int index) {
      indices.putInt(index, dictionary.indexOf(in.readVarint32()));
    }

    @Override
    void setNull(int index) {
      indices.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      indices.putInt(index, dictionary.indexOf(defaultNumber));
    }
  }
}
