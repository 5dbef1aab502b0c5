package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.schema.ArrowSchemas;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.message.MessageChannelReader;
import org.apache.arrow.vector.ipc.message.MessageResult;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.ValueVectorUtility;

/**
 * Reads the record batches of one Arrow event, checking them against the event's {@link
 * ArrowMetadata} as it goes. Ownership: the reader owns its root, the dictionaries and a child
 * allocator limited to the codec's {@code maxDecodedBytes}. {@link #root()} is valid until the next
 * {@link #loadNextBatch()} or {@link #close()}; to keep a batch longer, transfer its vectors to
 * your own allocator first. Not thread-safe.
 */
public final class ArrowEventReader implements BatchReader {
  private final BufferAllocator allocator;
  private final ArrowStreamReader reader;
  private final TrackingMessages messages;
  private final TrackingCodecs codecs;
  private final ArrowMetadata metadata;
  private final boolean hasMetadata;
  private final Schema schema;
  private final long limit;
  private final CodecMetrics metrics;
  private final long payloadBytes;
  private long nanos;
  private long rows;
  private int batches;
  private boolean finished;

  private ArrowEventReader(
      BufferAllocator allocator,
      ArrowStreamReader reader,
      TrackingMessages messages,
      TrackingCodecs codecs,
      Event event,
      Schema schema,
      long limit,
      CodecMetrics metrics,
      long openNanos) {
    this.metrics = metrics;
    this.payloadBytes = event.getPayload().size();
    this.nanos = openNanos;
    this.allocator = allocator;
    this.reader = reader;
    this.messages = messages;
    this.codecs = codecs;
    this.metadata = event.getArrowMetadata();
    this.hasMetadata = event.hasArrowMetadata();
    this.schema = schema;
    this.limit = limit;
  }

  static ArrowEventReader open(
      Event event, BufferAllocator parent, long limit, CodecMetrics metrics) {
    long start = System.nanoTime();
    ByteString payload = event.getPayload();
    if (payload.isEmpty()) {
      throw new CodecException("event '" + event.getEventType() + "' has an empty payload");
    }
    IpcFraming.check(payload);
    BufferAllocator child = parent.newChildAllocator("flowctl-event-decode", 0, limit);
    ArrowStreamReader reader = null;
    TrackingMessages messages =
        new TrackingMessages(new ReadChannel(new ByteStringChannels.Input(payload)), child);
    TrackingCodecs codecs = new TrackingCodecs();
    try {
      reader = new ArrowStreamReader(messages, child, codecs);
      Schema schema;
      try {
        schema = ArrowSchemas.messageFormat(reader.getVectorSchemaRoot().getSchema(), reader);
      } catch (IOException | RuntimeException e) {
        throw failure("the payload's schema", e, limit);
      }
      ArrowEventReader r =
          new ArrowEventReader(
              child,
              reader,
              messages,
              codecs,
              event,
              schema,
              limit,
              metrics,
              System.nanoTime() - start);
      r.checkSchemaAgainstMetadata();
      return r;
    } catch (RuntimeException e) {
      closeQuietly(reader, messages, codecs, child);
      throw e;
    }
  }

