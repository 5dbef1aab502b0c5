package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.arrow.flatbuf.BodyCompression;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.CompressionType;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;

/**
 * Walks the message framing of an Arrow IPC stream held in memory before Arrow reads it. Arrow Java
 * allocates each message's declared metadata length on the heap before reading it; checking every
 * declared length against the bytes actually present first means a hostile length is a {@link
 * CodecException}, never an {@code OutOfMemoryError}.
 */
final class IpcFraming {
  private IpcFraming() {}

  /** Checks the framing; returns the number of messages (schema, dictionaries, batches). */
  static int check(ByteString payload) {
    return scan(payload, null);
  }

  /** The body compression codecs the batches of a stream use ("none" for uncompressed ones). */
  static java.util.Set<String> compressions(ByteString payload) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    scan(payload, out);
    return out;
  }

  private static int scan(ByteString payload, java.util.Set<String> codecs) {
    long size = payload.size();
    long pos = 0;
    int messages = 0;
    while (pos < size) {
      if (size - pos < 4) {
        throw new CodecException(
            "truncated IPC stream: " + (size - pos) + " stray bytes at " + pos);
      }
      int first = intAt(payload, pos);
      long headerEnd = pos + 4;
      int metaLength = first;
      if (first == -1) {
        if (size - pos < 8) {
          throw new CodecException("truncated IPC stream: a message prefix is cut at byte " + pos);
        }
        metaLength = intAt(payload, pos + 4);
        headerEnd = pos + 8;
      }
      if (metaLength == 0) {
        return messages; // end-of-stream marker
      }
      if (metaLength < 0 || metaLength > size - headerEnd) {
        throw new CodecException(
            "IPC message "
                + messages
                + " at byte "
                + pos
                + " declares "
                + Integer.toUnsignedString(metaLength)
                + " bytes of metadata; only "
                + (size - headerEnd)
                + " remain");
      }
      long bodyLength;
      try {
        ByteBuffer meta =
            payload
                .substring((int) headerEnd, (int) (headerEnd + metaLength))
                .asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        Message message = Message.getRootAsMessage(meta);
        bodyLength = message.bodyLength();
        checkBuffers(message, bodyLength, messages, pos);
        if (codecs != null && message.headerType() == MessageHeader.RecordBatch) {
          RecordBatch rb = (RecordBatch) message.header(new RecordBatch());
          BodyCompression c = rb.compression();
          codecs.add(
              c == null
                  ? "none"
                  : c.codec() == CompressionType.LZ4_FRAME
                      ? "lz4"
                      : c.codec() == CompressionType.ZSTD ? "zstd" : "codec " + c.codec());
        }
      } catch (CodecException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new CodecException(
            "IPC message " + messages + " at byte " + pos + " has corrupt metadata (" + e + ")", e);
      }
      long bodyStart = headerEnd + metaLength;
      if (bodyLength < 0 || bodyLength > size - bodyStart) {
        throw new CodecException(
            "IPC message "
                + messages
                + " at byte "
                + pos
                + " declares a body of "
                + bodyLength
                + " bytes; only "
                + (size - bodyStart)
                + " remain");
      }
      pos = bodyStart + bodyLength;
      messages++;
    }
    return messages;
  }

  /**
   * Every buffer of a record or dictionary batch must lie inside the message body, and every count
   * must be non-negative. Arrow Java leaks the body when it meets such a batch, so refuse it here.
   */
  private static void checkBuffers(Message message, long bodyLength, int index, long pos) {
    RecordBatch batch;
    if (message.headerType() == MessageHeader.RecordBatch) {
      batch = (RecordBatch) message.header(new RecordBatch());
    } else if (message.headerType() == MessageHeader.DictionaryBatch) {
      DictionaryBatch d = (DictionaryBatch) message.header(new DictionaryBatch());
      batch = d == null ? null : d.data();
    } else {
      return;
    }
    String where = "IPC message " + index + " at byte " + pos;
    if (batch == null) {
      throw new CodecException(where + " is a batch without its description");
    }
    if (batch.length() < 0) {
      throw new CodecException(where + " declares " + batch.length() + " rows");
    }
    Buffer b = new Buffer();
    for (int i = 0; i < batch.buffersLength(); i++) {
      batch.buffers(b, i);
      if (b.offset() < 0 || b.length() < 0 || b.offset() > bodyLength - b.length()) {
        throw new CodecException(
            where
                + ": buffer "
                + i
                + " spans bytes "
                + b.offset()
                + " to "
                + (b.offset() + b.length())
                + " of a "
                + bodyLength
                + "-byte body");
      }
    }
    FieldNode n = new FieldNode();
    for (int i = 0; i < batch.nodesLength(); i++) {
      batch.nodes(n, i);
      if (n.length() < 0 || n.nullCount() < 0 || n.nullCount() > n.length()) {
        throw new CodecException(
            where
                + ": field node "
                + i
                + " declares "
                + n.length()
                + " values, "
                + n.nullCount()
                + " null");
      }
    }
  }

  private static int intAt(ByteString b, long pos) {
    int i = (int) pos;
    return (b.byteAt(i) & 0xFF)
        | (b.byteAt(i + 1) & 0xFF) << 8
        | (b.byteAt(i + 2) & 0xFF) << 16
        | (b.byteAt(i + 3) & 0xFF) << 24;
  }
}
