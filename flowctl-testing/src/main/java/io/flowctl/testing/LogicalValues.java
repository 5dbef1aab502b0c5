package io.flowctl.testing;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.util.Float16;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.LargeVarBinaryVector;
import org.apache.arrow.vector.LargeVarCharVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.UInt1Vector;
import org.apache.arrow.vector.UInt2Vector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

/**
 * Reads and writes the logical values of {@link BatchData} from and to Arrow vectors. The logical
 * form does not depend on the physical type (int32 and int64 both give {@code Long}, every date
 * unit gives {@code LocalDate}), so a widened column compares equal to the original.
 */
final class LogicalValues {

  private LogicalValues() {}

  // ---- reading ----

  static Object read(ValueVector v, Field field, int i, DictionaryProvider dictionaries) {
    if (v.isNull(i)) {
      return null;
    }
    if (field.getDictionary() != null) {
      long index = ((BaseIntVector) v).getValueAsLong(i);
      Dictionary d =
          dictionaries == null ? null : dictionaries.lookup(field.getDictionary().getId());
      if (d == null) {
        throw new IllegalStateException("no dictionary " + field.getDictionary().getId());
      }
      FieldVector values = d.getVector();
      return read(values, values.getField(), Math.toIntExact(index), dictionaries);
    }
    if (v instanceof ExtensionTypeVector<?> ext) {
      FieldVector storage = ext.getUnderlyingVector();
      return read(storage, storage.getField(), i, dictionaries);
    }
    if (v instanceof BitVector b) {
      return b.get(i) != 0;
    }
    if (v instanceof UInt8Vector u) {
      return integer(u.getObjectNoOverflow(i));
    }
    if (v instanceof UInt1Vector u) {
      return (long) (u.get(i) & 0xFF);
    }
    if (v instanceof UInt2Vector u) {
      return (long) u.get(i);
    }
    if (v instanceof UInt4Vector u) {
      return u.get(i) & 0xFFFF_FFFFL;
    }
    if (v instanceof TinyIntVector
        || v instanceof SmallIntVector
        || v instanceof IntVector
        || v instanceof BigIntVector) {
      return ((BaseIntVector) v).getValueAsLong(i);
    }
    if (v instanceof Float2Vector f) {
      return (double) Float16.toFloat(f.get(i));
    }
    if (v instanceof Float4Vector f) {
      return (double) f.get(i);
    }
    if (v instanceof Float8Vector f) {
      return f.get(i);
    }
    if (v instanceof DecimalVector d) {
      return d.getObject(i);
    }
    if (v instanceof Decimal256Vector d) {
      return d.getObject(i);
    }
    if (v instanceof VarCharVector s) {
      return new String(s.get(i), StandardCharsets.UTF_8);
    }
    if (v instanceof LargeVarCharVector s) {
      return new String(s.get(i), StandardCharsets.UTF_8);
    }
    if (v instanceof VarBinaryVector b) {
      return new Bytes(b.get(i));
    }
    if (v instanceof LargeVarBinaryVector b) {
      return new Bytes(b.get(i));
    }
    if (v instanceof FixedSizeBinaryVector b) {
      return new Bytes(b.get(i));
    }
    if (v instanceof DateDayVector d) {
      return LocalDate.ofEpochDay(d.get(i));
    }
    if (v instanceof DateMilliVector d) {
      return LocalDate.ofEpochDay(Math.floorDiv(d.get(i), 86_400_000L));
    }
    if (v instanceof TimeSecVector t) {
      return LocalTime.ofSecondOfDay(t.get(i));
    }
    if (v instanceof TimeMilliVector t) {
      return LocalTime.ofNanoOfDay(t.get(i) * 1_000_000L);
    }
    if (v instanceof TimeMicroVector t) {
      return LocalTime.ofNanoOfDay(t.get(i) * 1_000L);
    }
    if (v instanceof TimeNanoVector t) {
      return LocalTime.ofNanoOfDay(t.get(i));
    }
    if (v instanceof TimeStampVector t) {
      return instant(t.get(i), ((ArrowType.Timestamp) field.getType()).getUnit());
    }
    if (v instanceof StructVector s) {
      Map<String, Object> out = new LinkedHashMap<>();
      List<Field> children = field.getChildren();
      for (int c = 0; c < children.size(); c++) {
        out.put(
            children.get(c).getName(),
            read(s.getChildByOrdinal(c), children.get(c), i, dictionaries));
      }
      return Collections.unmodifiableMap(out);
    }
    if (v instanceof MapVector m) {
      StructVector entries = (StructVector) m.getDataVector();
      Field entriesField = field.getChildren().get(0);
      List<Object> out = new ArrayList<>();
      for (int k = m.getElementStartIndex(i); k < m.getElementEndIndex(i); k++) {
        out.add(
            new AbstractMap.SimpleImmutableEntry<>(
                read(
                    entries.getChildByOrdinal(0),
                    entriesField.getChildren().get(0),
                    k,
                    dictionaries),
                read(
                    entries.getChildByOrdinal(1),
                    entriesField.getChildren().get(1),
                    k,
                    dictionaries)));
      }
      return Collections.unmodifiableList(out);
    }
    if (v instanceof ListVector l) {
      return elements(
          l.getDataVector(),
          field,
          l.getElementStartIndex(i),
          l.getElementEndIndex(i),
          dictionaries);
    }
    if (v instanceof LargeListVector l) {
      return elements(
          l.getDataVector(),
          field,
          Math.toIntExact(l.getElementStartIndex(i)),
          Math.toIntExact(l.getElementEndIndex(i)),
          dictionaries);
    }
    if (v instanceof FixedSizeListVector l) {
      int size = l.getListSize();
      return elements(l.getDataVector(), field, i * size, (i + 1) * size, dictionaries);
    }
    if (v instanceof org.apache.arrow.vector.DurationVector d) {
      return d.getObject(i); // read only: no arbitrary generates durations
    }
    throw new IllegalArgumentException("no logical form for " + v.getClass().getSimpleName());
  }

