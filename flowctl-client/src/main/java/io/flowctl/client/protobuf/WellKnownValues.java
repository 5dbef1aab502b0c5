package io.flowctl.client.protobuf;

/**
 * The well-known protobuf messages {@link WireToArrow} reads as one Arrow value instead of a
 * struct: Timestamp and Duration as nanoseconds, the wrappers (Int64Value, StringValue, ...) as
 * their field 1.
 */
final class WellKnownValues {
  private WellKnownValues() {}

  /** google.protobuf.Timestamp or Duration: the nanoseconds since the epoch, or of the span. */
  static final class Nanos extends WireToArrow.Delimited {
    private final Columns.FixedCol vector;
    private final String path;
    private final boolean timestamp;

    Nanos(Columns.FixedCol vector, String path, boolean timestamp) {
      this.vector = vector;
      this.path = path;
      this.timestamp = timestamp;
    }

    @Override
    void read(Wire in, int index) {
      int outer = in.enter();
      long seconds = 0;
      int nanos = 0;
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if (tag == ((1 << 3) | Wire.VARINT)) {
          seconds = in.readVarint64();
        } else if (tag == ((2 << 3) | Wire.VARINT)) {
          nanos = in.readVarint32();
        } else {
          in.skip(tag);
        }
      }
      in.leave(outer);
      long value;
      try {
        value = Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanos);
      } catch (ArithmeticException e) {
        throw new ProtoConversionException(
            "field '"
                + path
                + "': "
                + seconds
                + " s is beyond the range of "
                + (timestamp ? "timestamp(ns)" : "duration(ns)")
                + " (years 1677 to 2262)",
            -1,
            path);
      }
      set(index, value);
    }

    private void set(int index, long value) {
      vector.putLong(index, value);
    }

    @Override
    void setNull(int index) {
      vector.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      set(index, 0);
    }
  }

  /** A wrapper (Int64Value, StringValue, ...): its field 1, or the default when it has none. */
  static final class Wrapper extends WireToArrow.Delimited {
    private final WireToArrow.Value scalar;

    Wrapper(WireToArrow.Value scalar) {
      this.scalar = scalar;
    }

    @Override
    void read(Wire in, int index) {
      int outer = in.enter();
      scalar.fillDefault(index);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        if ((tag >>> 3) == 1 && (tag & 7) == scalar.wireType()) {
          scalar.read(in, index);
        } else {
          in.skip(tag);
        }
      }
      in.leave(outer);
    }

    @Override
    void setNull(int index) {
      scalar.setNull(index);
    }

    @Override
    void fillDefault(int index) {
      scalar.fillDefault(index);
    }
  }
}
