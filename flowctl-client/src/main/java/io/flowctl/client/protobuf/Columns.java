package io.flowctl.client.protobuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.message.ArrowFieldNode;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * A batch's columns while it is being parsed: plain Java arrays in Arrow's own layout (validity
 * bitmaps, little-endian values, int32 offsets), written with one array store per value, and copied
 * into Arrow buffers once, in bulk, when the batch is done. Writing each value through the vectors'
 * safe setters instead cost a capacity check and three bounds-checked memory accesses per value,
 * most of the conversion's time.
 *
 * <p>A column is written by row: writing row {@code r} of a column that holds fewer rows fills the
 * gap with nulls (the children of a null struct are never written), and writing a row it already
 * holds drops that row and the ones after it first (a message that failed half-way is overwritten
 * by the next).
 */
final class Columns {
  static final VarHandle INTS =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private Columns() {}

  /** The column tree of a memory-format field. */
  static Col of(Field f) {
    ArrowType t = f.getType();
    return switch (t.getTypeID()) {
      case Struct -> {
        List<Col> children = new ArrayList<>();
        for (Field c : f.getChildren()) {
          children.add(of(c));
        }
        yield new StructCol(f, children);
      }
      case List, Map -> new ListCol(f, of(f.getChildren().get(0)));
      case Bool -> new BoolCol(f);
      case Utf8, Binary -> new VarCol(f);
      case Int -> new FixedCol(f, ((ArrowType.Int) t).getBitWidth() / 8);
      case FloatingPoint ->
          new FixedCol(
              f,
              ((ArrowType.FloatingPoint) t).getPrecision()
                      == org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE
                  ? 4
                  : 8);
      case Timestamp, Duration -> new FixedCol(f, 8);
      default -> throw new IllegalArgumentException("no column for " + t);
    };
  }

  /** A growable bitmap, bit {@code i} at byte {@code i / 8}, bit {@code i % 8}, as Arrow's. */
  static final class Bits {
    byte[] bytes = new byte[64];