  private void checkSchemaAgainstMetadata() {
    if (hasMetadata) {
      MetadataChecks.schema(schema, metadata, "the payload's schema");
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
    long start = System.nanoTime();
    try {
      more = reader.loadNextBatch();
      codecs.loaded();
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
    nanos += System.nanoTime() - start;
    if (!more) {
      finished = true;
      if (metrics != null) {
        metrics.decoded(batches, rows, payloadBytes, nanos);
      }
      if (hasMetadata) {
        MetadataChecks.rows(rows, metadata);
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
  private void validate(List<? extends ValueVector> vectors) {
    for (ValueVector v : vectors) {
      String name = v.getField().getName();
      try {
        ValueVectorUtility.validate(v);
      } catch (UnsupportedOperationException unsupported) {
        // no validator for this layout (list views, run-end encoded): our checks below remain
      } catch (RuntimeException e) {
        if (!validatorLimitation(e)) {
          throw new CodecException("column '" + name + "' is malformed: " + e.getMessage(), e);
        }
        // Arrow's validator refuses maps: our own checks below cover what it would have
      }
      try {
        Layouts.checkBuffers(v, name);
        Layouts.checkOffsets(v, name);
        checkDictionaryIndices(v);
      } catch (CodecException e) {
        throw e;
      } catch (UnsupportedOperationException unsupported) {
        // a layout without these buffers (list views, run-end encoded): bounds checks remain
      } catch (RuntimeException e) {
        throw new CodecException("column '" + name + "' is malformed: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Arrow Java 19's layout validator rejects every map and does not know float16. (Its data
   * validator is not used: it rejects decimals other implementations write, and costs more than the
   * decoding it guards.)
   */
  private static boolean validatorLimitation(RuntimeException e) {
    String m = e.getMessage();
    return m != null
        && (m.contains("class " + MapVector.class.getName())
            || m.startsWith("Unknown type for fixed width vector")
            || m.contains("Value does not fit in precision"));
  }

  /** Indices of an encoded column (or struct child) must point into its dictionary. */
  private void checkDictionaryIndices(ValueVector v) {
    var encoding = v.getField().getDictionary();
    if (encoding != null && v instanceof BaseIntVector indices) {
      Dictionary d = reader.lookup(encoding.getId());
      long size = d == null ? 0 : d.getVector().getValueCount();
      for (int i = 0; i < v.getValueCount(); i++) {
        if (!v.isNull(i)) {
          long index = indices.getValueAsLong(i);
          if (index < 0 || index >= size) {
            throw new CodecException(
                "column '"
                    + v.getField().getName()
                    + "' row "
                    + i
                    + ": dictionary index "
                    + index
                    + " outside a dictionary of "
                    + size);
          }
        }
      }
    }
    if (v instanceof org.apache.arrow.vector.complex.StructVector s) {
      for (var child : s.getChildrenFromFields()) {
        checkDictionaryIndices(child);
      }
    } else if (v instanceof org.apache.arrow.vector.complex.BaseRepeatedValueVector l) {
      checkDictionaryIndices(l.getDataVector()); // lists and maps
    } else if (v instanceof org.apache.arrow.vector.complex.LargeListVector l) {
      checkDictionaryIndices(l.getDataVector());
    } else if (v instanceof org.apache.arrow.vector.complex.FixedSizeListVector l) {
      checkDictionaryIndices(l.getDataVector());
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
    closeQuietly(reader, messages, codecs, allocator);
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

  private static void closeQuietly(
      ArrowStreamReader reader,
      TrackingMessages messages,
      TrackingCodecs codecs,
      BufferAllocator allocator) {
    try {
      if (reader != null) {
        reader.close();
      }
    } catch (IOException | RuntimeException ignored) {
      // the allocator's close below reports what matters: leaked memory
    } finally {
      messages.reclaim();
      codecs.reclaim();
      allocator.close();
    }
  }

  /**
   * Remembers the buffers decompressed for the batch being loaded. Arrow Java 19's loader drops
   * them when a later buffer of the batch is bad; once the reader is closed, those still referenced
   * are released here.
   */
  private static final class TrackingCodecs implements CompressionCodec.Factory {
    private final List<ArrowBuf> pending = new ArrayList<>();

    @Override
    public CompressionCodec createCodec(CompressionUtil.CodecType type) {
      return track(FastCompressionFactory.INSTANCE.createCodec(type));
    }

    @Override
    public CompressionCodec createCodec(CompressionUtil.CodecType type, int level) {
      return track(FastCompressionFactory.INSTANCE.createCodec(type, level));
    }

    private CompressionCodec track(CompressionCodec codec) {
      return new CompressionCodec() {
        @Override
        public ArrowBuf compress(BufferAllocator allocator, ArrowBuf buffer) {
          return codec.compress(allocator, buffer);
        }

        @Override
        public ArrowBuf decompress(BufferAllocator allocator, ArrowBuf buffer) {
          ArrowBuf out = codec.decompress(allocator, buffer);
          if (out != buffer) {
            pending.add(out);
          }
          return out;
        }

        @Override
        public CompressionUtil.CodecType getCodecType() {
          return codec.getCodecType();
        }
      };
    }

    /** A batch loaded: its vectors own what was decompressed for it. */
    void loaded() {
      pending.clear();
    }

    void reclaim() {
      for (ArrowBuf b : pending) {
        int refs = b.getReferenceManager().getRefCount();
        if (refs > 0) {
          b.getReferenceManager().release(refs);
        }
      }
      pending.clear();
    }
  }

  /**
   * Remembers the body of the last message read. When a batch fails to load, Arrow Java 19 can drop
   * that body without releasing it; once the reader is closed nothing else may hold it, so what
   * references remain are released here and the decode allocator closes clean.
   */
  private static final class TrackingMessages extends MessageChannelReader {
    private ArrowBuf lastBody;

    TrackingMessages(ReadChannel in, BufferAllocator allocator) {
      super(in, allocator);
    }

    @Override
    public MessageResult readNext() throws IOException {
      MessageResult r = super.readNext();
      lastBody = r == null ? null : r.getBodyBuffer();
      return r;
    }

    void reclaim() {
      if (lastBody != null) {
        int refs = lastBody.getReferenceManager().getRefCount();
        if (refs > 0) {
          lastBody.getReferenceManager().release(refs);
        }
        lastBody = null;
      }
    }
  }
}
