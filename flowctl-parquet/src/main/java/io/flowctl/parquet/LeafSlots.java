package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DateMilliVector;
import org.apache.arrow.vector.Decimal256Vector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.DurationVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.NullVector;
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
import org.apache.arrow.vector.VariableWidthFieldVector;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.OriginalType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The primitive slots of {@link ParquetRead}: one per Arrow vector class, taking Parquet's physical
 * values (from parquet-column's converters, or straight from pages through {@link
 * ColumnChunkReader.Sink}) with the conversions the logical types need (units of times and
 * timestamps, INT96, decimals, narrowing checks).
 */
final class LeafSlots {
  private LeafSlots() {}

  /** A leaf: one primitive converter appending to one vector. */
  abstract static class LeafSlot extends ParquetRead.Slot implements ColumnChunkReader.Sink {
    private final ValueVector vector;
    private final PrimitiveConverter converter;

    LeafSlot(ValueVector vector, String path) {
      super(path);
      this.vector = vector;
      LeafSlot self = this;
      this.converter =
          new PrimitiveConverter() {
            @Override
            public void addBoolean(boolean value) {
              self.addLong(value ? 1 : 0);
            }

            @Override
            public void addInt(int value) {
              self.addLong(value);
            }

            @Override
            public void addLong(long value) {
              self.addLong(value);
            }

            @Override
            public void addFloat(float value) {
              self.addDouble(value);
            }

            @Override
            public void addDouble(double value) {
              self.addDouble(value);
            }

            @Override
            public void addBinary(Binary value) {
              self.addBinary(value);
            }
          };
    }

    void addLong(long value) {
      set(count, value);
      count++;
      seen = true;
    }

    void addDouble(double value) {
      setDouble(count, value);
      count++;
      seen = true;
    }

    void addBinary(Binary value) {
      setBinary(count, value);
      count++;
      seen = true;
    }

    @Override
    public void appendLong(long value) {
      addLong(value);
    }

    @Override
    public void appendDouble(double value) {
      addDouble(value);
    }

    @Override
    public void appendBytes(byte[] src, int offset, int length) {
      setBytes(count, src, offset, length);
      count++;
      seen = true;
    }

    /** A byte-array value from a page's bytes; slots that copy bytes as they are override it. */
    void setBytes(int index, byte[] src, int offset, int length) {
      setBinary(index, Binary.fromConstantByteArray(src, offset, length));
    }

    void set(int index, long value) {
      throw mismatch("Parquet integers cannot fill an Arrow " + ParquetRead.type(vector));
    }

    void setDouble(int index, double value) {
      throw mismatch(
          "Parquet floating point values cannot fill an Arrow " + ParquetRead.type(vector));
    }

    void setBinary(int index, Binary value) {
      throw mismatch("Parquet byte arrays cannot fill an Arrow " + ParquetRead.type(vector));
    }

    @Override
    public PrimitiveConverter converter() {
      return converter;
    }

    @Override
    public void appendNull() {
      if (vector instanceof org.apache.arrow.vector.FieldVector f) {
        f.setNull(count);
      }
      count++;
    }

    long narrow(long value, long min, long max) {
      if (value < min || value > max) {
        throw mismatch("value " + value + " does not fit " + ParquetRead.type(vector));
      }
      return value;
    }
  }