  private static List<Object> elements(
      FieldVector data, Field list, int from, int to, DictionaryProvider dictionaries) {
    List<Object> out = new ArrayList<>(to - from);
    for (int k = from; k < to; k++) {
      out.add(read(data, list.getChildren().get(0), k, dictionaries));
    }
    return Collections.unmodifiableList(out);
  }

  static Object integer(BigInteger value) {
    return value.bitLength() < 64 ? (Object) value.longValue() : value;
  }

  static Instant instant(long value, TimeUnit unit) {
    return switch (unit) {
      case SECOND -> Instant.ofEpochSecond(value);
      case MILLISECOND -> Instant.ofEpochMilli(value);
      case MICROSECOND ->
          Instant.ofEpochSecond(
              Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
      case NANOSECOND ->
          Instant.ofEpochSecond(
              Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
    };
  }

  static long fromInstant(Instant t, TimeUnit unit) {
    long seconds = t.getEpochSecond();
    long nanos = t.getNano();
    if (seconds < 0 && nanos > 0) {
      // Keeps the intermediate product in range for instants just above Long.MIN_VALUE units.
      seconds += 1;
      nanos -= 1_000_000_000L;
    }
    return switch (unit) {
      case SECOND -> t.getEpochSecond();
      case MILLISECOND -> t.toEpochMilli();
      case MICROSECOND -> Math.addExact(Math.multiplyExact(seconds, 1_000_000L), nanos / 1_000L);
      case NANOSECOND -> Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
    };
  }

  // ---- writing ----

  /** Writes one non-null value of a plain (not dictionary-encoded) leaf. */
  static void writeLeaf(ValueVector v, int i, Object value) {
    if (v instanceof ExtensionTypeVector<?> ext) {
      writeLeaf(ext.getUnderlyingVector(), i, value);
    } else if (v instanceof BitVector b) {
      b.setSafe(i, (Boolean) value ? 1 : 0);
    } else if (v instanceof TinyIntVector t) {
      t.setSafe(i, (byte) (long) (Long) value);
    } else if (v instanceof SmallIntVector t) {
      t.setSafe(i, (short) (long) (Long) value);
    } else if (v instanceof IntVector t) {
      t.setSafe(i, (int) (long) (Long) value);
    } else if (v instanceof BigIntVector t) {
      t.setSafe(i, (Long) value);
    } else if (v instanceof UInt1Vector t) {
      t.setSafe(i, (int) (long) (Long) value);
    } else if (v instanceof UInt2Vector t) {
      t.setSafe(i, (int) (long) (Long) value);
    } else if (v instanceof UInt4Vector t) {
      t.setSafe(i, (int) (long) (Long) value);
    } else if (v instanceof UInt8Vector t) {
      t.setSafe(i, ((Number) value).longValue());
    } else if (v instanceof Float2Vector f) {
      f.setSafe(i, Float16.toFloat16((float) (double) (Double) value));
    } else if (v instanceof Float4Vector f) {
      f.setSafe(i, (float) (double) (Double) value);
    } else if (v instanceof Float8Vector f) {
      f.setSafe(i, (Double) value);
    } else if (v instanceof DecimalVector d) {
      d.setSafe(i, (BigDecimal) value);
    } else if (v instanceof Decimal256Vector d) {
      d.setSafe(i, (BigDecimal) value);
    } else if (v instanceof VarCharVector s) {
      s.setSafe(i, ((String) value).getBytes(StandardCharsets.UTF_8));
    } else if (v instanceof LargeVarCharVector s) {
      s.setSafe(i, ((String) value).getBytes(StandardCharsets.UTF_8));
    } else if (v instanceof VarBinaryVector b) {
      b.setSafe(i, ((Bytes) value).value());
    } else if (v instanceof LargeVarBinaryVector b) {
      b.setSafe(i, ((Bytes) value).value());
    } else if (v instanceof FixedSizeBinaryVector b) {
      b.setSafe(i, ((Bytes) value).value());
    } else if (v instanceof DateDayVector d) {
      d.setSafe(i, Math.toIntExact(((LocalDate) value).toEpochDay()));
    } else if (v instanceof DateMilliVector d) {
      d.setSafe(i, ((LocalDate) value).toEpochDay() * 86_400_000L);
    } else if (v instanceof TimeSecVector t) {
      t.setSafe(i, ((LocalTime) value).toSecondOfDay());
    } else if (v instanceof TimeMilliVector t) {
      t.setSafe(i, (int) (((LocalTime) value).toNanoOfDay() / 1_000_000L));
    } else if (v instanceof TimeMicroVector t) {
      t.setSafe(i, ((LocalTime) value).toNanoOfDay() / 1_000L);
    } else if (v instanceof TimeNanoVector t) {
      t.setSafe(i, ((LocalTime) value).toNanoOfDay());
    } else if (v instanceof TimeStampVector t) {
      t.setSafe(
          i,
          fromInstant((Instant) value, ((ArrowType.Timestamp) t.getField().getType()).getUnit()));
    } else {
      throw new IllegalArgumentException(
          "cannot write " + value + " into " + v.getClass().getSimpleName());
    }
  }
}
