package io.flowctl.client.protobuf;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import com.google.protobuf.util.JsonFormat;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
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
 *
 * <p>Why this file is long: the encoders of every column kind share one output buffer, each
 * column's snapshot taken once per batch, and the tags and value kinds fixed when the batch is
 * bound — the hot path {@code ProtoArrowBenchmark} measures against protobuf-java; apart, each
 * would need that state handed over on every value.
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
    switch (f.getJavaType()) {
      case MESSAGE -> {
        Descriptor m = f.getMessageType();
        String full = m.getFullName();
        if (full.equals(ProtoSchemas.TIMESTAMP) || full.equals(ProtoSchemas.DURATION)) {
          requireType(path, want, have);
          return new NanosEncoder(
              number, (BaseFixedWidthVector) have, full.equals(ProtoSchemas.TIMESTAMP));
        }
        FieldDescriptor.Type wrapped = ProtoSchemas.WRAPPERS.get(full);
        if (wrapped != null) {
          requireType(path, want, have);
          ScalarEncoder inner = new ScalarEncoder(1, wrapped, have);
          inner.skipDefault = true;
          return new WrapperEncoder(number, inner);
        }
        if (ProtoSchemas.JSON_TYPES.contains(full)) {
          requireType(path, want, have);
          return new JsonEncoder(number, (VarCharVector) have, m, path);
        }
        if (!(have instanceof StructVector struct)) {
          throw mismatch(path, want, have.getField());
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
        requireType(path, want, have);
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

  private static void requireType(String path, Field want, ValueVector have) {
    if (!want.getType().equals(have.getField().getType())) {
      throw mismatch(path, want, have.getField());
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
   * A vector's buffers copied to heap arrays once per batch, so that each value is one plain array
   * read rather than a bounds-checked read of Arrow memory (and a validity lookup through the
   * vector).
   */
  static final class Snap {
    final byte[] validity; // null: no nulls
    final int[] offsets; // strings and lists
    final int[] ints; // 4-byte values
    final long[] longs; // 8-byte values
    final byte[] bytes; // string bytes, or a bitmap of bools

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
      offsets = width == -1 || width == -2 ? ints(v.getOffsetBuffer(), n == 0 ? 0 : n + 1) : null;
      ints = width == 4 ? ints(v.getDataBuffer(), n) : null;
      if (width == 8) {
        longs = new long[n];
        v.getDataBuffer()
            .nioBuffer(0, n * 8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .asLongBuffer()
            .get(longs);
      } else {
        longs = null;
      }
      int byteCount = width == -1 ? (n == 0 ? 0 : offsets[n]) : width == -3 ? (n + 7) >>> 3 : -1;
      if (byteCount >= 0) {
        bytes = new byte[byteCount];
        v.getDataBuffer().getBytes(0, bytes, 0, byteCount);
      } else {
        bytes = null;
      }
    }

    private static int[] ints(ArrowBuf buf, int n) {
      int[] out = new int[n];
      if (n > 0) {
        buf.nioBuffer(0, n * 4).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
      }
      return out;
    }

    boolean isNull(int i) {
      return validity != null && (validity[i >>> 3] & (1 << (i & 7))) == 0;
    }

    boolean bit(int i) {
      return (bytes[i >>> 3] & (1 << (i & 7))) != 0;
    }
  }

  /**
   * A growable buffer of wire bytes. Writers reserve room once per field ({@link #ensure}) and then
   * write without checks.
   */
  static final class Out {
    /** Room for a tag and any fixed-size or varint value. */
    static final int FIELD = 16;

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

    /** Reserves room for a field and writes its tag (a varint's value). */
    void tag(int tag) {
      ensure(FIELD);
      varint32(tag);
    }

    /** Unchecked: the caller reserved room. */
    void varint(long v) {
      while ((v & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    /** Unchecked: the caller reserved room. */
    void varint32(int v) {
      while ((v & ~0x7F) != 0) {
        buf[pos++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[pos++] = (byte) v;
    }

    /** Unchecked: the caller reserved room. */
    void fixed32(int v) {
      byte[] b = buf;
      int p = pos;
      b[p] = (byte) v;
      b[p + 1] = (byte) (v >> 8);
      b[p + 2] = (byte) (v >> 16);
      b[p + 3] = (byte) (v >> 24);
      pos = p + 4;
    }

    /** Unchecked: the caller reserved room. */
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
      ensure(room + FIELD);
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

    /** Checked: a length and that many bytes. */
    void bytes(byte[] src, int from, int length) {
      ensure(length + FIELD);
      varint32(length);
      System.arraycopy(src, from, buf, pos, length);
      pos += length;
    }

    /** Checked: a length and the bytes. */
    void bytes(byte[] b) {
      bytes(b, 0, b.length);
    }
  }

  /** Writes one field of a row (its tag and value) when the row has it. */
  private abstract static class Encoder {
    final int number;

    /** The field's tag as a varint's value. */
    final int tag;

    /** A proto3 field without presence: its default is not written. */
    boolean skipDefault;

    /** The length of the last nested message it wrote: the room it leaves for the next one's. */
    int lastLength;

    Encoder(int number, int wireType) {
      this.number = number;
      this.tag = (number << 3) | wireType;
    }

    /** Writes the value at {@code index} with its tag. */
    abstract void write(int index, Out out);

    /** For packed repeated fields: the value alone, room reserved by the caller. */
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
      super(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    }

    abstract boolean isNull(int index);

    abstract void body(int index, Out out);

    @Override
    final void write(int index, Out out) {
      if (isNull(index)) {
        return;
      }
      out.tag(tag);
      int start = out.begin(lastLength);
      body(index, out);
      lastLength = out.end(start, lastLength);
    }
  }

  /** A nested message from one column's snapshot: null where the column is. */
  private abstract static class ColumnEncoder extends NestedEncoder {
    final Snap vector;

    ColumnEncoder(int number, Snap vector) {
      super(number);
      this.vector = vector;
    }

    @Override
    final boolean isNull(int index) {
      return vector.isNull(index);
    }
  }

  private static final class ScalarEncoder extends Encoder {
    // the ways a scalar is written, one switch over them per value
    private static final int VARINT32 = 0; // int32: a negative one sign-extended to ten bytes
    private static final int UVARINT32 = 1;
    private static final int ZIGZAG32 = 2;
    private static final int FIXED32 = 3;
    private static final int VARINT64 = 4;
    private static final int ZIGZAG64 = 5;
    private static final int FIXED64 = 6;
    private static final int BOOL = 7;
    private static final int BYTES = 8;

    private final int kind;
    private final Snap v;

    ScalarEncoder(int number, FieldDescriptor.Type type, ValueVector vector) {
      super(number, WireToArrow.wireTypeOf(type));
      this.kind =
          switch (type) {
            case INT32 -> VARINT32;
            case UINT32 -> UVARINT32;
            case SINT32 -> ZIGZAG32;
            case SFIXED32, FIXED32, FLOAT -> FIXED32;
            case INT64, UINT64 -> VARINT64;
            case SINT64 -> ZIGZAG64;
            case SFIXED64, FIXED64, DOUBLE -> FIXED64;
            case BOOL -> BOOL;
            case STRING, BYTES -> BYTES;
            default -> throw new IllegalStateException("not a scalar: " + type);
          };
      this.v =
          new Snap(
              vector,
              switch (kind) {
                case BYTES -> -1;
                case BOOL -> -3;
                case VARINT64, ZIGZAG64, FIXED64 -> 8;
                default -> 4;
              });
    }

    boolean isNull(int index) {
      return v.isNull(index);
    }

    @Override
    void write(int i, Out out) {
      if (v.isNull(i)) {
        return;
      }
      switch (kind) {
        case BYTES -> {
          int start = v.offsets[i];
          int length = v.offsets[i + 1] - start;
          if (skipDefault && length == 0) {
            return;
          }
          out.ensure(length + Out.FIELD);
          out.varint32(tag);
          out.varint32(length);
          System.arraycopy(v.bytes, start, out.buf, out.pos, length);
          out.pos += length;
        }
        case VARINT64, ZIGZAG64, FIXED64 -> {
          if (skipDefault && v.longs[i] == 0) {
            return;
          }
          out.tag(tag);
          writeRaw(i, out);
        }
        case BOOL -> {
          if (skipDefault && !v.bit(i)) {
            return;
          }
          out.tag(tag);
          out.buf[out.pos++] = (byte) (v.bit(i) ? 1 : 0);
        }
        default -> {
          if (skipDefault && v.ints[i] == 0) {
            return;
          }
          out.tag(tag);
          writeRaw(i, out);
        }
      }
    }

    @Override
    void writeRaw(int i, Out out) {
      switch (kind) {
        case VARINT32 -> out.varint(v.ints[i]); // negative: ten bytes, as protobuf
        case UVARINT32 -> out.varint32(v.ints[i]);
        case ZIGZAG32 -> {
          int x = v.ints[i];
          out.varint32((x << 1) ^ (x >> 31));
        }
        case FIXED32 -> out.fixed32(v.ints[i]);
        case VARINT64 -> out.varint(v.longs[i]);
        case ZIGZAG64 -> {
          long x = v.longs[i];
          out.varint((x << 1) ^ (x >> 63));
        }
        case FIXED64 -> out.fixed64(v.longs[i]);
        case BOOL -> out.buf[out.pos++] = (byte) (v.bit(i) ? 1 : 0);
        default -> {
          int start = v.offsets[i];
          out.bytes(v.bytes, start, v.offsets[i + 1] - start);
        }
      }
    }
  }

  private static final class StructEncoder extends ColumnEncoder {
    private final Encoder[] children;

    StructEncoder(int number, StructVector vector, Encoder[] children) {
      super(number, new Snap(vector, 0));
      this.children = children;
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
      super(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
      this.vector = new Snap(vector, -2);
      this.item = item;
      this.packed = packed;
    }

    @Override
    void write(int index, Out out) {
      if (vector.isNull(index)) {
        return;
      }
      int start = vector.offsets[index];
      int end = vector.offsets[index + 1];
      if (start == end) {
        return;
      }
      if (packed) {
        out.tag(tag);
        int at = out.begin(lastLength);
        for (int j = start; j < end; j++) {
          out.ensure(Out.FIELD);
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
  private static final class NanosEncoder extends ColumnEncoder {
    private final boolean timestamp;

    NanosEncoder(int number, BaseFixedWidthVector vector, boolean timestamp) {
      super(number, new Snap(vector, 8));
      this.timestamp = timestamp;
    }

    @Override
    void body(int index, Out out) {
      long ns = vector.longs[index];
      long seconds = timestamp ? Math.floorDiv(ns, 1_000_000_000L) : ns / 1_000_000_000L;
      int nanos = (int) (timestamp ? Math.floorMod(ns, 1_000_000_000L) : ns % 1_000_000_000L);
      out.ensure(2 * Out.FIELD);
      if (seconds != 0) {
        out.buf[out.pos++] = (byte) (1 << 3);
        out.varint(seconds);
      }
      if (nanos != 0) {
        out.buf[out.pos++] = (byte) (2 << 3);
        out.varint32(nanos);
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
      super(number, WireFormat.WIRETYPE_LENGTH_DELIMITED);
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
      out.tag(tag);
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
      super(number, WireFormat.WIRETYPE_VARINT);
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
        int d = indices.ints[index];
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
      out.tag(tag);
      out.varint(n);
    }

    @Override
    void writeRaw(int index, Out out) {
      out.varint(numberAt(index));
    }
  }
}
