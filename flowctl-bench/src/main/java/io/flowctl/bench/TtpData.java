package io.flowctl.bench;

import io.flowctl.testing.BatchData;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/** A token-transfer-like schema ({@code arrow_data.TTPEventBatch}) shared by benchmarks. */
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

  /**
   * {@code rows} rows of token transfers: sequential ledgers, 64-character hashes, a few event
   * types and assets, 56-character accounts, amounts as int64 and decimal, about 10% nulls.
   */
  static BatchData rows(int rows) {
    java.util.Random random = new java.util.Random(42);
    String[] types = {"transfer", "mint", "burn", "clawback"};
    String[] assets = {"XLM", "USDC", "EURC", "yXLM", "AQUA"};
    List<List<Object>> out = new java.util.ArrayList<>(rows);
    long ledger = 50_000_000L;
    java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < rows; i++) {
      if (i % 40 == 0) {
        ledger++;
        t = t.plusSeconds(5);
      }
      long amount = (long) (random.nextDouble() * 1_000_000_000L);
      boolean native_ = random.nextInt(5) == 0;
      out.add(
          java.util.Arrays.asList(
              ledger,
              hex(random, 64),
              (long) (i % 40),
              t,
              types[random.nextInt(types.length)],
              random.nextInt(10) == 0 ? null : account(random),
              random.nextInt(10) == 0 ? null : account(random),
              native_ ? null : assets[random.nextInt(assets.length)],
              native_ ? null : account(random),
              amount,
              random.nextInt(10) == 0 ? null : java.math.BigDecimal.valueOf(amount, 7),
              random.nextInt(10) == 0 ? null : random.nextDouble() * 10,
              random.nextInt(3) == 0
                  ? null
                  : java.util.Map.of("kind", "text", "text", "memo " + (i % 100)),
              random.nextInt(2) == 0 ? null : List.of("tag" + (i % 7))));
    }
    return new BatchData(schema(), out);
  }

  private static String hex(java.util.Random r, int n) {
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(Character.forDigit(r.nextInt(16), 16));
    }
    return b.toString();
  }

  private static String account(java.util.Random r) {
    StringBuilder b = new StringBuilder("G");
    for (int i = 1; i < 56; i++) {
      b.append((char) ('A' + r.nextInt(26)));
    }
    return b.toString();
  }

  private static Field field(String name, ArrowType type, boolean nullable) {
    return new Field(name, new FieldType(nullable, type, null), null);
  }
}
