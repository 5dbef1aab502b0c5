package io.flowctl.client.protobuf;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Writes each row of a batch as a serialized message, straight from the vectors: fields in number
 * order, proto3 defaults of fields without presence left out, repeated scalars packed — what
 * protobuf-java's own serializer writes, with no message objects. Bound to one batch.
 */
final class ArrowToWire {
  private final Descriptor type;
  private final Encoder[] top;
  private final JsonFormat.Parser json;
  private final Out out = new Out();

  /**
   * Binds the batch's columns to {@code type}'s fields by name.
   *
   * @throws ProtoConversionException naming the column that is not the mapping of its field (a
   *     missing nullable column is absent in every message; columns without a field are ignored)
   */
  ArrowToWire(
      Descriptor type,
      Field expected,
      VectorSchemaRoot root,
      DictionaryProvider dictionaries,
      JsonFormat.Parser json) {
    this.type = type;
    this.json = json;
    List<Encoder> encoders = new ArrayList<>();
    List<Field> fields = expected.getChildren();
    List<FieldDescriptor> byNumber = new ArrayList<>(type.getFields());
    byNumber.sort(java.util.Comparator.comparingInt(FieldDescriptor::getNumber));
    for (FieldDescriptor f : byNumber) {
      Field want = fields.get(f.getIndex());
      FieldVector have = root.getVector(f.getName());
      Encoder e = bind(f, want, have, f.getName(), dictionaries);
      if (e != null) {
        encoders.add(e);
      }
    }
    this.top = encoders.toArray(Encoder[]::new);
  }

  /** Row {@code row} as a serialized message. */
  byte[] message(int row) {
    out.clear();
    for (Encoder e : top) {
      e.write(row, out);
    }
    return Arrays.copyOf(out.buf, out.pos);
  }

  // ---- binding columns to fields ---------------------------------------------------------------

  private Encoder bind(
      FieldDescriptor f,
      Field want,
      ValueVector have,
      String path,
      DictionaryProvider dictionaries) {
    if (have == null) {
      if (want.isNullable()) {
        return null; // a missing nullable column: absent in every message
      }
      throw new ProtoConversionException(
          "the batch has no column '"
              + path
              + "', and "
              + type.getFullName()
              + "'s field "
              + f.getName()
              + " cannot be absent (it maps to a not-null "
              + want.getType()
              + ")",
          -1,
          path);
    }
    int number = f.getNumber();
    if (f.isRepeated()) {
      if (!(have instanceof ListVector list)) {
        throw mismatch(path, want, have.getField());
      }
      Field wantItem = want.getChildren().get(0);
      ValueVector items = list.getDataVector();
      if (f.isMapField()) {
        if (!(items instanceof StructVector entries)) {
          throw mismatch(path, want, have.getField());
        }
        Descriptor entry = f.getMessageType();
        Encoder key =
            bindSingle(
                entry.findFieldByNumber(1),
                wantItem.getChildren().get(0),
                entries.getChild("key"),
                path + ".key",
                dictionaries);
        Encoder value =
            bindSingle(
                entry.findFieldByNumber(2),
                wantItem.getChildren().get(1),
                entries.getChild("value"),
                path + ".value",
                dictionaries);
        Encoder[] kv =
            java.util.stream.Stream.of(key, value)
                .filter(java.util.Objects::nonNull)
                .toArray(Encoder[]::new);
        return new ListEncoder(number, list, new StructEncoder(number, entries, kv), false);
      }
      Encoder item = bindValue(f, wantItem, items, path + "[]", dictionaries);
      return new ListEncoder(number, list, item, f.isPacked());
    }
    return bindSingle(f, want, have, path, dictionaries);
  }

  private Encoder bindSingle(
      FieldDescriptor f,
      Field want,
      ValueVector have,
      String path,
      DictionaryProvider dictionaries) {
    if (have == null) {
      return bind(f, want, null, path, dictionaries);
    }
    Encoder e = bindValue(f, want, have, path, dictionaries);
    e.skipDefault = !f.hasPresence();
    return e;
  }

