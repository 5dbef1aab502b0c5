package io.flowctl.examples;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import io.flowctl.proto.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Plain protobuf rows for pipelines with Arrow switched off or mixed in: one {@link Event} per row,
 * its payload a {@code google.protobuf.Struct} of the row's fields, as a non-Arrow flowctl service
 * would send them. Converts the flat schemas of the examples (int32 and uint32 as numbers, int64 as
 * decimal text, bools, fixed-size binary as hex, strings, microsecond timestamps as RFC 3339 text)
 * both ways.
 */
final class ProtobufRows {
  private ProtobufRows() {}

  /** One event per row of {@code root}. */
  static List<Event> toEvents(VectorSchemaRoot root, String eventType) {
    List<Event> out = new ArrayList<>(root.getRowCount());
    Instant now = Instant.now();
    Timestamp ts =
        Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    for (int i = 0; i < root.getRowCount(); i++) {
      Struct.Builder row = Struct.newBuilder();
      for (FieldVector v : root.getFieldVectors()) {
        row.putFields(v.getName(), value(v, i));
      }
      out.add(
          Event.newBuilder()
              .setEventType(eventType)
              .setPayload(row.build().toByteString())
              .setTimestamp(ts)
              .build());
    }
    return out;
  }

  private static Value value(FieldVector v, int i) {
    if (v.isNull(i)) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
    if (v instanceof BigIntVector b) {
      return Value.newBuilder().setStringValue(Long.toString(b.get(i))).build();
    }
    if (v instanceof IntVector n) {
      return Value.newBuilder().setNumberValue(n.get(i)).build();
    }
    if (v instanceof UInt4Vector n) {
      return Value.newBuilder().setNumberValue(n.getValueAsLong(i)).build();
    }
    if (v instanceof BitVector b) {
      return Value.newBuilder().setBoolValue(b.get(i) == 1).build();
    }
    if (v instanceof FixedSizeBinaryVector b) {
      return Value.newBuilder().setStringValue(HexFormat.of().formatHex(b.get(i))).build();
    }
    if (v instanceof VarCharVector s) {
      return Value.newBuilder()
          .setStringValue(new String(s.get(i), StandardCharsets.UTF_8))
          .build();
    }
    if (v instanceof TimeStampMicroTZVector t) {
      long micros = t.get(i);
      Instant at =
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      return Value.newBuilder().setStringValue(at.toString()).build();
    }
    throw new IllegalArgumentException(
        "column '" + v.getName() + "': no protobuf row form for " + v.getField().getType());
  }

  /**
   * The rows of {@code events} as one batch of {@code schema}, owned by the caller.
   *
   * @throws IllegalArgumentException naming the event and field that does not fit
   */
  static VectorSchemaRoot toBatch(List<Event> events, Schema schema, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    try {
      root.allocateNew();
      for (int i = 0; i < events.size(); i++) {
        Struct row;
        try {
          row = Struct.parseFrom(events.get(i).getPayload());
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException("row " + i + " is not a protobuf Struct", e);
        }
        for (Field f : schema.getFields()) {
          set(root.getVector(f.getName()), i, row.getFieldsOrDefault(f.getName(), null), f);
        }
      }
      root.setRowCount(events.size());
      return root;
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  private static void set(FieldVector v, int i, Value value, Field f) {
    if (value == null || value.hasNullValue()) {
      if (!f.isNullable()) {
        throw new IllegalArgumentException("row " + i + ": field '" + f.getName() + "' is null");
      }
      v.setNull(i);
      return;
    }
    try {
      if (v instanceof BigIntVector b) {
        b.setSafe(i, Long.parseLong(value.getStringValue()));
      } else if (v instanceof IntVector n) {
        n.setSafe(i, (int) value.getNumberValue());
      } else if (v instanceof UInt4Vector n) {
        double d = value.getNumberValue();
        if (d < 0 || d > 0xFFFF_FFFFL || d != Math.rint(d)) {
          throw new IllegalArgumentException(d + " is not a uint32");
        }
        n.setSafe(i, (int) (long) d);
      } else if (v instanceof BitVector b) {
        if (value.getKindCase() != Value.KindCase.BOOL_VALUE) {
          throw new IllegalArgumentException("not a bool");
        }
        b.setSafe(i, value.getBoolValue() ? 1 : 0);
      } else if (v instanceof FixedSizeBinaryVector b) {
        byte[] bytes = HexFormat.of().parseHex(value.getStringValue());
        if (bytes.length != b.getByteWidth()) {
          throw new IllegalArgumentException(bytes.length + " bytes, not " + b.getByteWidth());
        }
        b.setSafe(i, bytes);
      } else if (v instanceof VarCharVector s) {
        s.setSafe(i, value.getStringValue().getBytes(StandardCharsets.UTF_8));
      } else if (v instanceof TimeStampMicroTZVector t) {
        Instant at = Instant.parse(value.getStringValue());
        t.setSafe(
            i,
            Math.addExact(
                Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000L));
      } else {
        throw new IllegalArgumentException("no protobuf row form for " + f.getType());
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "row " + i + ": field '" + f.getName() + "' does not hold a " + f.getType(), e);
    }
  }
}