    void set(int i, boolean on) {
      int b = i >>> 3;
      if (b >= bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, b + 1));
      }
      if (on) {
        bytes[b] |= (byte) (1 << (i & 7));
      } else {
        bytes[b] &= (byte) ~(1 << (i & 7));
      }
    }

    /**
     * Sets bit {@code i}, known clear (bits at and past a column's {@code count} always are), with
     * room made by {@link #ensure}.
     */
    void on(int i) {
      bytes[i >>> 3] |= (byte) (1 << (i & 7));
    }

    void ensure(int bits) {
      int b = (bits + 7) >>> 3;
      if (b > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, b));
      }
    }

    /** The bits set among the first {@code n}. */
    int cardinality(int n) {
      int full = n >>> 3;
      int c = 0;
      for (int i = 0; i < full && i < bytes.length; i++) {
        c += Integer.bitCount(bytes[i] & 0xFF);
      }
      int rest = n & 7;
      if (rest != 0 && full < bytes.length) {
        c += Integer.bitCount(bytes[full] & ((1 << rest) - 1));
      }
      return c;
    }

    /** Clears the bits from {@code n} on in the byte holding bit {@code n}. */
    void clearFrom(int n) {
      int b = n >>> 3;
      if (b < bytes.length) {
        bytes[b] &= (byte) ((1 << (n & 7)) - 1);
        Arrays.fill(bytes, b + 1, bytes.length, (byte) 0);
      }
    }

    Piece piece(int n) {
      int length = (n + 7) >>> 3;
      if (bytes.length < length) {
        bytes = Arrays.copyOf(bytes, length);
      }
      return new Piece(bytes, length);
    }
  }

  /** Bytes that become one Arrow buffer: the first {@code length} of {@code bytes}. */
  record Piece(byte[] bytes, int length) {
    static final Piece EMPTY = new Piece(new byte[0], 0);
  }

  /**
   * The pieces as Arrow buffers: slices of one allocation (each 8-byte aligned), so a batch costs
   * one call on the allocator instead of one per buffer. The caller closes the returned buffer once
   * the vectors hold their own references to the slices.
   */
  static ArrowBuf allocate(List<Piece> pieces, BufferAllocator allocator, List<ArrowBuf> slices) {
    long total = 0;
    for (Piece p : pieces) {
      total += (p.length() + 7) & ~7L;
    }
    ArrowBuf all = allocator.buffer(Math.max(total, 8));
    try {
      long at = 0;
      for (Piece p : pieces) {
        if (p.length() == 0) {
          slices.add(allocator.getEmpty());
          continue;
        }
        all.setBytes(at, p.bytes(), 0, p.length());
        slices.add(all.slice(at, p.length()));
        at += (p.length() + 7) & ~7L;
      }
      return all;
    } catch (RuntimeException e) {
      all.close();
      throw e;
    }
  }

  /** One Arrow vector's values. */
  abstract static class Col {
    final Field field;

    /** Rows written, holes included. */
    int count;

    final Bits validity = new Bits();

    Col(Field field) {
      this.field = field;
    }

    /** Empties the column for the next batch, keeping its arrays. */
    void clear() {
      truncate(0);
    }

    /** Bytes its arrays hold on the heap. */
    long retained() {
      return validity.bytes.length;
    }

    /** Makes row {@code row} the next to write: drops the rows from it on, or fills up to it. */
    final void at(int row) {
      if (row < count) {
        truncate(row);
      } else if (row > count) {
        fill(row);
      }
    }

    /** Keeps the first {@code n} rows. */
    void truncate(int n) {
      count = n;
      validity.clearFrom(n);
    }

    /**
     * Nulls up to row {@code n}. Their validity bits are already clear (bits past {@code count}
     * always are) and their values are never read: only offsets need writing.
     */
    void fill(int n) {
      grow(n);
      fillOffsets(count, n);
      count = n;
    }

    /** Offsets of null rows {@code from} to {@code to - 1}: empty values. */
    void fillOffsets(int from, int to) {}

    /** Room for {@code rows} rows. */
    abstract void grow(int rows);

    /** What a null row needs beyond its validity bit (an offset). */
    void afterNull(int row) {}

    final void setNull(int row) {
      at(row); // its validity bit is clear: nothing past count is set
      grow(row + 1);
      afterNull(row);
      count = row + 1;
    }

    /** Marks row {@code row} (the next) valid. */
    final void valid(int row) {
      validity.ensure(row + 1);
      validity.on(row);
      count = row + 1;
    }

    /** The column's field nodes and buffers, depth first, as {@code valueCount} rows. */
    final void export(int valueCount, List<ArrowFieldNode> nodes, List<Piece> buffers) {
      at(valueCount);
      int nulls = valueCount - validity.cardinality(valueCount);
      nodes.add(new ArrowFieldNode(valueCount, nulls));
      // no nulls (or only nulls): Arrow's loader makes the bitmap itself
      buffers.add(nulls == 0 || nulls == valueCount ? Piece.EMPTY : validity.piece(valueCount));
      exportValues(valueCount, nodes, buffers);
    }

    abstract void exportValues(int valueCount, List<ArrowFieldNode> nodes, List<Piece> buffers);
  }

  /** Ints, floats, timestamps: {@code width} little-endian bytes per row. */
  static final class FixedCol extends Col {
    final int width;
    byte[] data;

    FixedCol(Field field, int width) {
      super(field);
      this.width = width;
      this.data = new byte[width * 256];
    }

    @Override
    long retained() {
      return super.retained() + data.length;
    }

    @Override
    void grow(int rows) {
      if (rows * width > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, rows * width));
      }
    }

    void putInt(int row, int v) {
      at(row);
      grow(row + 1);
      INTS.set(data, row * 4, v);
      valid(row);
    }

    void putLong(int row, long v) {
      at(row);
      grow(row + 1);
      LONGS.set(data, row * 8, v);
      valid(row);
    }

    @Override
    void exportValues(int valueCount, List<ArrowFieldNode> nodes, List<Piece> buffers) {
      grow(valueCount);
      buffers.add(new Piece(data, valueCount * width));
    }
  }

  static final class BoolCol extends Col {
    final Bits values = new Bits();

    BoolCol(Field field) {
      super(field);
    }

    @Override
    void grow(int rows) {}

    @Override
    void truncate(int n) {
      super.truncate(n);
      values.clearFrom(n);
    }

    @Override
    long retained() {
      return super.retained() + values.bytes.length;
    }

    void put(int row, boolean v) {
      at(row);
      if (v) {
        values.ensure(row + 1);
        values.on(row);
      }
      valid(row);
    }

    @Override
    void exportValues(int valueCount, List<ArrowFieldNode> nodes, List<Piece> buffers) {
      buffers.add(values.piece(valueCount));
    }
  }

  /** A column of int32 offsets into something else: strings and bytes, lists. */
  abstract static class OffsetCol extends Col {
    byte[] offsets = new byte[4 * 257];

    OffsetCol(Field field) {
      super(field);
    }

    @Override
    final void grow(int rows) {
      if ((rows + 1) * 4 > offsets.length) {
        offsets = Arrays.copyOf(offsets, Math.max(offsets.length * 2, (rows + 1) * 4));
      }
    }

    @Override
    long retained() {
      return super.retained() + offsets.length;
    }

    /** Where row {@code row} starts, which is where the row before it ends. */
    final int offset(int row) {
      return (int) INTS.get(offsets, row * 4);
    }

    /** Adds the offsets of {@code valueCount} rows to {@code buffers}; where the last row ends. */
    final int exportOffsets(int valueCount, List<Piece> buffers) {
      grow(valueCount);
      buffers.add(new Piece(offsets, (valueCount + 1) * 4));
      return offset(valueCount);
    }
  }

  /** Strings and bytes: int32 offsets and the values end to end. */
  static final class VarCol extends OffsetCol {
    byte[] data = new byte[4096];
    int length; // bytes of data in use

    VarCol(Field field) {
      super(field);
    }

    @Override
    void truncate(int n) {
      super.truncate(n);
      length = offset(n);
    }

    @Override
    long retained() {
      return super.retained() + data.length;
    }

    @Override
    void afterNull(int row) {
      INTS.set(offsets, (row + 1) * 4, length);
    }

    @Override
    void fillOffsets(int from, int to) {
      for (int i = from; i < to; i++) {
        INTS.set(offsets, (i + 1) * 4, length);
      }
    }

    void put(int row, byte[] src, int from, int n) {
      at(row);
      grow(row + 1);
      if (length + n > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, length + n));
      }
      System.arraycopy(src, from, data, length, n);
      length += n;
      INTS.set(offsets, (row + 1) * 4, length);
      valid(row);
    }

    @Override
    void exportValues(int valueCount, List<ArrowFieldNode> nodes, List<Piece> buffers) {
      int end = exportOffsets(valueCount, buffers); // the offsets first, then the bytes
      buffers.add(new Piece(data, end));
    }
  }

  static final class StructCol extends Col {
    final List<Col> children;

    StructCol(Field field, List<Col> children) {
      super(field);
      this.children = children;
    }

    Col child(String name) {
      for (Col c : children) {
        if (c.field.getName().equals(name)) {
          return c;
        }
      }
      throw new IllegalArgumentException("no child " + name);
    }

    @Override
    void grow(int rows) {}

    @Override
    void clear() {
      super.clear();
      children.forEach(Col::clear);
    }

    @Override
    long retained() {
      return super.retained() + children.stream().mapToLong(Col::retained).sum();
    }

    void putValid(int row) {
      at(row);
      valid(row);
    }

    @Override
    void exportValues(int valueCount, List<ArrowFieldNode> nodes, List<Piece> buffers) {
      for (Col c : children) {
        c.export(valueCount, nodes, buffers);
      }
    }
  }

  /** Lists and maps: int32 offsets into the item column. */
  static final class ListCol extends OffsetCol {
    final Col items;

    ListCol(Field field, Col items) {
      super(field);
      this.items = items;
    }

    @Override
    void clear() {
      super.clear();
      items.clear();
    }

    @Override
    long retained() {
      return super.retained() + items.retained();
    }

    /** Where the items of the next row start. */
    int end() {
      return offset(count);
    }

    @Override
    void afterNull(int row) {
      INTS.set(offsets, (row + 1) * 4, offset(row));
    }

    @Override
    void fillOffsets(int from, int to) {
      int end = offset(from);
      for (int i = from; i < to; i++) {
        INTS.set(offsets, (i + 1) * 4, end);
      }
    }

    /** Row {@code row}'s items end before item {@code end}. */
    void put(int row, int end) {
      at(row);
      grow(row + 1);
      INTS.set(offsets, (row + 1) * 4, end);
      valid(row);
    }

    @Override
    void exportValues(int valueCount, List<ArrowFieldNode> nodes, List<Piece> buffers) {
      int end = exportOffsets(valueCount, buffers); // the offsets first, then the items
      items.export(end, nodes, buffers);
    }
  }
}
