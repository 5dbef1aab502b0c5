package io.flowctl.examples;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FixedSizeBinaryVector;
import org.apache.arrow.vector.TimeStampMicroTZVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Synthetic token-transfer (TTP) events in the schema the Arrow integration's Go source
 * (stellar-arrow-source) streams (withObsrvr/ttp-processor-demo, stellar-arrow-source's {@code
 * GetTTPEventSchema}, arrow-go): names, types and nullability field for field, so a processor built
 * from these examples reads what the real Go source sends.
 */
public final class TtpEvents {
  public static final String EVENT_TYPE = "arrow_data.TTPEventBatch";

  /**
   * One transfer as a plain protobuf event (Arrow switched off): a {@code Struct} of its fields.
   */
  public static final String ROW_EVENT_TYPE = "token_transfer.TokenTransferEvent";

  /** arrow-go's {@code Timestamp_us}: microseconds, zone UTC. */
  private static final ArrowType MICROS_UTC = new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");

  private static final ArrowType UINT32 = new ArrowType.Int(32, false);
  private static final ArrowType INT64 = new ArrowType.Int(64, true);

  public static final Schema SCHEMA =
      new Schema(
          List.of(
              Field.notNullable("ledger_sequence", UINT32),
              Field.notNullable("ledger_close_time", MICROS_UTC),
              Field.notNullable("transaction_hash", new ArrowType.FixedSizeBinary(32)),
              Field.notNullable("operation_index", UINT32),
              Field.notNullable("event_type", ArrowType.Utf8.INSTANCE),
              Field.notNullable("from_account", ArrowType.Utf8.INSTANCE),
              Field.notNullable("to_account", ArrowType.Utf8.INSTANCE),
              Field.nullable("asset_code", ArrowType.Utf8.INSTANCE),
              Field.nullable("asset_issuer", ArrowType.Utf8.INSTANCE),
              Field.notNullable("amount", INT64),
              Field.notNullable("amount_precision", UINT32),
              Field.nullable("memo", ArrowType.Utf8.INSTANCE),
              Field.nullable("memo_type", ArrowType.Utf8.INSTANCE),
              Field.nullable("operation_source_account", ArrowType.Utf8.INSTANCE),
              Field.notNullable("is_native_asset", ArrowType.Bool.INSTANCE),
              Field.notNullable("is_path_payment", ArrowType.Bool.INSTANCE),
              Field.nullable("path_length", UINT32),
              Field.notNullable("fee_charged", INT64),
              Field.notNullable("max_fee", INT64)));

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
    UInt4Vector ledgers = (UInt4Vector) root.getVector("ledger_sequence");
    TimeStampMicroTZVector times = (TimeStampMicroTZVector) root.getVector("ledger_close_time");
    FixedSizeBinaryVector hashes = (FixedSizeBinaryVector) root.getVector("transaction_hash");
    UInt4Vector ops = (UInt4Vector) root.getVector("operation_index");
    VarCharVector kinds = (VarCharVector) root.getVector("event_type");
    VarCharVector from = (VarCharVector) root.getVector("from_account");
    VarCharVector to = (VarCharVector) root.getVector("to_account");
    VarCharVector codes = (VarCharVector) root.getVector("asset_code");
    VarCharVector issuers = (VarCharVector) root.getVector("asset_issuer");
    BigIntVector amounts = (BigIntVector) root.getVector("amount");
    UInt4Vector precision = (UInt4Vector) root.getVector("amount_precision");
    VarCharVector memos = (VarCharVector) root.getVector("memo");
    VarCharVector memoTypes = (VarCharVector) root.getVector("memo_type");
    VarCharVector opSources = (VarCharVector) root.getVector("operation_source_account");
    BitVector nativeAsset = (BitVector) root.getVector("is_native_asset");
    BitVector pathPayment = (BitVector) root.getVector("is_path_payment");
    UInt4Vector pathLength = (UInt4Vector) root.getVector("path_length");
    BigIntVector feeCharged = (BigIntVector) root.getVector("fee_charged");
    BigIntVector maxFee = (BigIntVector) root.getVector("max_fee");
    byte[] hash = new byte[32];
    for (int i = 0; i < rows; i++) {
      if (i % 50 == 0) {
        ledger++;
        closeTimeMicros += 5_000_000L;
      }
      String kind = KINDS[random.nextInt(KINDS.length)];
      String asset = ASSETS[random.nextInt(ASSETS.length)];
      boolean isNative = asset.equals("XLM");
      byte[] issuer = isNative ? null : account();
      ledgers.setSafe(i, (int) ledger);
      times.setSafe(i, closeTimeMicros);
      random.nextBytes(hash);
      hashes.setSafe(i, hash);
      ops.setSafe(i, i % 50);
      kinds.setSafe(i, bytes(kind));
      // A mint comes from the issuer, a burn or fee goes to it (the network for the native asset).
      from.setSafe(i, kind.equals("mint") ? issuerOrNetwork(issuer) : account());
      to.setSafe(
          i, kind.equals("burn") || kind.equals("fee") ? issuerOrNetwork(issuer) : account());
      if (isNative) {
        codes.setNull(i);
        issuers.setNull(i);
      } else {
        codes.setSafe(i, bytes(asset));
        issuers.setSafe(i, issuer);
      }
      amounts.setSafe(i, 1 + (long) (Math.abs(random.nextGaussian()) * 5_000_000_000L));
      precision.setSafe(i, 7);
      int memo = random.nextInt(4);
      if (memo == 0) {
        memos.setSafe(i, bytes("invoice " + random.nextInt(100_000)));
        memoTypes.setSafe(i, bytes("text"));
      } else if (memo == 1) {
        memos.setSafe(i, bytes(Long.toString(random.nextInt(1_000_000))));
        memoTypes.setSafe(i, bytes("id"));
      } else {
        memos.setNull(i);
        memoTypes.setNull(i);
      }
      if (random.nextInt(3) == 0) {
        opSources.setSafe(i, account());
      } else {
        opSources.setNull(i);
      }
      nativeAsset.setSafe(i, isNative ? 1 : 0);
      boolean path = kind.equals("transfer") && random.nextInt(10) == 0;
      pathPayment.setSafe(i, path ? 1 : 0);
      if (path) {
        pathLength.setSafe(i, 1 + random.nextInt(4));
      } else {
        pathLength.setNull(i);
      }
      long fee = 100L * (1 + random.nextInt(10));
      feeCharged.setSafe(i, fee);
      maxFee.setSafe(i, fee * 2);
    }
    root.setRowCount(rows);
    return root;
  }

  private static final byte[] NETWORK =
      bytes("GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7");

  private static byte[] issuerOrNetwork(byte[] issuer) {
    return issuer == null ? NETWORK : issuer;
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
