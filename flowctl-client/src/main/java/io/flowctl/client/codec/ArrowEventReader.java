package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.schema.ArrowSchemas;
import io.flowctl.schema.SchemaFingerprints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ValueVectorUtility;

/**
 * Reads the record batches of one Arrow event, checking them against the event's {@link
 * ArrowMetadata} as it goes. Ownership: the reader owns its root, the dictionaries and a child
 * allocator limited to the codec's {@code maxDecodedBytes}. {@link #root()} is valid until the next
 * {@link #loadNextBatch()} or {@link #close()}; to keep a batch longer, transfer its vectors to
 * your own allocator first. Not thread-safe.
 */
public final class ArrowEventReader implements AutoCloseable {
  private final BufferAllocator allocator;
  private final ArrowStreamReader reader;
  private final ArrowMetadata metadata;
  private final boolean hasMetadata;
  private final Schema schema;
  private final long limit;
  private long rows;
  private int batches;
  private boolean finished;

  private ArrowEventReader(
      BufferAllocator allocator, ArrowStreamReader reader, Event event, Schema schema, long limit) {
    this.allocator = allocator;
    this.reader = reader;
    this.metadata = event.getArrowMetadata();
    this.hasMetadata = event.hasArrowMetadata();
    this.schema = schema;
    this.limit = limit;
  }

  static ArrowEventReader open(Event event, BufferAllocator parent, long limit) {
    ByteString payload = event.getPayload();
    if (payload.isEmpty()) {
      throw new CodecException("event '" + event.getEventType() + "' has an empty payload");
    }
    IpcFraming.check(payload);
    BufferAllocator child = parent.newChildAllocator("flowctl-event-decode", 0, limit);
    ArrowStreamReader reader = null;
    try {
      reader =
          new ArrowStreamReader(
              new ByteStringChannels.Input(payload), child, FastCompressionFactory.INSTANCE);
      Schema schema;
      try {
        schema = ArrowSchemas.messageFormat(reader.getVectorSchemaRoot().getSchema(), reader);
      } catch (IOException | RuntimeException e) {
        throw failure("the payload's schema", e, limit);
      }
      ArrowEventReader r = new ArrowEventReader(child, reader, event, schema, limit);
      r.checkSchemaAgainstMetadata();
      return r;
    } catch (RuntimeException e) {
      closeQuietly(reader, child);
      throw e;
    }
  }

  private void checkSchemaAgainstMetadata() {
    if (!hasMetadata) {
      return;
    }
    String actual = SchemaFingerprints.structural(schema).toString();
    if (!metadata.getSchemaFingerprint().isEmpty()
        && !metadata.getSchemaFingerprint().equals(actual)) {
      throw new CodecException(
          "the payload's schema has fingerprint "
              + actual
              + " but ArrowMetadata.schema_fingerprint says "
              + metadata.getSchemaFingerprint());
    }
    List<String> columns = new ArrayList<>();
    for (Field f : schema.getFields()) {
      columns.add(f.getName() == null ? "" : f.getName());
    }
    if (!metadata.getColumnNamesList().isEmpty()
        && !metadata.getColumnNamesList().equals(columns)) {
      throw new CodecException(
          "the payload's columns are "
              + columns
              + " but ArrowMetadata.column_names says "
              + metadata.getColumnNamesList());
    }
  }

  /** The payload's schema, in message format (see {@code ArrowSchemas}). */
  public Schema schema() {
    return schema;
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
    boolean more;
    try {
      more = reader.loadNextBatch();
      if (more) {
        validate(reader.getVectorSchemaRoot().getFieldVectors());
        for (long id : reader.getDictionaryIds()) {
          Dictionary d = reader.lookup(id);
          validate(List.of(d.getVector()));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw failure("record batch " + batches, e, limit);
    }
    if (!more) {
      finished = true;
      if (hasMetadata && metadata.getNumRows() != rows) {
        throw new CodecException(
            "the payload holds "
                + rows
                + " rows but ArrowMetadata.num_rows says "
                + metadata.getNumRows());
      }
      return false;
    }
    rows += root().getRowCount();
    batches++;
    return true;
  }

  /**
   * Checks that every buffer is as long as the value count and offsets require. Reads beyond a
   * buffer are bounds-checked by Arrow anyway; this names the column up front. (Arrow Java's data
   * validation rejects valid maps and decimals, so only the layout is checked.)
   */
  private static void validate(List<? extends ValueVector> vectors) {
    for (ValueVector v : vectors) {
      try {
        ValueVectorUtility.validate(v);
      } catch (UnsupportedOperationException unsupported) {
        // no validator for this layout (list views, run-end encoded): bounds checks remain
      } catch (RuntimeException e) {
        if (e.getMessage() != null
            && e.getMessage().contains("class " + MapVector.class.getName())) {
          continue; // Arrow Java 19's validator rejects every map; bounds checks remain
        }
        throw new CodecException(
            "column '" + v.getField().getName() + "' is malformed: " + e.getMessage(), e);
      }
    }
  }

  /** The current batch (memory format); valid until the next load or close. */
  public VectorSchemaRoot root() {
    try {
      return reader.getVectorSchemaRoot();
    } catch (IOException e) {
      throw new CodecException("the payload's schema: " + e.getMessage(), e);
    }
  }

  /** Dictionaries of the encoded columns, by the payload's ids. */
  public DictionaryProvider dictionaries() {
    return reader;
  }

  public long rowsRead() {
    return rows;
  }

  public int batchesRead() {
    return batches;
  }

  /** Arrow memory this reader holds now. */
  public long allocatedBytes() {
    return allocator.getAllocatedMemory();
  }

  @Override
  public void close() {
    closeQuietly(reader, allocator);
  }

  private static CodecException failure(String where, Throwable e, long limit) {
    if (e instanceof CodecException c) {
      return c;
    }
    if (e instanceof OutOfMemoryException) {
      return new CodecException(
          where + " needs more than the decode limit of " + limit + " bytes", e);
    }
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new CodecException(where + " is malformed: " + reason.lines().findFirst().orElse(""), e);
  }

  private static void closeQuietly(ArrowStreamReader reader, BufferAllocator allocator) {
    try {
      if (reader != null) {
        reader.close();
      }
    } catch (IOException | RuntimeException ignored) {
      // the allocator's close below reports what matters: leaked memory
    } finally {
      allocator.close();
    }
  }
}
