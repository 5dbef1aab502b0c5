package io.flowctl.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.BatchReader;
import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.codec.GeneratedEvents;
import io.flowctl.proto.Event;
import io.flowctl.testing.Damaged;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * Whole serialized {@code Event}s damaged (type, metadata and payload alike), as a receiver gets
 * them off a wire or a file: parsing fails with protobuf's own exception, or decoding fails with a
 * {@link CodecException}, or the event decodes; never anything else, never a leak.
 */
class SerializedEventProperties {
  private static final Map<String, AtomicLong> OUTCOMES = new ConcurrentHashMap<>();
  private BufferAllocator allocator;

  @BeforeTry
  void open() {
    allocator = new RootAllocator();
  }

  @AfterTry
  void close() {
    allocator.close(); // fails the try on a leaked buffer
  }

  @AfterContainer
  static void report() {
    System.out.println("damaged serialized events: " + new java.util.TreeMap<>(OUTCOMES));
  }

  @Property(tries = 400)
  void aDamagedSerializedEvent_failsWithATypedError_orDecodes(@ForAll("damaged") byte[] bytes) {
    String outcome;
    try {
      Event e = Event.parseFrom(bytes);
      try (BatchReader in = decoder(e)) {
        while (in.loadNextBatch()) {
          assertThat(in.root().getRowCount()).isNotNegative();
        }
        outcome = "decoded";
      } catch (CodecException expected) {
        assertThat(expected.getMessage()).isNotBlank();
        outcome = "CodecException";
      }
    } catch (InvalidProtocolBufferException expected) {
      outcome = "InvalidProtocolBufferException";
    }
    OUTCOMES.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  /** The reader for the event's format, as a receiver chooses it: by the event type. */
  private BatchReader decoder(Event e) {
    return e.getEventType().equals(io.flowctl.proto.EventTypes.PARQUET_FILE)
        ? ParquetEventCodec.builder().maxDecodedBytes(8 << 20).build().decode(e, allocator)
        : ArrowEventCodec.builder().maxDecodedBytes(8 << 20).build().decode(e, allocator);
  }

  @Provide
  Arbitrary<byte[]> damaged() {
    Arbitrary<Event> valid =
        GeneratedEvents.batches()
            .flatMap(
                data ->
                    Arbitraries.of("ipc", "lz4", "zstd", "parquet")
                        .map(format -> GeneratedEvents.encoded(data, encoder(format))));
    return Damaged.bytes(valid.map(Event::toByteArray));
  }

  private static BiFunction<VectorSchemaRoot, DictionaryProvider, Event> encoder(String format) {
    return switch (format) {
      case "parquet" -> ParquetEventCodec.builder().build()::encode;
      case "lz4" -> ArrowEventCodec.builder().compression(Compression.LZ4).build()::encode;
      case "zstd" -> ArrowEventCodec.builder().compression(Compression.ZSTD).build()::encode;
      default -> ArrowEventCodec.builder().build()::encode;
    };
  }
}
