package io.flowctl.ipc;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseLargeVariableWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;

/**
 * Checks the offsets of variable-size columns at every depth: non-negative, never decreasing, and
 * within the data they index. Arrow Java's own validator skips some layouts; a batch that passes
 * here can be read value by value without an index leaving its buffer.
 */
final class Layouts {
  private Layouts() {}

  static void checkOffsets(ValueVector v, String path) {
    int n = v.getValueCount();
    if (v instanceof BaseVariableWidthVector w) {
      check(w.getOffsetBuffer(), n, 4, w.getDataBuffer().capacity(), path);
    } else if (v instanceof BaseLargeVariableWidthVector w) {
      check(w.getOffsetBuffer(), n, 8, w.getDataBuffer().capacity(), path);
    } else if (v instanceof ListVector l) {
      check(l.getOffsetBuffer(), n, 4, l.getDataVector().getValueCount(), path);
      checkOffsets(l.getDataVector(), path + "[]");
    } else if (v instanceof LargeListVector l) {
      check(l.getOffsetBuffer(), n, 8, l.getDataVector().getValueCount(), path);
      checkOffsets(l.getDataVector(), path + "[]");
    } else if (v instanceof FixedSizeListVector l) {
      if ((long) n * l.getListSize() > l.getDataVector().getValueCount()) {
        throw new IpcFormatException(
            "column '"
                + path
                + "': "
                + n
                + " lists of "
                + l.getListSize()
                + " need more values than its "
                + l.getDataVector().getValueCount());
      }
      checkOffsets(l.getDataVector(), path + "[]");
    } else if (v instanceof StructVector s) {
      for (ValueVector c : s.getChildrenFromFields()) {
        checkOffsets(c, path + "." + c.getField().getName());
      }
    }
  }

  /**
   * Checks that every buffer holds what the value count needs, at every depth: validity bits,
   * fixed-width values, and struct children at least as long as their struct. Arrow Java's
   * validator does this too, but refuses every map, so a map column (or a struct holding one) would
   * otherwise go unchecked.
   */
  static void checkBuffers(ValueVector v, String path) {
    int n = v.getValueCount();
    if (n == 0 || v instanceof org.apache.arrow.vector.NullVector) {
      return;
    }
    if (v instanceof org.apache.arrow.vector.ExtensionTypeVector<?> e) {
      checkBuffers(e.getUnderlyingVector(), path);
      return;
    }
    if (v instanceof org.apache.arrow.vector.FieldVector f
        && !(v instanceof org.apache.arrow.vector.complex.UnionVector)
        && !(v instanceof org.apache.arrow.vector.complex.DenseUnionVector)) {
      ArrowBuf validity = f.getValidityBuffer();
      if (validity != null && validity.capacity() < (n + 7) / 8) {
        throw new IpcFormatException(
            "column '"
                + path
                + "': a validity buffer of "
                + validity.capacity()
                + " bytes for "
                + n
                + " values");
      }
    }
    if (v instanceof org.apache.arrow.vector.BaseFixedWidthVector w) {
      long need =
          v instanceof org.apache.arrow.vector.BitVector
              ? (n + 7) / 8
              : (long) n * w.getTypeWidth();
      if (w.getDataBuffer().capacity() < need) {
        throw new IpcFormatException(
            "column '"
                + path
                + "': a data buffer of "
                + w.getDataBuffer().capacity()
                + " bytes for "
                + n
                + " values of "
                + w.getTypeWidth()
                + " bytes");
      }
    } else if (v instanceof StructVector s) {
      for (ValueVector c : s.getChildrenFromFields()) {
        String child = path + "." + c.getField().getName();
        if (c.getValueCount() < n) {
          throw new IpcFormatException(
              "column '" + child + "' holds " + c.getValueCount() + " values for " + n + " rows");
        }
        checkBuffers(c, child);
      }
    } else if (v instanceof ListVector l) {
      checkBuffers(l.getDataVector(), path + "[]");
    } else if (v instanceof LargeListVector l) {
      checkBuffers(l.getDataVector(), path + "[]");
    } else if (v instanceof FixedSizeListVector l) {
      checkBuffers(l.getDataVector(), path + "[]");
    }
  }

  private static void check(ArrowBuf offsets, int n, int width, long limit, String path) {
    if (n == 0) {
      return;
    }
    if (offsets.capacity() < (long) (n + 1) * width) {
      throw new IpcFormatException(
          "column '"
              + path
              + "': an offset buffer of "
              + offsets.capacity()
              + " bytes for "
              + n
              + " values");
    }
    long previous = width == 4 ? offsets.getInt(0) : offsets.getLong(0);
    if (previous < 0) {
      throw new IpcFormatException("column '" + path + "': negative first offset " + previous);
    }
    for (int i = 1; i <= n; i++) {
      long o = width == 4 ? offsets.getInt((long) i * 4) : offsets.getLong((long) i * 8);
      if (o < previous || o > limit) {
        throw new IpcFormatException(
            "column '"
                + path
                + "' row "
                + (i - 1)
                + ": offset "
                + o
                + " after "
                + previous
                + " (data holds "
                + limit
                + ")");
      }
      previous = o;
    }
  }
}
