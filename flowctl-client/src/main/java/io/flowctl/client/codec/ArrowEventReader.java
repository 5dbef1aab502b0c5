package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import io.flowctl.FlowctlException;
import io.flowctl.client.codec.internal.ByteStringInput;
import io.flowctl.client.codec.internal.FastCompressionFactory;
import io.flowctl.client.codec.internal.MetadataChecks;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.ipc.IpcBatchReader;
import io.flowctl.ipc.IpcLimits;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import java.io.IOException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads the record batches of one Arrow event, checking them against the event's {@link
 * ArrowMetadata} as it goes. The payload is read through the hardened IPC reader ({@link
 * ArrowIpc}), so a malformed payload is a {@link CodecException} and leaves nothing allocated.
 * Ownership: the reader owns its root, the dictionaries and a child allocator limited to the
 * codec's {@code maxDecodedBytes}. {@link #root()} is valid until the next {@link #loadNextBatch()}
 * or {@link #close()}; to keep a batch longer, transfer its vectors to your own allocator first.
 * Not thread-safe.
 */
public final class ArrowEventReader implements BatchReader {
  private final IpcBatchReader reader;
  private final ArrowMetadata metadata;
  private final boolean hasMetadata;
  private final CodecMetrics metrics;
  private final long payloadBytes;
  private long nanos;
  private boolean finished;

  private ArrowEventReader(
      IpcBatchReader reader, Event event, CodecMetrics metrics, long openNanos) {
    this.reader = reader;
    this.metadata = event.getArrowMetadata();
    this.hasMetadata = event.hasArrowMetadata();
    this.metrics = metrics;
    this.payloadBytes = event.getPayload().size();
    this.nanos = openNanos;
  }

  static ArrowEventReader open(
      Event event, BufferAllocator parent, long limit, CodecMetrics metrics) {
    long start = System.nanoTime();
    ByteString payload = event.getPayload();
    if (payload.isEmpty()) {
      throw new CodecException("event '" + event.getEventType() + "' has an empty payload");
    }
    IpcBatchReader reader;
    try {
      reader =
          ArrowIpc.open(
              new ByteStringInput(payload),
              parent,
              IpcLimits.builder().maxDecodedBytes(limit).build(),
              FastCompressionFactory.INSTANCE);
    } catch (FlowctlException e) {
      throw codecFailure(e);
    } catch (IOException e) {
      throw new CodecException("the payload cannot be read: " + e.getMessage(), e);
    }
    ArrowEventReader r = new ArrowEventReader(reader, event, metrics, System.nanoTime() - start);
    try {
      if (r.hasMetadata) {
        MetadataChecks.schema(r.schema(), r.metadata, "the payload's schema");
      }
    } catch (RuntimeException e) {
      reader.close();
      throw e;
    }
    return r;
  }

  /** The payload's schema, in message format (see {@code ArrowSchemas}). */
  public Schema schema() {
    return reader.schema();
  }

  /** The event's metadata (the default instance when the event carried none). */
  public ArrowMetadata metadata() {
    return metadata;
  }

  /**
   * Loads the next batch into {@link #root()}, after checking its buffers.
   *
   * @return false after the last batch; the row total has then been checked against {@code
   *     ArrowMetadata.num_rows}
   * @throws CodecException for a malformed or oversized batch, or a row total that disagrees
   */
  public boolean loadNextBatch() {
    if (finished) {
      return false;
    }
    long start = System.nanoTime();
    boolean more;
    try {
      more = reader.loadNextBatch();
    } catch (FlowctlException e) {
      throw codecFailure(e);
    }
    nanos += System.nanoTime() - start;
    if (!more) {
      finished = true;
      if (metrics != null) {
        metrics.decoded(reader.batchesRead(), reader.rowsRead(), payloadBytes, nanos);
      }
      if (hasMetadata) {
        MetadataChecks.rows(reader.rowsRead(), metadata);
      }
    }
    return more;
  }

  /** The current batch (memory format); valid until the next load or close. */
  public VectorSchemaRoot root() {
    return reader.root();
  }

  /** Dictionaries of the encoded columns, by the payload's ids. */
  public DictionaryProvider dictionaries() {
    return reader.dictionaries();
  }

  public long rowsRead() {
    return reader.rowsRead();
  }

  public int batchesRead() {
    return reader.batchesRead();
  }

  /** Arrow memory this reader holds now. */
  public long allocatedBytes() {
    return reader.allocatedBytes();
  }

  @Override
  public void close() {
    reader.close();
  }

  private static CodecException codecFailure(FlowctlException e) {
    return e instanceof CodecException c ? c : new CodecException(e.getMessage(), e);
  }
}
