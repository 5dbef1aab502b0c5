package io.flowctl.bench;

import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A token-transfer-like schema (the plan's {@code arrow_data.TTPEventBatch}) shared by benchmarks.
 */
final class TtpData {
  private TtpData() {}

  static Schema schema() {
    return new Schema(
        List.of(
            field("ledger_sequence", new ArrowType.Int(64, false), false),
            field("tx_hash", ArrowType.Utf8.INSTANCE, false),
            field("event_index", new ArrowType.Int(32, true), false),
            field("closed_at", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC"), false),
            field("event_type", ArrowType.Utf8.INSTANCE, false),
            field("from_account", ArrowType.Utf8.INSTANCE, true),
            field("to_account", ArrowType.Utf8.INSTANCE, true),
            field("asset_code", ArrowType.Utf8.INSTANCE, true),
            field("asset_issuer", ArrowType.Utf8.INSTANCE, true),
            field("amount", new ArrowType.Int(64, true), false),
            field("amount_decimal", new ArrowType.Decimal(38, 7, 128), true),
            field("price", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), true),
            new Field(
                "memo",
                FieldType.nullable(ArrowType.Struct.INSTANCE),
                List.of(
                    field("kind", ArrowType.Utf8.INSTANCE, false),
                    field("text", ArrowType.Utf8.INSTANCE, true))),
            new Field(
                "tags",
                FieldType.nullable(ArrowType.List.INSTANCE),
                List.of(field("item", ArrowType.Utf8.INSTANCE, true)))),
        Map.of("source", "stellar-mainnet", "producer", "flowctl-bench"));
  }

  private static Field field(String name, ArrowType type, boolean nullable) {
    return new Field(name, new FieldType(nullable, type, null), null);
  }
}
