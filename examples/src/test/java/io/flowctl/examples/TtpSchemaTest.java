package io.flowctl.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;

/**
 * The example TTP schema is the one the plan's Go source streams: stellar-arrow-source's {@code
 * GetTTPEventSchema} (withObsrvr/ttp-processor-demo, arrow-go), transcribed below as arrow-go
 * writes its types, field for field with nullability.
 */
class TtpSchemaTest {
  static final List<String> GO_SOURCE =
      List.of(
          "ledger_sequence Int(32, false) not null",
          "ledger_close_time Timestamp(MICROSECOND, UTC) not null",
          "transaction_hash FixedSizeBinary(32) not null",
          "operation_index Int(32, false) not null",
          "event_type Utf8 not null",
          "from_account Utf8 not null",
          "to_account Utf8 not null",
          "asset_code Utf8 null",
          "asset_issuer Utf8 null",
          "amount Int(64, true) not null",
          "amount_precision Int(32, false) not null",
          "memo Utf8 null",
          "memo_type Utf8 null",
          "operation_source_account Utf8 null",
          "is_native_asset Bool not null",
          "is_path_payment Bool not null",
          "path_length Int(32, false) null",
          "fee_charged Int(64, true) not null",
          "max_fee Int(64, true) not null");

  @Test
  void theExampleSchema_isTheGoSourcesFieldForField() {
    List<String> ours = new ArrayList<>();
    for (Field f : TtpEvents.SCHEMA.getFields()) {
      ours.add(f.getName() + " " + f.getType() + (f.isNullable() ? " null" : " not null"));
    }
    assertThat(ours).containsExactlyElementsOf(GO_SOURCE);
  }

  @Test
  void generatedBatches_fillEveryNonNullableField_andTheProcessorTotalsThem() {
    try (BufferAllocator a = new RootAllocator();
        VectorSchemaRoot batch = new TtpEvents(7).next(2_000, a);
        VectorSchemaRoot totals = new AssetTotals(0).apply(batch, a)) {
      for (Field f : TtpEvents.SCHEMA.getFields()) {
        if (!f.isNullable()) {
          assertThat(batch.getVector(f.getName()).getNullCount()).as(f.getName()).isZero();
        }
      }
      // The native asset has no code in the Go schema; the processor totals it as XLM.
      assertThat(batch.getVector("asset_code").getNullCount()).isPositive();
      List<String> assets = new ArrayList<>();
      for (int i = 0; i < totals.getRowCount(); i++) {
        assets.add(totals.getVector("asset_code").getObject(i).toString());
      }
      assertThat(assets).contains("XLM", "USDC");
    }
  }
}