  /**
   * The slot filling primitive vector {@code v} from Parquet column {@code p} (at {@code path}).
   *
   * @throws CodecException when the Parquet type cannot fill the vector
   */
  static LeafSlot of(ValueVector v, PrimitiveType p, String path) {
    PrimitiveTypeName physical = p.getPrimitiveTypeName();
    if (v instanceof NullVector) {
      return new LeafSlot(v, path) {
        @Override
        public void appendNull() {
          count++;
        }
      };
    }
    if (v instanceof BitVector b) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          b.setSafe(i, (int) value);
        }
      };
    }
    if (v instanceof TinyIntVector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, (byte) narrow(value, Byte.MIN_VALUE, Byte.MAX_VALUE));
        }
      };
    }
    if (v instanceof SmallIntVector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, (short) narrow(value, Short.MIN_VALUE, Short.MAX_VALUE));
        }
      };
    }
    if (v instanceof IntVector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, (int) narrow(value, Integer.MIN_VALUE, Integer.MAX_VALUE));
        }
      };
    }
    if (v instanceof UInt1Vector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, (byte) narrow(value & 0xFFFF_FFFFL, 0, 255));
        }
      };
    }
    if (v instanceof UInt2Vector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, (char) narrow(value & 0xFFFF_FFFFL, 0, 65535));
        }
      };
    }
    if (v instanceof UInt4Vector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, (int) value); // the bits of an INT32 or the low half of an INT64
        }
      };
    }
    if (v instanceof BigIntVector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, value);
        }
      };
    }
    if (v instanceof UInt8Vector x) {
      boolean fromInt32 = physical == PrimitiveTypeName.INT32;
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, fromInt32 ? value & 0xFFFF_FFFFL : value);
        }
      };
    }
    if (v instanceof Float2Vector x) {
      return new LeafSlot(v, path) {
        @Override
        void setBinary(int i, Binary value) {
          if (value.length() != 2) {
            throw mismatch("a float16 value has " + value.length() + " bytes, not 2");
          }
          byte[] b = value.getBytesUnsafe();
          x.setSafe(i, (short) ((b[0] & 0xff) | (b[1] << 8)));
        }
      };
    }
    if (v instanceof Float4Vector x) {
      return new LeafSlot(v, path) {
        @Override
        void setDouble(int i, double value) {
          x.setSafe(i, (float) value);
        }
      };
    }
    if (v instanceof Float8Vector x) {
      return new LeafSlot(v, path) {
        @Override
        void setDouble(int i, double value) {
          x.setSafe(i, value);
        }
      };
    }
    if (v instanceof VariableWidthFieldVector x) {
      // utf8, binary, their large and view forms: Arrow's one interface for variable widths
      return new LeafSlot(v, path) {
        @Override
        void setBinary(int i, Binary value) {
          ByteBuffer b = value.toByteBuffer();
          x.setSafe(i, b, b.position(), b.remaining());
        }

        @Override
        void setBytes(int i, byte[] src, int offset, int length) {
          x.setSafe(i, src, offset, length);
        }
      };
    }
    if (v instanceof FixedSizeBinaryVector x) {
      int width = x.getByteWidth();
      return new LeafSlot(v, path) {
        @Override
        void setBinary(int i, Binary value) {
          if (value.length() != width) {
            throw mismatch("a value has " + value.length() + " bytes, not " + width);
          }
          x.setSafe(i, value.getBytes());
        }
      };
    }
    if (v instanceof DecimalVector x) {
      return decimal(v, path, 16, x::setSafe, x::setBigEndianSafe);
    }
    if (v instanceof Decimal256Vector x) {
      return decimal(v, path, 32, x::setSafe, x::setBigEndianSafe);
    }
    if (v instanceof DateDayVector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, (int) value);
        }
      };
    }
    if (v instanceof DateMilliVector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, value * 86_400_000L);
        }
      };
    }
    if (v instanceof DurationVector x) {
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          x.setSafe(i, value);
        }
      };
    }
    TimeUnit target = arrowUnit(v);
    if (target != null) {
      long from = perSecond(parquetUnit(p, target));
      long to = perSecond(target);
      if (physical == PrimitiveTypeName.INT96) {
        return new LeafSlot(v, path) {
          @Override
          void setBinary(int i, Binary value) {
            setTime(v, i, int96(value, to, this));
          }
        };
      }
      return new LeafSlot(v, path) {
        @Override
        void set(int i, long value) {
          setTime(v, i, scale(value, from, to));
        }
      };
    }
    throw new CodecException(
        "column '"
            + path
            + "': Arrow type "
            + ParquetRead.type(v)
            + " cannot be read from Parquet");
  }

  /** A decimal from an int32/int64 unscaled value or a big-endian two's-complement byte array. */
  private static LeafSlot decimal(
      ValueVector v, String path, int maxBytes, IndexedLong fromLong, IndexedBytes fromBigEndian) {
    return new LeafSlot(v, path) {
      @Override
      void set(int i, long value) {
        fromLong.set(i, value);
      }

      @Override
      void setBinary(int i, Binary value) {
        if (value.length() > maxBytes) {
          throw mismatch(
              "a decimal of " + value.length() + " bytes does not fit decimal" + maxBytes * 8);
        }
        fromBigEndian.set(i, value.getBytes());
      }
    };
  }

  /** {@code setSafe(int, long)} of the two decimal vectors, which share no interface for it. */
  @FunctionalInterface
  private interface IndexedLong {
    void set(int index, long value);
  }

  /** {@code setBigEndianSafe(int, byte[])} of the two decimal vectors. */
  @FunctionalInterface
  private interface IndexedBytes {
    void set(int index, byte[] value);
  }

  private static TimeUnit arrowUnit(ValueVector v) {
    ArrowType t = v.getField().getType();
    if (t instanceof ArrowType.ExtensionType e) {
      t = e.storageType();
    }
    if (t instanceof ArrowType.Time time) {
      return time.getUnit();
    }
    if (t instanceof ArrowType.Timestamp ts) {
      return ts.getUnit();
    }
    return null;
  }

  /** The unit the Parquet column stores; without an annotation, the Arrow unit itself. */
  private static TimeUnit parquetUnit(PrimitiveType p, TimeUnit arrow) {
    LogicalTypeAnnotation a = p.getLogicalTypeAnnotation();
    LogicalTypeAnnotation.TimeUnit u = null;
    if (a instanceof LogicalTypeAnnotation.TimestampLogicalTypeAnnotation ts) {
      u = ts.getUnit();
    } else if (a instanceof LogicalTypeAnnotation.TimeLogicalTypeAnnotation time) {
      u = time.getUnit();
    } else if (p.getOriginalType() == OriginalType.TIMESTAMP_MILLIS
        || p.getOriginalType() == OriginalType.TIME_MILLIS) {
      u = LogicalTypeAnnotation.TimeUnit.MILLIS;
    } else if (p.getOriginalType() == OriginalType.TIMESTAMP_MICROS
        || p.getOriginalType() == OriginalType.TIME_MICROS) {
      u = LogicalTypeAnnotation.TimeUnit.MICROS;
    }
    if (u == null) {
      return arrow;
    }
    return switch (u) {
      case MILLIS -> TimeUnit.MILLISECOND;
      case MICROS -> TimeUnit.MICROSECOND;
      case NANOS -> TimeUnit.NANOSECOND;
    };
  }

  private static long perSecond(TimeUnit u) {
    return switch (u) {
      case SECOND -> 1L;
      case MILLISECOND -> 1_000L;
      case MICROSECOND -> 1_000_000L;
      case NANOSECOND -> 1_000_000_000L;
    };
  }

  private static long scale(long value, long from, long to) {
    if (from == to) {
      return value;
    }
    if (to > from) {
      return Math.multiplyExact(value, to / from);
    }
    return Math.floorDiv(value, from / to);
  }

  private static void setTime(ValueVector v, int i, long value) {
    if (v instanceof TimeStampVector ts) {
      ts.setSafe(i, value);
    } else if (v instanceof TimeSecVector t) {
      t.setSafe(i, Math.toIntExact(value));
    } else if (v instanceof TimeMilliVector t) {
      t.setSafe(i, Math.toIntExact(value));
    } else if (v instanceof TimeMicroVector t) {
      t.setSafe(i, value);
    } else {
      ((TimeNanoVector) v).setSafe(i, value);
    }
  }

  /**
   * INT96 (Impala, Spark): nanoseconds of the day, then the Julian day, little-endian; returned in
   * units of {@code 1/perSecond} s.
   */
  private static long int96(Binary value, long perSecond, ParquetRead.Slot slot) {
    if (value.length() != 12) {
      throw slot.mismatch("an INT96 value has " + value.length() + " bytes, not 12");
    }
    ByteBuffer b = value.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    long nanosOfDay = b.getLong(b.position());
    long julianDay = b.getInt(b.position() + 8);
    long epochDay = julianDay - 2_440_588L;
    try {
      return Math.addExact(
          Math.multiplyExact(epochDay, 86_400L * perSecond),
          scale(nanosOfDay, 1_000_000_000L, perSecond));
    } catch (ArithmeticException e) {
      throw slot.mismatch(
          "INT96 Julian day " + julianDay + " is beyond the range of the Arrow timestamp unit");
    }
  }
}
