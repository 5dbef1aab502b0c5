package io.flowctl.client.codec;

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
        throw new CodecException(
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

  private static void check(ArrowBuf offsets, int n, int width, long limit, String path) {
    if (n == 0) {
      return;
    }
    if (offsets.capacity() < (long) (n + 1) * width) {
      throw new CodecException(
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
      throw new CodecException("column '" + path + "': negative first offset " + previous);
    }
    for (int i = 1; i <= n; i++) {
      long o = width == 4 ? offsets.getInt((long) i * 4) : offsets.getLong((long) i * 8);
      if (o < previous || o > limit) {
        throw new CodecException(
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
