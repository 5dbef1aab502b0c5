package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import io.flowctl.parquet.ParquetWrite.ValueWriter;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BaseLargeVariableWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BaseVariableWidthViewVector;
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
import org.apache.arrow.vector.NullVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeNanoVector;
import org.apache.arrow.vector.TimeSecVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Arrow primitive values as Parquet writes them: one {@link ValueWriter} per vector class, with the
 * conversions Parquet's logical types need (date64 to whole days, seconds to milliseconds, decimals
 * to big-endian shortest form). Variable-width and decimal columns copy a batch's values to the
 * heap once per batch instead of value by value.
 */
final class LeafWriters {
  private static final long MILLIS_PER_DAY = 86_400_000L;

  private LeafWriters() {}

  private abstract static class Leaf implements ValueWriter {
    private final ValueVector vector;

    Leaf(ValueVector vector) {
      this.vector = vector;
    }

    @Override
    public boolean isNull(int index) {
      return vector.isNull(index);
    }
  }

  /**
   * The writer of a primitive column {@code v} (at Parquet path {@code path}).
   *
   * @throws CodecException for a type Parquet has no form for
   */
  static ValueWriter of(ValueVector v, String path) {
    if (v instanceof NullVector) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {}
      };
    }
    if (v instanceof BitVector b) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addBoolean(b.get(index) != 0);
        }
      };
    }
    if (v instanceof BigIntVector || v instanceof org.apache.arrow.vector.UInt8Vector) {
      BaseIntVector i = (BaseIntVector) v;
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addLong(i.getValueAsLong(index));
        }
      };
    }
    if (v instanceof BaseIntVector i) {
      // int8..int32 and uint8..uint32: uint32 keeps its bits in an INT32.
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addInteger((int) i.getValueAsLong(index));
        }
      };
    }
    if (v instanceof Float2Vector f) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          short bits = f.get(index);
          rc.addBinary(Binary.fromConstantByteArray(new byte[] {(byte) bits, (byte) (bits >> 8)}));
        }
      };
    }
    if (v instanceof Float4Vector f) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addFloat(f.get(index));
        }
      };
    }
    if (v instanceof Float8Vector f) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addDouble(f.get(index));
        }
      };
    }
    if (v instanceof BaseVariableWidthVector w) {
      return new Leaf(v) {
        private byte[] heap = new byte[0];
        private int[] offsets;

        @Override
        public void prepare(int rows) {
          if (offsets == null || offsets.length < rows + 1) {
            offsets = new int[Math.max(rows + 1, 1024)];
          }
          if (rows > 0) {
            w.getOffsetBuffer()
                .nioBuffer(0, (rows + 1) * 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asIntBuffer()
                .get(offsets, 0, rows + 1);
          }
          int end = rows == 0 ? 0 : offsets[rows];
          if (heap.length < end) {
            heap = new byte[Math.max(end, heap.length * 2)];
          }
          w.getDataBuffer().getBytes(0, heap, 0, end);
        }

        @Override
        public void write(RecordConsumer rc, int index) {
          if (offsets == null) {
            rc.addBinary(Binary.fromConstantByteArray(w.get(index)));
            return;
          }
          int start = offsets[index];
          // reused: parquet-java copies what it keeps (dictionary entries, statistics)
          rc.addBinary(Binary.fromReusedByteArray(heap, start, offsets[index + 1] - start));
        }
      };
    }
    if (v instanceof BaseLargeVariableWidthVector w) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addBinary(Binary.fromConstantByteArray(w.get(index)));
        }
      };
    }
    if (v instanceof BaseVariableWidthViewVector w) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addBinary(Binary.fromConstantByteArray(w.get(index)));
        }
      };
    }
    if (v instanceof FixedSizeBinaryVector f) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addBinary(Binary.fromConstantByteArray(f.get(index)));
        }
      };
    }
    if (v instanceof DecimalVector || v instanceof Decimal256Vector) {
      ArrowType.Decimal type = (ArrowType.Decimal) v.getField().getType();
      int width = type.getBitWidth() / 8;
      int bytes = ArrowToParquetSchema.decimalBytes(type.getPrecision());
      return new Leaf(v) {
        private byte[] heap;
        private final byte[] out = new byte[bytes];

        @Override
        public void prepare(int rows) {
          int size = rows * width;
          if (heap == null || heap.length < size) {
            heap = new byte[size];
          }
          v.getDataBuffer().getBytes(0, heap, 0, size);
        }

        @Override
        public void write(RecordConsumer rc, int index) {
          // Arrow keeps little-endian two's complement; Parquet wants big-endian, shortest form.
          int base = index * width;
          if (heap != null) {
            for (int k = 0; k < bytes; k++) {
              out[bytes - 1 - k] = heap[base + k];
            }
          } else {
            ArrowBuf data = v.getDataBuffer(); // a new batch brings new buffers
            for (int k = 0; k < bytes; k++) {
              out[bytes - 1 - k] = data.getByte((long) base + k);
            }
          }
          // reused: parquet-java copies what it keeps (dictionary entries, statistics)
          rc.addBinary(Binary.fromReusedByteArray(out));
        }
      };
    }
    if (v instanceof DateDayVector d) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addInteger(d.get(index));
        }
      };
    }
    if (v instanceof DateMilliVector d) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          long ms = d.get(index);
          if (ms % MILLIS_PER_DAY != 0) {
            throw new CodecException(
                "column '"
                    + path
                    + "' row "
                    + index
                    + ": date64 value "
                    + ms
                    + " is not a whole day, which Parquet's DATE cannot hold");
          }
          rc.addInteger(Math.toIntExact(ms / MILLIS_PER_DAY));
        }
      };
    }
    if (v instanceof TimeSecVector t) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addInteger(t.get(index) * 1000);
        }
      };
    }
    if (v instanceof TimeMilliVector t) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addInteger(t.get(index));
        }
      };
    }
    if (v instanceof TimeMicroVector
        || v instanceof TimeNanoVector
        || v instanceof DurationVector) {
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          rc.addLong(v.getDataBuffer().getLong((long) index * 8));
        }
      };
    }
    if (v instanceof TimeStampVector t) {
      boolean seconds = ((ArrowType.Timestamp) v.getField().getType()).getUnit() == TimeUnit.SECOND;
      return new Leaf(v) {
        @Override
        public void write(RecordConsumer rc, int index) {
          long value = t.get(index);
          if (seconds) {
            try {
              value = Math.multiplyExact(value, 1000L);
            } catch (ArithmeticException e) {
              throw new CodecException(
                  "column '"
                      + path
                      + "' row "
                      + index
                      + ": timestamp "
                      + value
                      + " s is beyond Parquet's millisecond range");
            }
          }
          rc.addLong(value);
        }
      };
    }
    throw new CodecException(
        "column '" + path + "': Arrow type " + v.getField().getType() + " has no Parquet form");
  }
}
