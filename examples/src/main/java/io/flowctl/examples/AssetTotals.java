package io.flowctl.examples;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The example processor: keeps transfers at or above a minimum amount and totals them per asset,
 * one output row per asset and batch.
 */
public final class AssetTotals {
  public static final String EVENT_TYPE = "arrow_data.TTPAssetTotals";

  /** One total as a plain protobuf event (Arrow switched off): a {@code Struct} of its fields. */
  public static final String ROW_EVENT_TYPE = "token_transfer.AssetTotal";

  public static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("ledger_sequence", new ArrowType.Int(64, true)),
              Field.notNullable("asset_code", ArrowType.Utf8.INSTANCE),
              Field.notNullable("transfers", new ArrowType.Int(64, true)),
              Field.notNullable("total_amount", new ArrowType.Int(64, true))));

  private final long minimumAmount;

  public AssetTotals(long minimumAmount) {
    this.minimumAmount = minimumAmount;
  }

  /** The totals of one batch of {@link TtpEvents#SCHEMA}, owned by the caller. */
  public VectorSchemaRoot apply(VectorSchemaRoot in, BufferAllocator allocator) {
    VarCharVector kinds = (VarCharVector) in.getVector("event_type");
    VarCharVector codes = (VarCharVector) in.getVector("asset_code");
    BigIntVector amounts = (BigIntVector) in.getVector("amount");
    UInt4Vector ledgers = (UInt4Vector) in.getVector("ledger_sequence");
    Map<String, long[]> totals = new TreeMap<>();
    long lastLedger = 0;
    for (int i = 0; i < in.getRowCount(); i++) {
      lastLedger = Math.max(lastLedger, ledgers.getValueAsLong(i));
      if (!"transfer".equals(new String(kinds.get(i), StandardCharsets.UTF_8))) {
        continue;
      }
      long amount = amounts.get(i);
      if (amount < minimumAmount) {
        continue;
      }
      // The native asset has no code: it is XLM.
      String code = codes.isNull(i) ? "XLM" : new String(codes.get(i), StandardCharsets.UTF_8);
      long[] t = totals.computeIfAbsent(code, k -> new long[2]);
      t[0]++;
      t[1] += amount;
    }
    VectorSchemaRoot out = VectorSchemaRoot.create(SCHEMA, allocator);
    out.allocateNew();
    int row = 0;
    for (Map.Entry<String, long[]> e : totals.entrySet()) {
      ((BigIntVector) out.getVector("ledger_sequence")).setSafe(row, lastLedger);
      ((VarCharVector) out.getVector("asset_code"))
          .setSafe(row, e.getKey().getBytes(StandardCharsets.UTF_8));
      ((BigIntVector) out.getVector("transfers")).setSafe(row, e.getValue()[0]);
      ((BigIntVector) out.getVector("total_amount")).setSafe(row, e.getValue()[1]);
      row++;
    }
    out.setRowCount(row);
    return out;
  }
}
