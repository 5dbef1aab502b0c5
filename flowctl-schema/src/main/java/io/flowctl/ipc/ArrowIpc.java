package io.flowctl.ipc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The one way flowctl-java reads and writes Arrow IPC: schemas and batches, streams and files, from
 * memory or from disk. Reading is hardened against hostile bytes: every declared length is checked
 * against the bytes present and the {@link IpcLimits} before Arrow allocates, schemas are checked
 * for depth before they are converted, every batch is checked at every depth before a caller sees
 * it, and failures are {@link IpcFormatException}s that name what is wrong and where, with nothing
 * left allocated. Stateless and thread-safe.
 */
public final class ArrowIpc {
  private ArrowIpc() {}

  /**
   * The schema of an IPC stream or file, in message format (dictionary-encoded fields typed by
   * their values). Only the schema message is read, so the cost is its own size whatever follows; a
   * schema with dictionary-encoded fields needs no dictionaries. Also reads a lone schema message
   * without an end-of-stream marker, as Parquet's {@code ARROW:schema} and stores hold it.
   *
   * @throws IpcFormatException when the bytes are not an Arrow IPC schema, or exceed the limits
   */
  public static Schema readSchema(IpcInput in, IpcLimits limits) throws IOException {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(limits, "limits");
    return convert(IpcLayout.scan(in, limits, true).schema);
  }

  /** {@link #readSchema(IpcInput, IpcLimits)} of bytes in memory, with the default limits. */
  public static Schema readSchema(byte[] bytes) {
    try {
      return readSchema(IpcInput.of(bytes), IpcLimits.defaults());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // memory does not fail to read
    }
  }

  /** {@link #readSchema(IpcInput, IpcLimits)} of a file, with the default limits. */
  public static Schema readSchema(Path file) throws IOException {
    try (IpcInput in = IpcInput.open(file)) {
      return readSchema(in, IpcLimits.defaults());
    }
  }

  /**
   * Opens the batches of an IPC stream or file after checking its whole framing (headers only). The
   * reader takes a child of {@code allocator} limited to {@link IpcLimits#maxDecodedBytes()}; the
   * caller closes the reader, and keeps {@code in} open until then.
   *
   * @param compression decompresses LZ4_FRAME and ZSTD bodies; {@code
   *     CompressionCodec.Factory.INSTANCE} finds those on the class path
   * @throws IpcFormatException when the framing is malformed or exceeds the limits
   */
  public static IpcBatchReader open(
      IpcInput in,
      BufferAllocator allocator,
      IpcLimits limits,
      CompressionCodec.Factory compression)
      throws IOException {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(allocator, "allocator");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(compression, "compression");
    return IpcBatchReader.open(in, allocator, limits, compression, "flowctl-ipc-read");
  }

  /**
   * Whether the bytes start like an IPC file ({@code ARROW1}); anything else is read as a stream.
   */
  public static IpcFormat format(IpcInput in) throws IOException {
    long size = in.size();
    if (size < IpcLayout.FILE_MAGIC.length) {
      return IpcFormat.STREAM;
    }
    java.nio.ByteBuffer head = java.nio.ByteBuffer.allocate(IpcLayout.FILE_MAGIC.length);
    in.read(0, head);
    return java.util.Arrays.equals(head.array(), IpcLayout.FILE_MAGIC)
        ? IpcFormat.FILE
        : IpcFormat.STREAM;
  }

  /**
   * An IPC stream holding only {@code schema}: its schema message and the end-of-stream marker. How
   * schemas travel in {@code SchemaInfo.schema_definition} and are stored. Needs no allocator.
   *
   * @param schema in message format (dictionary fields typed by their values)
   */
  public static byte[] schemaStream(Schema schema) {
    byte[] message = schemaMessage(schema);
    byte[] out = java.util.Arrays.copyOf(message, message.length + 8);
    // the continuation marker and a zero length: the end of the stream
    java.nio.ByteBuffer.wrap(out, message.length, 8)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putInt(-1)
        .putInt(0);
    return out;
  }

  /**
   * One schema message (prefix, metadata, padding), without an end-of-stream marker: what Parquet
   * writers store, base64, under {@code ARROW:schema}.
   */
  public static byte[] schemaMessage(Schema schema) {
    Objects.requireNonNull(schema, "schema");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (WriteChannel ch = new WriteChannel(Channels.newChannel(out))) {
      MessageSerializer.serialize(ch, schema);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
    return out.toByteArray();
  }

  static Schema convert(org.apache.arrow.flatbuf.Schema schema) {
    try {
      return Schema.convertSchema(schema);
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new IpcFormatException("the schema message is malformed: " + reason, e);
    }
  }
}
