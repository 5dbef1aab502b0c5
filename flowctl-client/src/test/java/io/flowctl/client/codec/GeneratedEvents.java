package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import io.flowctl.proto.Event;
import io.flowctl.testing.ArrowArbitraries;
import io.flowctl.testing.BatchData;
import io.flowctl.testing.Damaged;
import java.util.function.BiFunction;
import net.jqwik.api.Arbitrary;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/** Events for the codec properties: generated batches, encoded, and their payloads damaged. */
public final class GeneratedEvents {
  private GeneratedEvents() {}

  /** Batches of up to 20 rows of any generated schema. */
  public static Arbitrary<BatchData> batches() {
    return ArrowArbitraries.schemas().flatMap(s -> ArrowArbitraries.batches(s, 20));
  }

  /** {@code data} encoded by {@code encoder}, in memory of its own that is closed afterwards. */
  public static Event encoded(
      BatchData data, BiFunction<VectorSchemaRoot, DictionaryProvider, Event> encoder) {
    try (BufferAllocator a = new RootAllocator();
        BatchData.Written w = data.write(a)) {
      return encoder.apply(w.root(), w.dictionaries());
    }
  }

  /** Valid events whose payload is damaged ({@link Damaged}); the metadata stays valid. */
  public static Arbitrary<Event> withDamagedPayload(Arbitrary<Event> valid) {
    return valid.flatMap(
        e ->
            Damaged.bytes(e.getPayload().toByteArray())
                .map(q -> e.toBuilder().setPayload(ByteString.copyFrom(q)).build()));
  }
}