  private Encoder bindValue(
      FieldDescriptor f,
      Field want,
      ValueVector have,
      String path,
      DictionaryProvider dictionaries) {
    int number = f.getNumber();
    Field got = have.getField();
    switch (f.getJavaType()) {
      case MESSAGE -> {
        Descriptor m = f.getMessageType();
        String full = m.getFullName();
        if (full.equals(ProtoSchemas.TIMESTAMP) || full.equals(ProtoSchemas.DURATION)) {
          requireType(path, want, got);
          return new NanosEncoder(
              number, (BaseFixedWidthVector) have, full.equals(ProtoSchemas.TIMESTAMP));
        }
        FieldDescriptor.Type wrapped = ProtoSchemas.WRAPPERS.get(full);
        if (wrapped != null) {
          requireType(path, want, got);
          ScalarEncoder inner = new ScalarEncoder(1, wrapped, have);
          inner.skipDefault = true;
          return new WrapperEncoder(number, inner);
        }
        if (ProtoSchemas.JSON_TYPES.contains(full)) {
          requireType(path, want, got);
          return new JsonEncoder(number, (VarCharVector) have, m, path);
        }
        if (!(have instanceof StructVector struct)) {
          throw mismatch(path, want, got);
        }
        List<FieldDescriptor> byNumber = new ArrayList<>(m.getFields());
        byNumber.sort(java.util.Comparator.comparingInt(FieldDescriptor::getNumber));
        List<Encoder> children = new ArrayList<>();
        for (FieldDescriptor c : byNumber) {
          Encoder e =
              bind(
                  c,
                  want.getChildren().get(c.getIndex()),
                  struct.getChild(c.getName()),
                  path + "." + c.getName(),
                  dictionaries);
          if (e != null) {
            children.add(e);
          }
        }
        return new StructEncoder(number, struct, children.toArray(Encoder[]::new));
      }
      case ENUM -> {
        return enumEncoder(f, number, have, path, dictionaries);
      }
      default -> {
        requireType(path, want, got);
        return new ScalarEncoder(number, f.getType(), have);
      }
    }
  }

  private Encoder enumEncoder(
      FieldDescriptor f,
      int number,
      ValueVector have,
      String path,
      DictionaryProvider dictionaries) {
    EnumDescriptor e = f.getEnumType();
    Field got = have.getField();
    if (got.getDictionary() != null && have instanceof IntVector indices) {
      Dictionary d = dictionaries == null ? null : dictionaries.lookup(got.getDictionary().getId());
      if (d == null || !(d.getVector() instanceof VarCharVector names)) {
        throw new ProtoConversionException(
            "column '" + path + "' is dictionary-encoded, but its dictionary of names is missing",
            -1,
            path);
      }
      int[] numbers = new int[names.getValueCount()];
      for (int i = 0; i < numbers.length; i++) {
        numbers[i] =
            names.isNull(i)
                ? 0
                : enumNumber(e, new String(names.get(i), StandardCharsets.UTF_8), path);
      }
      return new EnumEncoder(number, indices, numbers, null, e, path);
    }
    if (got.getType() instanceof ArrowType.Utf8 && have instanceof VarCharVector names) {
      return new EnumEncoder(number, null, null, names, e, path);
    }
    throw new ProtoConversionException(
        "column '"
            + path
            + "' is "
            + got.getType()
            + ", but enum "
            + e.getFullName()
            + " maps to value names (utf8, dictionary-encoded or not)",
        -1,
        path);
  }

  static int enumNumber(EnumDescriptor e, String name, String path) {
    EnumValueDescriptor v = e.findValueByName(name);
    if (v != null) {
      return v.getNumber();
    }
    try {
      return Integer.parseInt(name); // a number the enum does not know, kept as text
    } catch (NumberFormatException notANumber) {
      throw new ProtoConversionException(
          "column '" + path + "' holds '" + name + "', which is not a value of " + e.getFullName(),
          -1,
          path);
    }
  }

  private static void requireType(String path, Field want, Field got) {
    if (!want.getType().equals(got.getType())) {
      throw mismatch(path, want, got);
    }
  }

  private static ProtoConversionException mismatch(String path, Field want, Field got) {
    return new ProtoConversionException(
        "column '"
            + path
            + "' is "
            + got.getType()
            + ", not "
            + want.getType()
            + " as the message's field maps to",
        -1,
        path);
  }

  // ---- writing ---------------------------------------------------------------------------------

