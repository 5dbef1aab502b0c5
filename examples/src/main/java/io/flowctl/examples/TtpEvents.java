package io.flowctl.examples;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Synthetic token-transfer (TTP) events, shaped like Stellar's: ledger sequence, close time,
 * transaction hash, operation index, event kind, from, to, asset code and issuer, amount.
 */
public final class TtpEvents {
  public static final String EVENT_TYPE = "arrow_data.TTPEventBatch";

  /**
   * One transfer as a plain protobuf event (Arrow switched off): a {@code Struct} of its fields.
   */
  public static final String ROW_EVENT_TYPE = "token_transfer.TokenTransferEvent";

  public static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("ledger_sequence", new ArrowType.Int(64, true)),
              Field.notNullable("close_time", new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC")),
              Field.notNullable("tx_hash", ArrowType.Utf8.INSTANCE),
              Field.notNullable("op_index", new ArrowType.Int(32, true)),
              Field.notNullable("event_kind", ArrowType.Utf8.INSTANCE),
              Field.nullable("from", ArrowType.Utf8.INSTANCE),
              Field.nullable("to", ArrowType.Utf8.INSTANCE),
              Field.notNullable("asset_code", ArrowType.Utf8.INSTANCE),
              Field.nullable("asset_issuer", ArrowType.Utf8.INSTANCE),
              Field.notNullable("amount", new ArrowType.Int(64, true))));

  private static final String[] KINDS = {"transfer", "transfer", "transfer", "mint", "burn", "fee"};
  private static final String[] ASSETS = {"XLM", "USDC", "EURC", "AQUA", "yXLM"};

  private final Random random;
  private final byte[][] accounts;
  private long ledger = 52_000_000L;
  private long closeTimeMicros = 1_767_225_600_000_000L; // 2026-01-01T00:00:00Z

  public TtpEvents(long seed) {
    this.random = new Random(seed);
    this.accounts = accounts(random, 5_000);
  }

  /** The next {@code rows} events as a batch owned by the caller. */
  public VectorSchemaRoot next(int rows, BufferAllocator allocator) {
    VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator);
    root.allocateNew();
    BigIntVector ledgers = (BigIntVector) root.getVector("ledger_sequence");
    TimeStampMicroTZVector times = (TimeStampMicroTZVector) root.getVector("close_time");
    VarCharVector hashes = (VarCharVector) root.getVector("tx_hash");
    IntVector ops = (IntVector) root.getVector("op_index");
    VarCharVector kinds = (VarCharVector) root.getVector("event_kind");
    VarCharVector from = (VarCharVector) root.getVector("from");
    VarCharVector to = (VarCharVector) root.getVector("to");
    VarCharVector codes = (VarCharVector) root.getVector("asset_code");
    VarCharVector issuers = (VarCharVector) root.getVector("asset_issuer");
    BigIntVector amounts = (BigIntVector) root.getVector("amount");
    for (int i = 0; i < rows; i++) {
      if (i % 50 == 0) {
        ledger++;
        closeTimeMicros += 5_000_000L;
      }
      String kind = KINDS[random.nextInt(KINDS.length)];
      String asset = ASSETS[random.nextInt(ASSETS.length)];
      ledgers.setSafe(i, ledger);
      times.setSafe(i, closeTimeMicros);
      hashes.setSafe(i, hex(64));
      ops.setSafe(i, i % 50);
      kinds.setSafe(i, bytes(kind));
      if (kind.equals("mint")) {
        from.setNull(i);
      } else {
        from.setSafe(i, account());
      }
      if (kind.equals("burn") || kind.equals("fee")) {
        to.setNull(i);
      } else {
        to.setSafe(i, account());
      }
      codes.setSafe(i, bytes(asset));
      if (asset.equals("XLM")) {
        issuers.setNull(i);
      } else {
        issuers.setSafe(i, account());
      }
      amounts.setSafe(i, 1 + (long) (Math.abs(random.nextGaussian()) * 5_000_000_000L));
    }
    root.setRowCount(rows);
    return root;
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** {@code n} random hex digits, 16 per random long. */
  private byte[] hex(int n) {
    byte[] out = new byte[n];
    for (int i = 0; i < n; i += 16) {
      long bits = random.nextLong();
      for (int j = i; j < Math.min(n, i + 16); j++) {
        out[j] = HEX[(int) (bits & 0xf)];
        bits >>>= 4;
      }
    }
    return out;
  }

  /** An account of the pool: like a ledger, a few thousand accounts make most transfers. */
  private byte[] account() {
    return accounts[random.nextInt(accounts.length)];
  }

  private static byte[][] accounts(Random random, int n) {
    byte[][] out = new byte[n][];
    for (int a = 0; a < n; a++) {
      byte[] account = new byte[56];
      account[0] = 'G';
      for (int i = 1; i < 56; i++) {
        account[i] = (byte) ('A' + random.nextInt(26));
      }
      out[a] = account;
    }
    return out;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
