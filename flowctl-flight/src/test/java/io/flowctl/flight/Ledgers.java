package io.flowctl.flight;

import io.flowctl.client.Flowctl.BatchEmitter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A test feed of ledgers: {@code ROWS_PER_LEDGER} rows per ledger, {@code value} = ledger * 100 +
 * row, in batches of {@code BATCH_ROWS} rows (so ledgers run across batches).
 */
final class Ledgers {
  static final int ROWS_PER_LEDGER = 3;
  static final int BATCH_ROWS = 4;
  static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("ledger_sequence", new ArrowType.Int(32, false)),
              Field.notNullable("value", new ArrowType.Int(64, true))));

  private Ledgers() {}

  /**
   * Emits ledgers start..end of the params (end 0: start + 9), failing after {@code failAfter}
   * batches when not negative.
   */
  static void produce(BatchEmitter out, int failAfter) throws Exception {
    Map<String, String> p = out.params();
    long start = Long.parseLong(p.getOrDefault("start_ledger", "0"));
    long end = Long.parseLong(p.getOrDefault("end_ledger", "0"));
    if (start == 0) {
      start = 1;
    }
    if (end == 0) {
      end = start + 9;
    }
    int sent = 0;
    try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, out.allocator())) {
      UInt4Vector ledger = (UInt4Vector) root.getVector(0);
      BigIntVector value = (BigIntVector) root.getVector(1);
      root.allocateNew();
      int n = 0;
      for (long l = start; l <= end; l++) {
        for (int r = 0; r < ROWS_PER_LEDGER; r++) {
          ledger.setSafe(n, (int) l);
          value.setSafe(n, l * 100 + r);
          n++;
          if (n == BATCH_ROWS) {
            root.setRowCount(n);
            if (failAfter >= 0 && sent == failAfter) {
              throw new IllegalStateException("the feed broke off");
            }
            out.emit(root);
            sent++;
            n = 0;
          }
        }
      }
      if (n > 0) {
        root.setRowCount(n);
        out.emit(root);
      }
    }
  }

  /** The values of ledgers start..end, in order. */
  static List<Long> expected(long start, long end) {
    List<Long> v = new ArrayList<>();
    for (long l = start; l <= end; l++) {
      for (int r = 0; r < ROWS_PER_LEDGER; r++) {
        v.add(l * 100 + r);
      }
    }
    return v;
  }

  /** The {@code value} column of a batch. */
  static List<Long> values(VectorSchemaRoot root) {
    BigIntVector value = (BigIntVector) root.getVector("value");
    List<Long> v = new ArrayList<>();
    for (int i = 0; i < root.getRowCount(); i++) {
      v.add(value.get(i));
    }
    return v;
  }

  /** A component on loopback with free ports and no control plane. */
  static io.flowctl.client.component.ComponentConfig config(String id) {
    return io.flowctl.client.component.ComponentConfig.builder(id)
        .bindHost("127.0.0.1")
        .port(0)
        .healthPort(0)
        .build();
  }

  /**
   * The values of every batch of one {@code StreamEvents} call on {@code source}, in order; each
   * event's type is added to {@code types}.
   */
  static List<Long> streamed(
      io.flowctl.client.Flowctl.Component source,
      Map<String, String> params,
      List<String> types,
      org.apache.arrow.memory.BufferAllocator allocator) {
    io.grpc.ManagedChannel ch =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(source.endpoint())
            .usePlaintext()
            .build();
    try {
      List<Long> values = new ArrayList<>();
      var codec = io.flowctl.client.codec.ArrowEventCodec.builder().eventType("x").build();
      java.util.Iterator<io.flowctl.proto.v1.Event> it =
          io.flowctl.proto.v1.SourceServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS)
              .streamEvents(
                  io.flowctl.proto.v1.StreamRequest.newBuilder().putAllParams(params).build());
      while (it.hasNext()) {
        io.flowctl.proto.v1.Event e = it.next();
        types.add(e.getType());
        try (var r =
            codec.decode(io.flowctl.client.stream.internal.V1Events.fromV1(e), allocator)) {
          while (r.loadNextBatch()) {
            values.addAll(values(r.root()));
          }
        }
      }
      return values;
    } finally {
      ch.shutdownNow();
    }
  }
}
