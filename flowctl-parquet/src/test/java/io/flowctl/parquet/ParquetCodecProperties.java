package io.flowctl.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.GeneratedEvents;
import io.flowctl.proto.Event;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.testing.BatchData;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/** Parquet payload laws: round trips keep every value; damaged files fail cleanly. */
class ParquetCodecProperties {
  private BufferAllocator allocator;

  @BeforeTry
  void open() {
    allocator = new RootAllocator();
  }

  @AfterTry
  void close() {
    allocator.close(); // fails the try on a leaked buffer
  }

  @Property(tries = 200)
  void encodeThenDecode_returnsEveryValue_dictionariesAsPlainValues(
      @ForAll("batches") BatchData data, @ForAll ParquetCompression compression) {
    ParquetEventCodec codec =
        ParquetEventCodec.builder().compression(compression).batchRows(7).rowGroupRows(11).build();
    Event e;
    try (BatchData.Written w = data.write(allocator)) {
      e = codec.encode(w.root(), w.dictionaries());
    }
    assertThat(e.getArrowMetadata().getNumRows()).isEqualTo(data.rowCount());
    assertThat(e.getArrowMetadata().getSchemaFingerprint())
        .isEqualTo(
            SchemaFingerprints.structural(ArrowToParquetSchema.readBack(data.schema())).toString());

    List<List<Object>> rows = new ArrayList<>();
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        assertThat(in.root().getRowCount()).isBetween(1, 7);
        rows.addAll(BatchData.read(in.root(), in.dictionaries()).rows());
      }
    }
    assertThat(rows).isEqualTo(data.rows());
  }

  @Property(tries = 300)
  void aDamagedFile_decodesOrFailsWithACodecException_neverAnythingElse(
      @ForAll("damaged") Event e) {
    try (ParquetEventReader in =
        ParquetEventCodec.builder().maxDecodedBytes(8 << 20).build().decode(e, allocator)) {
      while (in.loadNextBatch()) {
        assertThat(in.root().getRowCount()).isPositive();
      }
    } catch (CodecException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  @Provide
  Arbitrary<BatchData> batches() {
    return GeneratedEvents.batches();
  }

  /** A valid event whose payload is truncated, has bytes flipped, or has a piece spliced in. */
  @Provide
  Arbitrary<Event> damaged() {
    return GeneratedEvents.withDamagedPayload(
        Combinators.combine(batches(), Arbitraries.of(ParquetCompression.values()))
            .as(
                (data, c) ->
                    GeneratedEvents.encoded(
                        data, ParquetEventCodec.builder().compression(c).build()::encode)));
  }
}
