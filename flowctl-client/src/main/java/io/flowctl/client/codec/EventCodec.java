package io.flowctl.client.codec;

import io.flowctl.proto.Event;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * What turns record batches into {@link Event}s and back, whatever the payload format: {@link
 * ArrowEventCodec} (Arrow IPC) here, {@code io.flowctl.parquet.ParquetEventCodec} (a Parquet file)
 * in {@code flowctl-parquet}. Batchers and processors take this interface, so a component picks its
 * payload format by the codec it passes. Implementations are immutable and thread-safe.
 */
public interface EventCodec {
  /** {@code Event.event_type} of the events this codec encodes. */
  String eventType();

  /** One event holding the root's current batch; the root is the caller's and is not changed. */
  default Event encode(VectorSchemaRoot root) {
    return encode(root, null);
  }

  /** One event holding the root's current batch, with its dictionaries (null when none). */
  default Event encode(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    try (Writer w = newWriter(root, dictionaries)) {
      w.writeBatch();
      return w.finish();
    }
  }

  /** A writer of several batches of one root into one event; close it. */
  Writer newWriter(VectorSchemaRoot root, DictionaryProvider dictionaries);

  /**
   * The batches of an event; the reader's memory comes from a child of {@code allocator} bounded by
   * the codec's decode limit, and closing the reader releases it.
   *
   * @throws CodecException for a malformed or oversized payload, or metadata that disagrees
   */
  BatchReader decode(Event event, BufferAllocator allocator);

  /** Writes the batches of one root into one event. Not thread-safe. */
  interface Writer extends AutoCloseable {
    /** Appends the root's current batch. */
    void writeBatch();

    /** Ends the payload and builds the event; once. */
    Event finish();

    @Override
    void close();
  }
}