  /**
   * A vector's buffers copied to the heap once per batch, so that each value is one array read
   * rather than a bounds-checked read of Arrow memory (and a validity lookup through the vector).
   */
  static final class Snap {
    final byte[] validity; // null: no nulls
    final byte[] data;
    final byte[] offsets;

    /**
     * @param width bytes per value of a fixed-width vector; -1 for offsets and values (strings), -2
     *     for offsets alone (lists), -3 for a bitmap of values (bools), 0 for validity alone
     */
    Snap(ValueVector v, int width) {
      int n = v.getValueCount();
      if (v.getNullCount() > 0) {
        validity = new byte[(n + 7) >>> 3];
        v.getValidityBuffer().getBytes(0, validity, 0, validity.length);
      } else {
        validity = null;
      }
      if (width == -1 || width == -2) {
        offsets = new byte[(n + 1) * 4];
        if (n > 0) {
          v.getOffsetBuffer().getBytes(0, offsets, 0, offsets.length);
        }
      } else {
        offsets = null;
      }
      if (width > 0) {
        data = new byte[n * width];
        v.getDataBuffer().getBytes(0, data, 0, data.length);
      } else if (width == -1) {
        data = new byte[n == 0 ? 0 : (int) Columns.INTS.get(offsets, n * 4)];
        v.getDataBuffer().getBytes(0, data, 0, data.length);
      } else if (width == -3) {
        data = new byte[(n + 7) >>> 3];
        v.getDataBuffer().getBytes(0, data, 0, data.length);
      } else {
        data = null;
      }
    }

    boolean isNull(int i) {
      return validity != null && (validity[i >>> 3] & (1 << (i & 7))) == 0;
    }

    int offset(int i) {
      return (int) Columns.INTS.get(offsets, i * 4);
    }

    int intAt(int i) {
      return (int) Columns.INTS.get(data, i * 4);
    }

    long longAt(int i) {
      return (long) Columns.LONGS.get(data, i * 8);
    }

    boolean bit(int i) {
      return (data[i >>> 3] & (1 << (i & 7))) != 0;
    }
  }

  /** A growable buffer of wire bytes. */
  static final class Out {
    byte[] buf = new byte[256];
    int pos;

    void clear() {
      pos = 0;
    }

