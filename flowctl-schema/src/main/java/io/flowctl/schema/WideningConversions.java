package io.flowctl.schema;

import java.math.BigDecimal;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Widening conversions of primitive columns (int8 to int64, float32 to float64, dates to timestamps
 * and the other pairs of the widening table), value by value into a new vector.
 */
final class WideningConversions {
  private WideningConversions() {}

  static FieldVector convert(
      ValueVector src, Field reader, BufferAllocator allocator, FieldPath path) {
    ArrowType from = TypeRules.storage(src.getField().getType());
    ArrowType to = TypeRules.storage(reader.getType());
    int rows = src.getValueCount();
    FieldVector out = reader.createVector(allocator);
    try {
      out.setInitialCapacity(Math.max(rows, 1));
      out.allocateNew();
      if (out instanceof BaseVariableWidthVector vOut) {
        BaseVariableWidthVector vIn = (BaseVariableWidthVector) src;
        for (int i = 0; i < rows; i++) {
          if (!vIn.isNull(i)) {
            vOut.setSafe(i, vIn.get(i));
          }
        }
      } else if (out instanceof org.apache.arrow.vector.BaseLargeVariableWidthVector vOut) {
        BaseVariableWidthVector vIn = (BaseVariableWidthVector) src;
        for (int i = 0; i < rows; i++) {
          if (!vIn.isNull(i)) {
            vOut.setSafe(i, vIn.get(i));
          }
        }
      } else {
        fixed(src, (BaseFixedWidthVector) out, from, to, rows, path);
      }
      out.setValueCount(rows);
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  private static void fixed(
      ValueVector src,
      BaseFixedWidthVector out,
      ArrowType from,
      ArrowType to,
      int rows,
      FieldPath path) {
    while (out.getValueCapacity() < rows) {
      out.reAlloc();
    }
    ArrowBuf validity = out.getValidityBuffer();
    ArrowBuf data = out.getDataBuffer();
    for (int i = 0; i < rows; i++) {
      if (src.isNull(i)) {
        continue;
      }
      BitVectorHelper.setBit(validity, i);
      if (to instanceof ArrowType.Decimal) {
        BigDecimal value = (BigDecimal) src.getObject(i);
        if (out instanceof DecimalVector d) {
          d.set(i, value);
        } else {
          ((Decimal256Vector) out).set(i, value);
        }
      } else if (to instanceof ArrowType.FloatingPoint fp) {
        double value =
            src instanceof FloatingPointVector f
                ? f.getValueAsDouble(i)
                : asDouble(src, (ArrowType.Int) from, i);
        switch (fp.getPrecision()) {
          case SINGLE -> data.setFloat(4L * i, (float) value);
          case DOUBLE -> data.setDouble(8L * i, value);
          default -> throw new IllegalStateException("no widening to float16");
        }
      } else {
        long value = readLong(src, from, i);
        long scaled = scale(value, from, to, path, i);
        int width = out.getTypeWidth();
        switch (width) {
          case 1 -> data.setByte(i, (byte) scaled);
          case 2 -> data.setShort(2L * i, (short) scaled);
          case 4 -> data.setInt(4L * i, (int) scaled);
          default -> data.setLong(8L * i, scaled);
        }
      }
    }
  }

  private static double asDouble(ValueVector src, ArrowType.Int from, int i) {
    long raw = readLong(src, from, i);
    if (!from.getIsSigned() && from.getBitWidth() == 64 && raw < 0) {
      return (double) (raw >>> 1) * 2.0 + (raw & 1);
    }
    return raw;
  }

  /** Reads an integer, date, time or timestamp value as a (sign- or zero-extended) long. */
  static long readLong(ValueVector src, ArrowType type, int i) {
    ArrowBuf data = src.getDataBuffer();
    int width = ((BaseFixedWidthVector) src).getTypeWidth();
    boolean signed = !(type instanceof ArrowType.Int t) || t.getIsSigned();
    return switch (width) {
      case 1 -> signed ? data.getByte(i) : data.getByte(i) & 0xFFL;
      case 2 -> signed ? data.getShort(2L * i) : data.getShort(2L * i) & 0xFFFFL;
      case 4 -> signed ? data.getInt(4L * i) : data.getInt(4L * i) & 0xFFFFFFFFL;
      default -> data.getLong(8L * i);
    };
  }

  private static long scale(long value, ArrowType from, ArrowType to, FieldPath path, int row) {
    long factor = 1;
    if (from instanceof ArrowType.Date f
        && to instanceof ArrowType.Date t
        && f.getUnit() != t.getUnit()) {
      factor = 86_400_000L;
    } else if (from instanceof ArrowType.Time f && to instanceof ArrowType.Time t) {
      factor = TypeRules.factor(f.getUnit(), t.getUnit());
    } else if (from instanceof ArrowType.Timestamp f && to instanceof ArrowType.Timestamp t) {
      factor = TypeRules.factor(f.getUnit(), t.getUnit());
    }
    if (factor == 1) {
      return value;
    }
    try {
      return Math.multiplyExact(value, factor);
    } catch (ArithmeticException e) {
      throw new SchemaException(
          "column '"
              + path
              + "' row "
              + row
              + ": value "
              + value
              + " of "
              + TypeText.ofType(from, null)
              + " does not fit "
              + TypeText.ofType(to, null));
    }
  }
}
