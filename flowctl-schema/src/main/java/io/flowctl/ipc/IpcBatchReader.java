package io.flowctl.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.BaseRepeatedValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
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
 * Reads the record batches of Arrow IPC bytes (a stream, or a file's stream part) one at a time,
 * after {@link ArrowIpc} checked their framing. Each batch's buffers, offsets and dictionary
 * indices are checked at every depth before {@link #loadNextBatch()} returns it.
 *
 * <p>Ownership: the reader owns its root, the dictionaries and a child allocator of the caller's
 * allocator limited to {@link IpcLimits#maxDecodedBytes()}; {@link #close()} releases them all,
 * after a failure too. {@link #root()} is valid until the next {@link #loadNextBatch()} or {@link
 * #close()}; to keep a batch longer, transfer its vectors to your own allocator. The input stays
 * the caller's. Not thread-safe.
 */
public final class IpcBatchReader implements AutoCloseable {
  private final IpcLayout layout;
  private final BufferAllocator allocator;
  private final TrackingMessages messages;
  private final TrackingCodecs codecs;
  private final ArrowStreamReader reader;
  private final Schema schema;
  private final long limit;
  private long rows;
  private int batches;
  private boolean finished;

  private IpcBatchReader(
      IpcLayout layout,
      BufferAllocator allocator,
      TrackingMessages messages,
      TrackingCodecs codecs,
      ArrowStreamReader reader,
      Schema schema,
      long limit) {
    this.layout = layout;
    this.allocator = allocator;
    this.messages = messages;
    this.codecs = codecs;
    this.reader = reader;
    this.schema = schema;
    this.limit = limit;
  }

  static IpcBatchReader open(
      IpcInput in,
      BufferAllocator parent,
      IpcLimits limits,
      CompressionCodec.Factory compression,
      String name)
      throws IOException {
    IpcLayout layout = IpcLayout.scan(in, limits, false);
    Schema schema = ArrowIpc.convert(layout.schema);
    BufferAllocator child = parent.newChildAllocator(name, 0, limits.maxDecodedBytes());
    // Arrow reads a stream: the checked messages, in order, behind the schema message (for a file,
    // its footer's schema written out as one), and an end-of-stream marker.
    byte[] head = layout.format == IpcFormat.FILE ? ArrowIpc.schemaMessage(schema) : new byte[0];
    TrackingMessages messages =
        new TrackingMessages(new ReadChannel(new Messages(in, head, layout.messages)), child);
    TrackingCodecs codecs = new TrackingCodecs(compression);
    ArrowStreamReader reader = null;
    try {
      reader = new ArrowStreamReader(messages, child, codecs);
      try {
        reader.getVectorSchemaRoot();
      } catch (IOException | RuntimeException e) {
        throw failure("the schema", e, limits.maxDecodedBytes());
      }
      return new IpcBatchReader(
          layout, child, messages, codecs, reader, schema, limits.maxDecodedBytes());
    } catch (RuntimeException e) {
      closeQuietly(reader, messages, codecs, child);
      throw e;
    }
  }

  /** The schema in message format (dictionary-encoded fields typed by their values). */
  public Schema schema() {
    return schema;
  }

  /** Whether the bytes were an IPC stream or an IPC file. */
  public IpcFormat format() {
    return layout.format;
  }

  /**
   * The body compression of the record and dictionary batches, as their headers declare it: {@code
   * none}, {@code lz4}, {@code zstd} (several when batches differ; empty without batches).
   */
  public Set<String> bodyCompression() {
    return layout.bodyCompression;
  }

  /**
   * Loads the next batch into {@link #root()}, after checking its buffers.
   *
   * @return false after the last batch
   * @throws IpcFormatException for a malformed batch, or one beyond the decode limit
   */
  public boolean loadNextBatch() {
    if (finished) {
      return false;
    }
    boolean more;
    try {
      more = reader.loadNextBatch();
      codecs.loaded();
      if (more) {
        validate(reader.getVectorSchemaRoot().getFieldVectors());
        for (long id : reader.getDictionaryIds()) {
          validate(List.of(reader.lookup(id).getVector()));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw failure("record batch " + batches, e, limit);
    }
    if (!more) {
      finished = true;
      return false;
    }
    rows += root().getRowCount();
    batches++;
    return true;
  }

  /** The current batch (memory format); valid until the next load or close. */
  public VectorSchemaRoot root() {
    try {
      return reader.getVectorSchemaRoot();
    } catch (IOException e) {
      throw new IpcFormatException("the schema: " + e.getMessage(), e);
    }
  }

  /** Dictionaries of the encoded columns, by the stream's ids; valid until close. */
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

  /**
   * Checks that every buffer is as long as the value count and offsets require, and that indices
   * point into their dictionaries. Arrow's own layout validator runs first where it can; it refuses
   * every map, so our checks cover those.
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
          throw new IpcFormatException("column '" + name + "' is malformed: " + e.getMessage(), e);
        }
      }
      try {
        Layouts.checkBuffers(v, name);
        Layouts.checkOffsets(v, name);
        checkDictionaryIndices(v);
      } catch (IpcFormatException e) {
        throw e;
      } catch (UnsupportedOperationException unsupported) {
        // a layout without these buffers (list views, run-end encoded): bounds checks remain
      } catch (RuntimeException e) {
        throw new IpcFormatException("column '" + name + "' is malformed: " + e.getMessage(), e);
      }
    }
  }

  /** Arrow Java 19's layout validator rejects every map and does not know float16. */
  private static boolean validatorLimitation(RuntimeException e) {
    String m = e.getMessage();
    return m != null
        && (m.contains("class " + MapVector.class.getName())
            || m.startsWith("Unknown type for fixed width vector")
            || m.contains("Value does not fit in precision"));
  }

  private void checkDictionaryIndices(ValueVector v) {
    var encoding = v.getField().getDictionary();
    if (encoding != null && v instanceof BaseIntVector indices) {
      Dictionary d = reader.lookup(encoding.getId());
      long size = d == null ? 0 : d.getVector().getValueCount();
      for (int i = 0; i < v.getValueCount(); i++) {
        if (!v.isNull(i)) {
          long index = indices.getValueAsLong(i);
          if (index < 0 || index >= size) {
            throw new IpcFormatException(
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
    if (v instanceof StructVector s) {
      for (var child : s.getChildrenFromFields()) {
        checkDictionaryIndices(child);
      }
    } else if (v instanceof BaseRepeatedValueVector l) {
      checkDictionaryIndices(l.getDataVector()); // lists and maps
    } else if (v instanceof LargeListVector l) {
      checkDictionaryIndices(l.getDataVector());
    } else if (v instanceof FixedSizeListVector l) {
      checkDictionaryIndices(l.getDataVector());
    }
  }

  static IpcFormatException failure(String where, Throwable e, long limit) {
    if (e instanceof IpcFormatException c) {
      return c;
    }
    if (e instanceof OutOfMemoryException) {
      return IpcFormatException.overLimit(
          where + " needs more than the decode limit of " + limit + " bytes");
    }
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new IpcFormatException(
        where + " is malformed: " + reason.lines().findFirst().orElse(""), e);
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

  /** Checked messages of an input, read front to back as one stream. */
  private static final class Messages implements ReadableByteChannel {
    private static final byte[] END = {-1, -1, -1, -1, 0, 0, 0, 0};
    private final IpcInput in;
    private final List<IpcLayout.MessageInfo> list;
    private ByteBuffer fixed;
    private int next;
    private long pos;
    private long end;
    private boolean ended;

    Messages(IpcInput in, byte[] head, List<IpcLayout.MessageInfo> list) {
      this.in = in;
      this.list = list;
      this.fixed = ByteBuffer.wrap(head);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      while (true) {
        if (fixed != null && fixed.hasRemaining()) {
          int n = Math.min(dst.remaining(), fixed.remaining());
          dst.put(dst.position(), fixed, fixed.position(), n);
          dst.position(dst.position() + n);
          fixed.position(fixed.position() + n);
          return n;
        }
        if (pos < end) {
          int n = (int) Math.min(dst.remaining(), end - pos);
          in.read(pos, dst.slice().limit(n));
          dst.position(dst.position() + n);
          pos += n;
          return n;
        }
        if (next < list.size()) {
          IpcLayout.MessageInfo m = list.get(next++);
          pos = m.offset();
          end = m.offset() + m.length();
        } else if (!ended) {
          ended = true;
          fixed = ByteBuffer.wrap(END);
        } else {
          return -1;
        }
      }
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /**
   * Remembers the buffers decompressed for the batch being loaded. Arrow Java 19's loader drops
   * them when a later buffer of the batch is bad; once the reader is closed, those still referenced
   * are released here.
   */
  private static final class TrackingCodecs implements CompressionCodec.Factory {
    private final CompressionCodec.Factory factory;
    private final List<ArrowBuf> pending = new ArrayList<>();

    TrackingCodecs(CompressionCodec.Factory factory) {
      this.factory = factory;
    }

    @Override
    public CompressionCodec createCodec(CompressionUtil.CodecType type) {
      return track(factory.createCodec(type));
    }

    @Override
    public CompressionCodec createCodec(CompressionUtil.CodecType type, int level) {
      return track(factory.createCodec(type, level));
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