    void ensure(int n) {
      if (pos + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    void varint(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    void tag(int number, int wireType) {
      varint(((number << 3) | wireType) & 0xFFFFFFFFL);
    }

    void fixed32(int v) {
      ensure(4);
      buf[pos++] = (byte) v;
      buf[pos++] = (byte) (v >> 8);
      buf[pos++] = (byte) (v >> 16);
      buf[pos++] = (byte) (v >> 24);
    }

    void fixed64(long v) {
      fixed32((int) v);
      fixed32((int) (v >> 32));
    }

    /**
     * Starts a nested message in place: room for a length of {@code guess}'s size, returned as the
     * position to pass to {@link #end}.
     */
    int begin(int guess) {
      int room = sizeOf(guess);
      ensure(room);
      pos += room;
      return pos;
    }

    /**
     * Ends the nested message that started at {@code start}: writes its length in front, moving the
     * message when the room left was not the length's size. Returns the length.
     */
    int end(int start, int guess) {
      int length = pos - start;
      int room = sizeOf(guess);
      int need = sizeOf(length);
      if (need != room) {
        ensure(need - room);
        System.arraycopy(buf, start, buf, start + need - room, length);
        pos += need - room;
        start += need - room;
      }
      int at = start - need;
      int v = length;
      while ((v & ~0x7F) != 0) {
        buf[at++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[at] = (byte) v;
      return length;
    }

    static int sizeOf(int v) {
      return v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : v < 1 << 21 ? 3 : v < 1 << 28 ? 4 : 5;
    }

    void bytes(byte[] src, int from, int length) {
      varint(length);
      ensure(length);
      System.arraycopy(src, from, buf, pos, length);
      pos += length;
    }

    void bytes(byte[] b) {
      varint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }
  }

  /** Writes one field of a row (its tag and value) when the row has it. */
  private abstract static class Encoder {
    final int number;

    /** A proto3 field without presence: its default is not written. */
    boolean skipDefault;

    /** The length of the last nested message it wrote: the room it leaves for the next one's. */
    int lastLength;

    Encoder(int number) {
      this.number = number;
    }

    /** Writes the value at {@code index} with its tag. */
    abstract void write(int index, Out out);

    /** For packed repeated fields: the value alone. */
    void writeRaw(int index, Out out) {
      throw new UnsupportedOperationException();
    }
  }

  /**
   * A field whose value is a nested message: its tag, then its body with the length in room left
   * before it, sized by the previous one's.
   */
  private abstract static class NestedEncoder extends Encoder {
    NestedEncoder(int number) {
      super(number);
    }

    abstract boolean isNull(int index);

    abstract void body(int index, Out out);

    @Override
    final void write(int index, Out out) {
      if (isNull(index)) {
        return;
      }
      out.tag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      int start = out.begin(lastLength);
      body(index, out);
      lastLength = out.end(start, lastLength);
    }
  }

  private static final class ScalarEncoder extends Encoder {
    private final FieldDescriptor.Type type;
    private final Snap v;
    private final int wire;

    ScalarEncoder(int number, FieldDescriptor.Type type, ValueVector vector) {
      super(number);
      this.type = type;
      this.v =
          new Snap(
              vector,
              switch (type) {
                case STRING, BYTES -> -1;
                case BOOL -> -3;
                case INT64, SINT64, SFIXED64, UINT64, FIXED64, DOUBLE -> 8;
                default -> 4;
              });
      this.wire = WireToArrow.wireTypeOf(type);
    }

    boolean isNull(int index) {
      return v.isNull(index);
    }

    @Override
    void write(int index, Out out) {
      if (v.isNull(index)) {
        return;
      }
      if (skipDefault && isDefault(index)) {
        return;
      }
      out.tag(number, wire);
      writeRaw(index, out);
    }

    private boolean isDefault(int i) {
      return switch (type) {
        case INT32, SINT32, SFIXED32, UINT32, FIXED32, FLOAT -> v.intAt(i) == 0;
        case INT64, SINT64, SFIXED64, UINT64, FIXED64, DOUBLE -> v.longAt(i) == 0;
        case BOOL -> !v.bit(i);
        case STRING, BYTES -> v.offset(i + 1) == v.offset(i);
        default -> false;
      };
    }

    @Override
    void writeRaw(int i, Out out) {
      switch (type) {
        case INT32 -> out.varint(v.intAt(i)); // negative: ten bytes, as protobuf
        case SINT32 -> {
          int x = v.intAt(i);
          out.varint(((x << 1) ^ (x >> 31)) & 0xFFFFFFFFL);
        }
        case UINT32 -> out.varint(v.intAt(i) & 0xFFFFFFFFL);
        case SFIXED32, FIXED32, FLOAT -> out.fixed32(v.intAt(i));
        case INT64, UINT64 -> out.varint(v.longAt(i));
        case SINT64 -> {
          long x = v.longAt(i);
          out.varint((x << 1) ^ (x >> 63));
        }
        case SFIXED64, FIXED64, DOUBLE -> out.fixed64(v.longAt(i));
        case BOOL -> out.varint(v.bit(i) ? 1 : 0);
        case STRING, BYTES -> {
          int start = v.offset(i);
          out.bytes(v.data, start, v.offset(i + 1) - start);
        }
        default -> throw new IllegalStateException("not a scalar: " + type);
      }
    }
  }

  private static final class StructEncoder extends NestedEncoder {
    private final Snap vector;
    private final Encoder[] children;

    StructEncoder(int number, StructVector vector, Encoder[] children) {
      super(number);
      this.vector = new Snap(vector, 0);
      this.children = children;
    }

    @Override
    boolean isNull(int index) {
      return vector.isNull(index);
    }

    @Override
    void body(int index, Out out) {
      for (Encoder c : children) {
        c.write(index, out);
      }
    }
  }

  private static final class ListEncoder extends Encoder {
    private final Snap vector;
    private final Encoder item;
    private final boolean packed;

    ListEncoder(int number, ListVector vector, Encoder item, boolean packed) {
      super(number);
      this.vector = new Snap(vector, -2);
      this.item = item;
      this.packed = packed;
    }

    @Override
    void write(int index, Out out) {
      if (vector.isNull(index)) {
        return;
      }
      int start = vector.offset(index);
      int end = vector.offset(index + 1);
      if (start == end) {
        return;
      }
      if (packed) {
        out.tag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        int at = out.begin(lastLength);
        for (int j = start; j < end; j++) {
          item.writeRaw(j, out);
        }
        lastLength = out.end(at, lastLength);
        return;
      }
      for (int j = start; j < end; j++) {
        item.write(j, out);
      }
    }
  }

  /** Timestamp or Duration from nanoseconds. */
  private static final class NanosEncoder extends NestedEncoder {
    private final Snap vector;
    private final boolean timestamp;

    NanosEncoder(int number, BaseFixedWidthVector vector, boolean timestamp) {
      super(number);
      this.vector = new Snap(vector, 8);
      this.timestamp = timestamp;
    }

    @Override
    boolean isNull(int index) {
      return vector.isNull(index);
    }

    @Override
    void body(int index, Out out) {
      long ns = vector.longAt(index);
      long seconds = timestamp ? Math.floorDiv(ns, 1_000_000_000L) : ns / 1_000_000_000L;
      int nanos = (int) (timestamp ? Math.floorMod(ns, 1_000_000_000L) : ns % 1_000_000_000L);
      if (seconds != 0) {
        out.tag(1, WireFormat.WIRETYPE_VARINT);
        out.varint(seconds);
      }
      if (nanos != 0) {
        out.tag(2, WireFormat.WIRETYPE_VARINT);
        out.varint(nanos);
      }
    }
  }

  /** A wrapper (Int64Value, ...): null when its column is, else field 1 (left out when 0). */
  private static final class WrapperEncoder extends NestedEncoder {
    private final ScalarEncoder inner;

    WrapperEncoder(int number, ScalarEncoder inner) {
      super(number);
      this.inner = inner;
    }

    @Override
    boolean isNull(int index) {
      return inner.isNull(index);
    }

    @Override
    void body(int index, Out out) {
      inner.write(index, out);
    }
  }

  private final class JsonEncoder extends Encoder {
    private final VarCharVector vector;
    private final Descriptor message;
    private final String path;

    JsonEncoder(int number, VarCharVector vector, Descriptor message, String path) {
      super(number);
      this.vector = vector;
      this.message = message;
      this.path = path;
    }

    @Override
    void write(int index, Out out) {
      if (vector.isNull(index)) {
        return;
      }
      DynamicMessage.Builder b = DynamicMessage.newBuilder(message);
      try {
        json.merge(new String(vector.get(index), StandardCharsets.UTF_8), b);
      } catch (InvalidProtocolBufferException e) {
        throw new ProtoConversionException(
            "column '"
                + path
                + "' row "
                + index
                + " is not the proto3 JSON of "
                + message.getFullName()
                + ": "
                + e.getMessage(),
            index,
            path,
            e);
      }
      out.tag(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      out.bytes(b.build().toByteArray());
    }
  }

  private static final class EnumEncoder extends Encoder {
    private final Snap indices; // dictionary-encoded, or
    private final int[] numbers;
    private final VarCharVector names; // names as they are
    private final EnumDescriptor type;
    private final String path;
    private final Map<String, Integer> byName = new HashMap<>();

    EnumEncoder(
        int number,
        IntVector indices,
        int[] numbers,
        VarCharVector names,
        EnumDescriptor type,
        String path) {
      super(number);
      this.indices = indices == null ? null : new Snap(indices, 4);
      this.numbers = numbers;
      this.names = names;
      this.type = type;
      this.path = path;
    }

    private boolean isNull(int index) {
      return indices != null ? indices.isNull(index) : names.isNull(index);
    }

    private int numberAt(int index) {
      if (indices != null) {
        int d = indices.intAt(index);
        if (d < 0 || d >= numbers.length) {
          throw new ProtoConversionException(
              "column '" + path + "' row " + index + " points past its dictionary (" + d + ")",
              index,
              path);
        }
        return numbers[d];
      }
      String name = new String(names.get(index), StandardCharsets.UTF_8);
      return byName.computeIfAbsent(name, n -> enumNumber(type, n, path));
    }

    @Override
    void write(int index, Out out) {
      if (isNull(index)) {
        return;
      }
      int n = numberAt(index);
      if (skipDefault && n == 0) {
        return;
      }
      out.tag(number, WireFormat.WIRETYPE_VARINT);
      out.varint(n);
    }

    @Override
    void writeRaw(int index, Out out) {
      out.varint(numberAt(index));
    }
  }
}
