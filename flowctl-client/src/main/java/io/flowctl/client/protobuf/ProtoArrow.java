package io.flowctl.client.protobuf;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.util.JsonFormat;
import io.flowctl.schema.OwnedBatch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Converts one protobuf message type to Arrow and back, as {@code docs/protobuf-arrow.md} maps it:
 * a message's fields are the columns, one row per message. Serialized messages are parsed straight
 * from the wire format into vectors, and rows are written straight to the wire format, with no
 * message objects on either side.
 *
 * <p>Thread-safe: one converter per message type serves every thread; each call (or {@link
 * Appender}) has its own vectors. Every batch is bounded ({@link Builder#maxRows}, {@link
 * Builder#maxBytes}) and allocated from the caller's allocator, and what a call allocated is freed
 * when it fails.
 *
 * <pre>{@code
 * ProtoArrow transfers = ProtoArrow.of(TokenTransferEvent.getDescriptor());
 * try (OwnedBatch batch = transfers.toArrow(payloads, allocator)) {
 *   Event event = codec.encode(batch.root(), batch.dictionaries());
 * }
 * }</pre>
 */
public final class ProtoArrow {
  private final Descriptor type;
  private final Schema schema;
  private final Field asStruct;
  private final int maxRows;
  private final long maxBytes;
  private final JsonFormat.Printer printer;
  private final JsonFormat.Parser parser;

  /**
   * Readers whose column arrays another batch may reuse (building them is a fixed cost per batch):
   * at most {@link #POOLED}, and none holding more than {@link #POOLED_BYTES} of heap.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<WireToArrow> idle =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private final java.util.concurrent.atomic.AtomicInteger pooled =
      new java.util.concurrent.atomic.AtomicInteger();
  private static final int POOLED = 4;
  private static final long POOLED_BYTES = 8L << 20;

  private ProtoArrow(Builder b) {
    this.type = b.type;
    this.schema = ProtoSchemas.schema(type);
    this.asStruct =
        new Field(
            type.getFullName(),
            FieldType.notNullable(ArrowType.Struct.INSTANCE),
            schema.getFields());
    this.maxRows = b.maxRows;
    this.maxBytes = b.maxBytes;
    JsonFormat.TypeRegistry registry = b.registry != null ? b.registry : registryOf(type);
    this.printer =
        JsonFormat.printer().usingTypeRegistry(registry).omittingInsignificantWhitespace();
    this.parser = JsonFormat.parser().usingTypeRegistry(registry);
  }

  /**
   * The converter of {@code type} with the default bounds.
   *
   * @throws ProtoConversionException when the type has no Arrow mapping (it contains itself, or a
   *     proto2 group), naming the field
   */
  public static ProtoArrow of(Descriptor type) {
    return builder(type).build();
  }

  public static Builder builder(Descriptor type) {
    return new Builder(type);
  }

  /** Settings of a converter. */
  public static final class Builder {
    private final Descriptor type;
    private int maxRows = 65_536;
    private long maxBytes = 64L << 20;
    private JsonFormat.TypeRegistry registry;

    private Builder(Descriptor type) {
      this.type = Objects.requireNonNull(type, "type");
    }

    /** The most messages one batch holds; default 65,536. */
    public Builder maxRows(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("maxRows must be at least 1, not " + rows);
      }
      this.maxRows = rows;
      return this;
    }

    /** The most serialized bytes one batch is made of; default 64 MiB. */
    public Builder maxBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBytes must be at least 1, not " + bytes);
      }
      this.maxBytes = bytes;
      return this;
    }

    /**
     * The types an {@code Any} may hold, for its JSON text; default every message of the type's
     * file and the files it imports.
     */
    public Builder typeRegistry(JsonFormat.TypeRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    public ProtoArrow build() {
      return new ProtoArrow(this);
    }
  }

  public Descriptor descriptor() {
    return type;
  }

  /** The Arrow schema of the message type: the same for every batch this converter makes. */
  public Schema schema() {
    return schema;
  }

  public int maxRows() {
    return maxRows;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Serialized messages as one batch; the caller closes it.
   *
   * @throws ProtoConversionException naming the message's index and field when one does not parse,
   *     or when the messages exceed {@link #maxRows()} or {@link #maxBytes()}
   */
  public OwnedBatch toArrow(List<byte[]> messages, BufferAllocator allocator) {
    Objects.requireNonNull(messages, "messages");
    if (messages.size() > maxRows) {
      throw new ProtoConversionException(
          messages.size() + " messages exceed the batch's " + maxRows + " rows", -1, "");
    }
    try (Appender a = appender(allocator)) {
      for (byte[] m : messages) {
        if (!a.fits(m.length)) {
          throw new ProtoConversionException(
              "the messages exceed the batch's " + maxBytes + " bytes at message " + a.rows(),
              a.rows(),
              "");
        }
        a.append(m);
      }
      return a.finish();
    }
  }

  /** As {@link #toArrow(List, BufferAllocator)}, from byte strings (event payloads). */
  public OwnedBatch toArrowFromByteStrings(List<ByteString> messages, BufferAllocator allocator) {
    List<byte[]> bytes = new ArrayList<>(messages.size());
    for (ByteString m : messages) {
      bytes.add(m.toByteArray());
    }
    return toArrow(bytes, allocator);
  }

  /**
   * Builds a batch message by message, for a stream that decides where batches end: append until
   * {@link #fits} says no (or a timer fires), then {@link #finish}. One thread at a time.
   */
  public Appender appender(BufferAllocator allocator) {
    Objects.requireNonNull(allocator, "allocator");
    WireToArrow reader = idle.poll();
    if (reader != null) {
      pooled.decrementAndGet();
      reader.use(allocator);
    } else {
      reader = new WireToArrow(type, schema, allocator, printer);
    }
    return new Appender(reader);
  }

  private void release(WireToArrow reader) {
    reader.recycle();
    if (reader.retained() > POOLED_BYTES) {
      return;
    }
    if (pooled.incrementAndGet() <= POOLED) {
      idle.offer(reader);
    } else {
      pooled.decrementAndGet();
    }
  }

  /** A batch being built; closing it before {@link #finish} frees what it holds. */
  public final class Appender implements AutoCloseable {
    private final WireToArrow writer;
    private boolean finished;
    private boolean closed;

    private Appender(WireToArrow writer) {
      this.writer = writer;
    }

    /** Whether a message of {@code bytes} more still fits the batch's bounds. */
    public boolean fits(int bytes) {
      return writer.rows() < maxRows
          && (writer.rows() == 0 ? bytes <= maxBytes : writer.bytes() + bytes <= maxBytes);
    }

    /**
     * Appends one serialized message as the next row.
     *
     * @throws ProtoConversionException when it does not parse (the batch keeps the rows before it),
     *     or does not fit the bounds
     */
    public void append(byte[] message) {
      append(message, 0, message.length);
    }

    public void append(byte[] message, int offset, int length) {
      if (finished) {
        throw new IllegalStateException("the batch was finished");
      }
      Objects.checkFromIndexSize(offset, length, message.length);
      if (!fits(length)) {
        throw new ProtoConversionException(
            "message "
                + writer.rows()
                + " of "
                + length
                + " bytes does not fit the batch ("
                + maxRows
                + " rows, "
                + maxBytes
                + " bytes; "
                + writer.rows()
                + " rows and "
                + writer.bytes()
                + " bytes in it)",
            writer.rows(),
            "");
      }
      writer.append(message, offset, length, writer.rows());
    }

    public int rows() {
      return writer.rows();
    }

    public long bytes() {
      return writer.bytes();
    }

    /** The batch; the caller owns it, and this appender is done. */
    public OwnedBatch finish() {
      if (finished) {
        throw new IllegalStateException("the batch was finished");
      }
      finished = true;
      return writer.finish();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        writer.close();
        release(writer);
      }
    }
  }

  /**
   * Every row of {@code root} as a serialized message. Enum columns are read through {@code
   * dictionaries} when dictionary-encoded.
   *
   * @throws ProtoConversionException naming the column when the batch is not the mapping of the
   *     message type — except what the projector accepts: a nullable column the batch lacks is
   *     absent in every message, and columns without a field are ignored
   */
  public List<byte[]> toProto(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    ArrowToWire w = new ArrowToWire(type, asStruct, root, dictionaries, parser);
    int rows = root.getRowCount();
    List<byte[]> out = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      try {
        out.add(w.message(i));
      } catch (ProtoConversionException e) {
        throw new ProtoConversionException("row " + i + ": " + e.getMessage(), i, e.field(), e);
      }
    }
    return out;
  }

  /**
   * As {@link #toProto(VectorSchemaRoot, DictionaryProvider)}, for a batch without dictionaries.
   */
  public List<byte[]> toProto(VectorSchemaRoot root) {
    return toProto(root, null);
  }

  /** Every message type of {@code type}'s file and the files it imports, for Any's JSON. */
  private static JsonFormat.TypeRegistry registryOf(Descriptor type) {
    JsonFormat.TypeRegistry.Builder b = JsonFormat.TypeRegistry.newBuilder();
    Set<String> seen = new HashSet<>();
    List<FileDescriptor> todo = new ArrayList<>(List.of(type.getFile()));
    while (!todo.isEmpty()) {
      FileDescriptor f = todo.remove(todo.size() - 1);
      if (seen.add(f.getFullName())) {
        b.add(f.getMessageTypes());
        todo.addAll(f.getDependencies());
      }
    }
    return b.build();
  }

  @Override
  public String toString() {
    return "ProtoArrow[" + type.getFullName() + "]";
  }
}
