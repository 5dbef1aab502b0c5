package io.flowctl.client.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.Event;
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

/** Codec laws: round trips preserve every value; damaged payloads fail cleanly. */
class CodecProperties {
  private BufferAllocator allocator;

  @BeforeTry
  void open() {
    allocator = new RootAllocator();
  }

  @AfterTry
  void close() {
    if (allocator.getAllocatedMemory() != 0) {
      System.out.println(allocator.toVerboseString());
    }
    allocator.close(); // fails the try on a leaked buffer
  }

  @Property(tries = 300)
  void encodeThenDecode_returnsEveryValue(
      @ForAll("batches") BatchData data, @ForAll Compression compression) {
    ArrowEventCodec codec = ArrowEventCodec.builder().compression(compression).build();
    Event e;
    try (BatchData.Written w = data.write(allocator)) {
      e = codec.encode(w.root(), w.dictionaries());
    }
    assertThat(e.getArrowMetadata().getNumRows()).isEqualTo(data.rowCount());
    assertThat(decode(codec, e)).containsExactly(data);
  }

  @Property(tries = 200)
  void compressingOnSeveralThreads_writesTheSameBytes_asOneThread(
      @ForAll("batches") BatchData data,
      @ForAll Compression compression,
      @ForAll @net.jqwik.api.constraints.IntRange(min = 2, max = 5) int threads) {
    ArrowEventCodec one = ArrowEventCodec.builder().compression(compression).build();
    ArrowEventCodec many =
        ArrowEventCodec.builder().compression(compression).compressionThreads(threads).build();
    Event sequential;
    Event parallel;
    try (BatchData.Written w = data.write(allocator)) {
      sequential = one.encode(w.root(), w.dictionaries());
      parallel = many.encode(w.root(), w.dictionaries());
    }
    assertThat(parallel.getPayload()).isEqualTo(sequential.getPayload());
    assertThat(decode(many, parallel)).containsExactly(data);
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  @Property(tries = 300)
  void aDamagedPayload_decodesOrFailsWithACodecException_neverAnythingElse(
      @ForAll("damaged") Event e) {
    try (ArrowEventReader in =
        ArrowEventCodec.builder().maxDecodedBytes(8 << 20).build().decode(e, allocator)) {
      while (in.loadNextBatch()) {
        // A damaged value may still be a valid one (a date in year 40,000); what must hold is
        // that every value the batch references can be reached without leaving its buffers.
        touchEveryValue(in.root().getFieldVectors());
        for (long id : in.dictionaries().getDictionaryIds()) {
          touchEveryValue(java.util.List.of(in.dictionaries().lookup(id).getVector()));
        }
      }
    } catch (CodecException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  private static void touchEveryValue(List<? extends org.apache.arrow.vector.ValueVector> vs) {
    for (org.apache.arrow.vector.ValueVector v : vs) {
      for (int i = 0; i < v.getValueCount(); i++) {
        v.hashCode(i);
      }
    }
  }

  private List<BatchData> decode(ArrowEventCodec codec, Event e) {
    List<BatchData> out = new ArrayList<>();
    try (ArrowEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        out.add(BatchData.read(in.root(), in.dictionaries()));
      }
    }
    return out;
  }

  @Provide
  Arbitrary<BatchData> batches() {
    return GeneratedEvents.batches();
  }

  /** A valid event whose payload is truncated, has bytes flipped, or has a piece spliced in. */
  @Provide
  Arbitrary<Event> damaged() {
    return GeneratedEvents.withDamagedPayload(
        Combinators.combine(batches(), Arbitraries.of(Compression.values()))
            .as(
                (data, c) ->
                    GeneratedEvents.encoded(
                        data, ArrowEventCodec.builder().compression(c).build()::encode)));
  }
}
