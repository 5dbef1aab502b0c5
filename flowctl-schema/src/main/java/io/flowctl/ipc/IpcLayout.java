package io.flowctl.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.arrow.flatbuf.Block;
import org.apache.arrow.flatbuf.BodyCompression;
import org.apache.arrow.flatbuf.BodyCompressionMethod;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.CompressionType;
import org.apache.arrow.flatbuf.DictionaryBatch;
import org.apache.arrow.flatbuf.Field;
import org.apache.arrow.flatbuf.FieldNode;
import org.apache.arrow.flatbuf.Footer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.MetadataVersion;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.flatbuf.Schema;

/**
 * The message framing of Arrow IPC bytes, walked and checked before Arrow Java reads them. Arrow
 * Java allocates a message's declared metadata length on the heap, and its declared body length
 * off-heap, before looking at either, and converts schemas recursively; so every length is checked
 * against the bytes present and the limits, every buffer against its body, and a schema's depth
 * against the limit, here, with reads of headers only.
 */
final class IpcLayout {
  static final byte[] FILE_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};

  /** One message: where it starts, its header type and its whole length (prefix to body end). */
  record MessageInfo(int index, long offset, byte headerType, long length) {}

  final IpcFormat format;
  final Schema schema;

  /**
   * The messages a reader reads, in order. For a stream, its schema message first; for a file, the
   * dictionary blocks then the record batch blocks its footer lists (the file's schema comes from
   * the footer: Arrow JS, for one, writes no schema message into a file's stream part).
   */
  final List<MessageInfo> messages;

  final Set<String> bodyCompression;

  private IpcLayout(
      IpcFormat format, Schema schema, List<MessageInfo> messages, Set<String> bodyCompression) {
    this.format = format;
    this.schema = schema;
    this.messages = messages;
    this.bodyCompression = bodyCompression;
  }

  /**
   * Checks the framing. With {@code schemaOnly}, only the schema message is read (a schema read
   * costs its own bytes, whatever follows); otherwise every message, and a file's footer.
   */
  static IpcLayout scan(IpcInput in, IpcLimits limits, boolean schemaOnly) throws IOException {
    long size = in.size();
    if (size == 0) {
      throw new IpcFormatException("empty: no Arrow IPC schema message");
    }
    Walk walk = new Walk(in, limits);
    if (startsWithMagic(in, size)) {
      long footerStart = footerStart(in, size, limits);
      walk.file(footerStart, size - 10 - footerStart, schemaOnly);
      return walk.layout(IpcFormat.FILE);
    }
    walk.stream(size, schemaOnly);
    return walk.layout(IpcFormat.STREAM);
  }

  private static boolean startsWithMagic(IpcInput in, long size) throws IOException {
    if (size < FILE_MAGIC.length) {
      return false;
    }
    ByteBuffer head = ByteBuffer.allocate(FILE_MAGIC.length);
    in.read(0, head);
    return java.util.Arrays.equals(head.array(), FILE_MAGIC);
  }

  /** Checks a file's closing magic and footer length; returns where the footer starts. */
  private static long footerStart(IpcInput in, long size, IpcLimits limits) throws IOException {
    if (size < 8 + 4 + FILE_MAGIC.length) {
      throw new IpcFormatException("truncated Arrow IPC file: " + size + " bytes");
    }
    ByteBuffer tail = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
    in.read(size - 10, tail);
    byte[] magic = java.util.Arrays.copyOfRange(tail.array(), 4, 10);
    if (!java.util.Arrays.equals(magic, FILE_MAGIC)) {
      throw new IpcFormatException(
          "truncated Arrow IPC file: it starts with ARROW1 but does not end with it");
    }
    long footerLength = Integer.toUnsignedLong(tail.getInt(0));
    if (footerLength == 0 || footerLength > size - 10 - 8) {
      throw new IpcFormatException(
          "the Arrow IPC file's footer declares "
              + footerLength
              + " bytes; the file has "
              + (size - 18)
              + " between its magic numbers");
    }
    if (footerLength > limits.maxMetadataBytes()) {
      throw IpcFormatException.overLimit(
          "the Arrow IPC file's footer declares "
              + footerLength
              + " bytes, over the metadata limit of "
              + limits.maxMetadataBytes()
              + " bytes");
    }
    return size - 10 - footerLength;
  }

  /** One pass over the messages, checking each from its headers. */
  private static final class Walk {
    private final IpcInput in;
    private final IpcLimits limits;
    private final ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    final List<MessageInfo> messages = new ArrayList<>();
    final Set<String> codecs = new TreeSet<>();
    Schema schema;

    Walk(IpcInput in, IpcLimits limits) {
      this.in = in;
      this.limits = limits;
    }

    IpcLayout layout(IpcFormat format) {
      return new IpcLayout(
          format,
          schema,
          Collections.unmodifiableList(messages),
          Collections.unmodifiableSet(codecs));
    }

    /** The messages of a stream, up to its end-of-stream marker or its end. */
    void stream(long end, boolean schemaOnly) throws IOException {
      long pos = 0;
      while (pos < end) {
        MessageInfo m = message(pos, end, messages.size(), null);
        if (m == null) {
          break; // end-of-stream marker
        }
        messages.add(m);
        if (schemaOnly) {
          return;
        }
        pos += m.length();
      }
      if (schema == null) {
        throw new IpcFormatException("no Arrow IPC schema message: the stream is empty");
      }
    }

    /** A file: the footer's schema, then every block it lists, each a message of its kind. */
    void file(long footerStart, long footerLength, boolean schemaOnly) throws IOException {
      ByteBuffer bytes = ByteBuffer.allocate((int) footerLength).order(ByteOrder.LITTLE_ENDIAN);
      in.read(footerStart, bytes);
      bytes.flip();
      String where = "the Arrow IPC file's footer at byte " + footerStart;
      List<Block> dictionaries = new ArrayList<>();
      List<Block> batches = new ArrayList<>();
      try {
        Footer footer = Footer.getRootAsFooter(bytes);
        Schema s = footer.schema();
        if (s == null) {
          throw new IpcFormatException(where + " holds no schema");
        }
        checkDepth(s, where);
        schema = s;
        if (schemaOnly) {
          return;
        }
        for (int i = 0; i < footer.dictionariesLength(); i++) {
          dictionaries.add(footer.dictionaries(new Block(), i));
        }
        for (int i = 0; i < footer.recordBatchesLength(); i++) {
          batches.add(footer.recordBatches(new Block(), i));
        }
      } catch (IpcFormatException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IpcFormatException(where + " is corrupt (" + e + ")", e);
      }
      for (Block b : dictionaries) {
        block(b, footerStart, MessageHeader.DictionaryBatch);
      }
      for (Block b : batches) {
        block(b, footerStart, MessageHeader.RecordBatch);
      }
    }

    private void block(Block b, long footerStart, byte type) throws IOException {
      long length = b.metaDataLength() + b.bodyLength();
      if (b.offset() < 8
          || b.metaDataLength() <= 0
          || b.bodyLength() < 0
          || b.offset() > footerStart - length) {
        throw new IpcFormatException(
            "the Arrow IPC file's footer lists a block at byte "
                + b.offset()
                + " of "
                + b.metaDataLength()
                + " + "
                + b.bodyLength()
                + " bytes, outside the file's stream part (bytes 8 to "
                + footerStart
                + ")");
      }
      MessageInfo m = message(b.offset(), b.offset() + length, messages.size(), type);
      if (m == null || m.length() != length) {
        throw new IpcFormatException(
            "the Arrow IPC file's footer lists a block at byte "
                + b.offset()
                + " of "
                + length
                + " bytes; the message there "
                + (m == null ? "is an end-of-stream marker" : "has " + m.length()));
      }
      messages.add(m);
    }

    /**
     * Checks the message at {@code pos}, which must end by {@code end}; null for an end-of-stream
     * marker. {@code expected} is the header type a file's block must have (null in a stream).
     */
    private MessageInfo message(long pos, long end, int index, Byte expected) throws IOException {
      String where = "IPC message " + index + " at byte " + pos;
      if (end - pos < 4) {
        throw new IpcFormatException(
            "truncated IPC stream: " + (end - pos) + " stray bytes at byte " + pos);
      }
      int first = intAt(pos);
      long headerEnd = pos + 4;
      long metaLength = first;
      if (first == -1) {
        if (end - pos < 8) {
          throw new IpcFormatException(
              "truncated IPC stream: a message prefix is cut at byte " + pos);
        }
        metaLength = intAt(pos + 4);
        headerEnd = pos + 8;
      }
      if (metaLength == 0) {
        return null;
      }
      if (metaLength < 0 || metaLength > end - headerEnd) {
        throw new IpcFormatException(
            where
                + " declares "
                + Integer.toUnsignedString((int) metaLength)
                + " bytes of metadata; only "
                + (end - headerEnd)
                + " remain");
      }
      if (metaLength > limits.maxMetadataBytes()) {
        throw IpcFormatException.overLimit(
            where
                + " declares "
                + metaLength
                + " bytes of metadata, over the metadata limit of "
                + limits.maxMetadataBytes()
                + " bytes");
      }
      ByteBuffer meta = ByteBuffer.allocate((int) metaLength).order(ByteOrder.LITTLE_ENDIAN);
      in.read(headerEnd, meta);
      meta.flip();
      long bodyStart = headerEnd + metaLength;
      long bodyLength;
      byte type;
      try {
        Message message = Message.getRootAsMessage(meta);
        type = message.headerType();
        bodyLength = message.bodyLength();
        if (expected != null && type != expected) {
          throw new IpcFormatException(
              where
                  + " is a "
                  + headerName(type)
                  + " where the file's footer lists a "
                  + headerName(expected));
        }
        checkMessage(message, type, bodyLength, expected == null ? index : -1, where);
      } catch (IpcFormatException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new IpcFormatException(where + " has corrupt metadata (" + e + ")", e);
      }
      if (bodyLength < 0 || bodyLength > end - bodyStart) {
        throw new IpcFormatException(
            where
                + " declares a body of "
                + bodyLength
                + " bytes; only "
                + (end - bodyStart)
                + " remain");
      }
      if (bodyLength > limits.maxDecodedBytes()) {
        throw IpcFormatException.overLimit(
            where
                + " declares a body of "
                + bodyLength
                + " bytes, over the decode limit of "
                + limits.maxDecodedBytes()
                + " bytes");
      }
      return new MessageInfo(index, pos, type, bodyStart + bodyLength - pos);
    }

    private void checkMessage(Message m, byte type, long bodyLength, int index, String where) {
      short version = m.version();
      if (version != MetadataVersion.V4 && version != MetadataVersion.V5) {
        throw new IpcFormatException(
            where
                + " has metadata version "
                + (version >= 0 && version < MetadataVersion.names.length
                    ? MetadataVersion.name(version)
                    : "#" + version)
                + "; Arrow IPC readers here read V4 and V5");
      }
      if (index == 0 && type != MessageHeader.Schema) { // a stream's first message
        throw new IpcFormatException(
            where + " is a " + headerName(type) + ", not the schema an IPC stream starts with");
      }
      switch (type) {
        case MessageHeader.Schema -> {
          if (index != 0) { // a second one in a stream, or one in a file's block
            throw new IpcFormatException(where + " is a second schema message");
          }
          Schema s = (Schema) m.header(new Schema());
          if (s == null) {
            throw new IpcFormatException(where + " is a schema message without a schema");
          }
          checkDepth(s, where);
          schema = s;
        }
        case MessageHeader.RecordBatch -> {
          RecordBatch batch = (RecordBatch) m.header(new RecordBatch());
          checkBatch(batch, bodyLength, where);
        }
        case MessageHeader.DictionaryBatch -> {
          DictionaryBatch d = (DictionaryBatch) m.header(new DictionaryBatch());
          if (d == null) {
            throw new IpcFormatException(where + " is a dictionary batch without its description");
          }
          checkBatch(d.data(), bodyLength, where);
        }
        default ->
            throw new IpcFormatException(
                where + " is a " + headerName(type) + " message, which a stream cannot hold");
      }
    }

    /** Nesting depth and field count from the flatbuffer, without recursion. */
    private void checkDepth(Schema s, String where) {
      Deque<Field> fields = new ArrayDeque<>();
      Deque<Integer> depths = new ArrayDeque<>();
      for (int i = 0; i < s.fieldsLength(); i++) {
        fields.push(s.fields(i));
        depths.push(1);
      }
      while (!fields.isEmpty()) {
        Field f = fields.pop();
        int depth = depths.pop();
        if (f == null) {
          throw new IpcFormatException(where + ": the schema holds an empty field entry");
        }
        if (depth > limits.maxNestingDepth()) {
          throw IpcFormatException.overLimit(
              where
                  + ": the schema nests deeper than "
                  + limits.maxNestingDepth()
                  + " levels (the nesting limit)");
        }
        for (int i = 0; i < f.childrenLength(); i++) {
          fields.push(f.children(i));
          depths.push(depth + 1);
        }
      }
    }

    /**
     * Every buffer must lie inside the body, every count must be non-negative and fit Arrow Java's
     * int-indexed vectors, and the compression must be one Arrow defines.
     */
    private void checkBatch(RecordBatch batch, long bodyLength, String where) {
      if (batch == null) {
        throw new IpcFormatException(where + " is a batch without its description");
      }
      if (batch.length() < 0 || batch.length() > Integer.MAX_VALUE) {
        throw new IpcFormatException(where + " declares " + batch.length() + " rows");
      }
      BodyCompression c = batch.compression();
      if (c == null) {
        codecs.add("none");
      } else {
        if (c.method() != BodyCompressionMethod.BUFFER) {
          throw new IpcFormatException(
              where + " uses body compression method #" + c.method() + ", not BUFFER");
        }
        codecs.add(
            switch (c.codec()) {
              case CompressionType.LZ4_FRAME -> "lz4";
              case CompressionType.ZSTD -> "zstd";
              default ->
                  throw new IpcFormatException(
                      where + " uses the unknown body compression codec #" + c.codec());
            });
      }
      Buffer b = new Buffer();
      for (int i = 0; i < batch.buffersLength(); i++) {
        batch.buffers(b, i);
        if (b.offset() < 0 || b.length() < 0 || b.offset() > bodyLength - b.length()) {
          throw new IpcFormatException(
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
        if (n.length() < 0
            || n.length() > Integer.MAX_VALUE
            || n.nullCount() < 0
            || n.nullCount() > n.length()) {
          throw new IpcFormatException(
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

    private int intAt(long pos) throws IOException {
      word.clear();
      in.read(pos, word);
      return word.getInt(0);
    }
  }

  static String headerName(byte type) {
    return type >= 0 && type < MessageHeader.names.length
        ? MessageHeader.name(type)
        : "message of unknown type #" + type;
  }
}
