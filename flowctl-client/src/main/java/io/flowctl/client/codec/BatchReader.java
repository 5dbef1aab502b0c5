package io.flowctl.client.codec;

import io.flowctl.proto.ArrowMetadata;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The record batches of one decoded event, whatever its payload format. The reader owns its root,
 * its dictionaries and a child allocator limited to the codec's decode limit; {@link #root()} is
 * valid until the next {@link #loadNextBatch()} or {@link #close()}. To keep a batch longer,
 * transfer its vectors to your own allocator first. Not thread-safe.
 */
public interface BatchReader extends AutoCloseable {
  /** The payload's schema, in IPC message format (dictionary fields typed by their values). */
  Schema schema();

  /** The event's metadata (the default instance when the event carried none). */
  ArrowMetadata metadata();

  /**
   * Loads the next batch into {@link #root()}.
   *
   * @return false after the last batch; the row total has then been checked against {@code
   *     ArrowMetadata.num_rows}
   * @throws CodecException for a malformed or oversized batch, or a row total that disagrees
   */
  boolean loadNextBatch();

  /** The current batch (memory format); valid until the next load or close. */
  VectorSchemaRoot root();

  /** Dictionaries of the encoded columns, by id (empty for formats without dictionaries). */
  DictionaryProvider dictionaries();

  long rowsRead();

  int batchesRead();

  /** Arrow memory this reader holds now. */
  long allocatedBytes();

  /** Releases everything the reader allocated. */
  @Override
  void close();
}
