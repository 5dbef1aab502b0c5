package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.internal.ByteStringChannels;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.format.ColumnChunk;
import org.apache.parquet.format.ColumnMetaData;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.RowGroup;
import org.apache.parquet.format.Util;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Parquet files held in memory: an {@link InputFile} over a payload, an {@link OutputFile} into
 * payload chunks, and the bounds check that runs on a payload's footer and page headers before
 * parquet-hadoop allocates anything they declare.
 */
final class ParquetBytes {
  private ParquetBytes() {}

  static InputFile input(ByteBuffer whole) {
    ByteBuffer bytes = whole.slice();
    return new InputFile() {
      @Override
      public long getLength() {
        return bytes.remaining();
      }

      @Override
      public SeekableInputStream newStream() {
        return new BufferStream(bytes.duplicate());
      }

      @Override
      public String toString() {
        return "payload";
      }
    };
  }

  /** A seekable stream over one buffer. */
  private static final class BufferStream extends SeekableInputStream {
    private final ByteBuffer buf;

    BufferStream(ByteBuffer buf) {
      this.buf = buf;
    }

    @Override
    public long getPos() {
      return buf.position();
    }

    @Override
    public void seek(long pos) throws IOException {
      if (pos < 0 || pos > buf.limit()) {
        throw new EOFException("seek to " + pos + " in a " + buf.limit() + "-byte file");
      }
      buf.position((int) pos);
    }

    @Override
    public int read() {
      return buf.hasRemaining() ? buf.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (!buf.hasRemaining()) {
        return len == 0 ? 0 : -1;
      }
      int n = Math.min(len, buf.remaining());
      buf.get(b, off, n);
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int start, int len) throws IOException {
      if (len > buf.remaining()) {
        throw new EOFException(
            "reading " + len + " bytes at " + buf.position() + " runs past the end");
      }
      buf.get(bytes, start, len);
    }

    @Override
    public int read(ByteBuffer dst) {
      if (!buf.hasRemaining()) {
        return dst.hasRemaining() ? -1 : 0;
      }
      int n = Math.min(dst.remaining(), buf.remaining());
      ByteBuffer part = buf.slice();
      part.limit(n);
      dst.put(part);
      buf.position(buf.position() + n);
      return n;
    }

    @Override
    public void readFully(ByteBuffer dst) throws IOException {
      if (dst.remaining() > buf.remaining()) {
        throw new EOFException(
            "reading " + dst.remaining() + " bytes at " + buf.position() + " runs past the end");
      }
      read(dst);
    }
  }

  /** An output file whose bytes end up in payload chunks. */
  static final class Output implements OutputFile {
    final ByteStringChannels.Output out;

    Output(int firstChunk) {
      this.out = new ByteStringChannels.Output(firstChunk);
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
      return new PositionOutputStream() {
        private final byte[] one = new byte[1];

        @Override
        public long getPos() {
          return out.size();
        }

        @Override
        public void write(int b) {
          one[0] = (byte) b;
          out.write(ByteBuffer.wrap(one));
        }

        @Override
        public void write(byte[] b, int off, int len) {
          out.write(ByteBuffer.wrap(b, off, len));
        }
      };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
      return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
      return false;
    }

    @Override
    public long defaultBlockSize() {
      return 0;
    }
  }

  /** The rows of a file: the sum over its row groups (some writers leave the file's total 0). */
  static long rows(FileMetaData footer) {
    long rows = 0;
    if (footer.isSetRow_groups()) {
      for (RowGroup rg : footer.getRow_groups()) {
        rows += Math.max(0, rg.getNum_rows());
      }
    }
    return rows;
  }

  /** The footer of a whole Parquet file in memory. */
  static FileMetaData footer(ByteBuffer whole, String where) {
    ByteBuffer b = whole.slice().order(ByteOrder.LITTLE_ENDIAN);
    int size = b.remaining();
    if (size < 12) {
      throw new CodecException(where + ": too short for a Parquet file (" + size + " bytes)");
    }
    byte[] head = new byte[4];
    b.get(0, head);
    byte[] tail = new byte[4];
    b.get(size - 4, tail);
    if (!ParquetSchemas.isParquet(head) || !ParquetSchemas.isParquet(tail)) {
      throw new CodecException(where + ": not a Parquet file (no PAR1 at both ends)");
    }
    long length = Integer.toUnsignedLong(b.getInt(size - 8));
    if (length > size - 12 || length > ParquetSchemas.MAX_FOOTER) {
      throw new CodecException(
          where + ": the Parquet footer declares " + length + " bytes in a " + size + "-byte file");
    }
    byte[] footer = new byte[(int) length];
    b.get((int) (size - 8 - length), footer);
    try {
      return Util.readFileMetaData(new ByteArrayInputStream(footer));
    } catch (IOException | RuntimeException e) {
      throw new CodecException(where + ": corrupt Parquet footer (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Checks that every column chunk lies inside the file, and that each page header in it declares
   * sizes that fit the chunk and {@code limit}: parquet-hadoop allocates what headers declare.
   */
  static void checkPages(ByteBuffer whole, FileMetaData footer, long limit, String where) {
    ByteBuffer b = whole.slice();
    long dataEnd = b.remaining() - 8L;
    if (!footer.isSetRow_groups()) {
      return;
    }
    int group = 0;
    for (RowGroup rg : footer.getRow_groups()) {
      if (rg.getNum_rows() < 0) {
        throw new CodecException(where + ": row group " + group + " declares negative rows");
      }
      if (rg.getNum_rows() == 0) {
        group++;
        continue; // parquet-hadoop skips empty row groups without reading them
      }
      int column = 0;
      for (ColumnChunk chunk : rg.getColumns()) {
        ColumnMetaData meta = chunk.getMeta_data();
        if (meta == null) {
          throw new CodecException(
              where + ": row group " + group + " column " + column + " has no metadata");
        }
        String at =
            where
                + ": row group "
                + group
                + " column "
                + String.join(".", meta.getPath_in_schema());
        long start = meta.getData_page_offset();
        if (meta.isSetDictionary_page_offset()
            && meta.getDictionary_page_offset() > 0
            && (meta.getDictionary_page_offset() < start || start == 0)) {
          start = meta.getDictionary_page_offset();
        }
        long end = start + meta.getTotal_compressed_size();
        if (start < 4 || meta.getTotal_compressed_size() < 0 || end > dataEnd) {
          throw new CodecException(
              at + ": the chunk at " + start + ".." + end + " lies outside the file's data");
        }
        if (meta.getTotal_uncompressed_size() > limit) {
          throw new CodecException(
              at
                  + " declares "
                  + meta.getTotal_uncompressed_size()
                  + " uncompressed bytes, more than the decode limit of "
                  + limit);
        }
        checkChunk(b, start, end, limit, at);
        column++;
      }
      group++;
    }
  }

  private static void checkChunk(ByteBuffer b, long start, long end, long limit, String at) {
    long pos = start;
    while (pos < end) {
      ByteBuffer view = b.duplicate();
      view.position((int) pos).limit((int) end);
      CountingStream in = new CountingStream(view);
      PageHeader h;
      try {
        h = Util.readPageHeader(in);
      } catch (IOException | RuntimeException e) {
        throw new CodecException(at + ": corrupt page header at byte " + pos, e);
      }
      long body = h.getCompressed_page_size();
      if (body < 0
          || h.getUncompressed_page_size() < 0
          || pos + in.read + body > end
          || h.getUncompressed_page_size() > limit) {
        throw new CodecException(
            at
                + ": the page at byte "
                + pos
                + " declares "
                + body
                + " stored and "
                + h.getUncompressed_page_size()
                + " uncompressed bytes, which do not fit its chunk (ends at "
                + end
                + ") or the decode limit");
      }
      pos += in.read + body;
    }
  }

  private static final class CountingStream extends InputStream {
    private final ByteBuffer buf;
    long read;

    CountingStream(ByteBuffer buf) {
      this.buf = buf;
    }

    @Override
    public int read() {
      if (!buf.hasRemaining()) {
        return -1;
      }
      read++;
      return buf.get() & 0xff;
    }

    @Override
    public int read(byte[] dst, int off, int len) {
      if (!buf.hasRemaining()) {
        return -1;
      }
      int n = Math.min(len, buf.remaining());
      buf.get(dst, off, n);
      read += n;
      return n;
    }
  }
}
