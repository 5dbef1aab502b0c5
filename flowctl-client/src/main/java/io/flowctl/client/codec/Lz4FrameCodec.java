package io.flowctl.client.codec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.compression.AbstractCompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;

/**
 * Arrow's LZ4_FRAME body compression on lz4-java, working directly on Arrow memory. Arrow Java's
 * own codec streams every buffer through commons-compress and {@code byte[]}s, which is several
 * times slower.
 *
 * <p>Writes frames of independent 4 MiB blocks without checksums, which every LZ4 frame reader
 * accepts. Reads any frame directly when its blocks are independent (or there is one block); frames
 * of linked blocks (LZ4F's default, used by Arrow C++) fall back to commons-compress, which
 * resolves references across blocks.
 */
final class Lz4FrameCodec extends AbstractCompressionCodec {
  private static final int MAGIC = 0x184D2204;
  private static final int BLOCK_SIZE = 4 << 20;
  private static final int HEADER = 7; // magic, FLG, BD, HC
  private static final int FLG_VERSION = 0x40;
  private static final int FLG_BLOCK_INDEPENDENT = 0x20;
  private static final int FLG_BLOCK_CHECKSUM = 0x10;
  private static final int FLG_CONTENT_SIZE = 0x08;
  private static final int FLG_CONTENT_CHECKSUM = 0x04;
  private static final int FLG_DICT_ID = 0x01;
  private static final int BD_4MB = 7 << 4;

  private final LZ4Compressor compressor;
  private final LZ4SafeDecompressor decompressor;
  private final XXHash32 xxhash;

  Lz4FrameCodec() {
    LZ4Factory lz4 = LZ4Factory.fastestInstance();
    this.compressor = lz4.fastCompressor();
    this.decompressor = lz4.safeDecompressor();
    this.xxhash = XXHashFactory.fastestInstance().hash32();
  }

  @Override
  public CompressionUtil.CodecType getCodecType() {
    return CompressionUtil.CodecType.LZ4_FRAME;
  }

  @Override
  protected ArrowBuf doCompress(BufferAllocator allocator, ArrowBuf uncompressed) {
    long length = uncompressed.writerIndex();
    long full = length / BLOCK_SIZE;
    int rest = (int) (length % BLOCK_SIZE);
    long max =
        CompressionUtil.SIZE_OF_UNCOMPRESSED_LENGTH
            + HEADER
            + full * (4L + compressor.maxCompressedLength(BLOCK_SIZE))
            + (rest == 0 ? 0 : 4L + compressor.maxCompressedLength(rest))
            + 4;
    ArrowBuf out = allocator.buffer(max);
    try {
      ByteBuffer dst = out.nioBuffer(0, (int) max).order(ByteOrder.LITTLE_ENDIAN);
      int pos = (int) CompressionUtil.SIZE_OF_UNCOMPRESSED_LENGTH;
      dst.putInt(pos, MAGIC);
      int flg = FLG_VERSION | FLG_BLOCK_INDEPENDENT;
      dst.put(pos + 4, (byte) flg);
      dst.put(pos + 5, (byte) BD_4MB);
      dst.put(pos + 6, headerChecksum(dst, pos + 4, 2));
      pos += HEADER;
      for (long from = 0; from < length; from += BLOCK_SIZE) {
        int n = (int) Math.min(BLOCK_SIZE, length - from);
        ByteBuffer src = uncompressed.nioBuffer(from, n);
        int written = compressor.compress(src, 0, n, dst, pos + 4, dst.capacity() - pos - 4);
        if (written >= n) {
          // Incompressible: store the block raw (high bit of its size set).
          dst.putInt(pos, n | 0x8000_0000);
          ByteBuffer raw = uncompressed.nioBuffer(from, n);
          ByteBuffer target = dst.duplicate();
          target.position(pos + 4);
          target.put(raw);
          written = n;
        } else {
          dst.putInt(pos, written);
        }
        pos += 4 + written;
      }
      dst.putInt(pos, 0); // end mark
      pos += 4;
      out.writerIndex(pos);
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  @Override
  protected ArrowBuf doDecompress(BufferAllocator allocator, ArrowBuf compressed) {
    long declared = readUncompressedLength(compressed);
    if (declared < 0 || declared > Integer.MAX_VALUE) {
      throw new CodecException("an LZ4 buffer declares an uncompressed length of " + declared);
    }
    long start = CompressionUtil.SIZE_OF_UNCOMPRESSED_LENGTH;
    long size = compressed.writerIndex() - start;
    if (size < HEADER || size > Integer.MAX_VALUE) {
      throw new CodecException("an LZ4 frame of " + size + " bytes is too short");
    }
    ByteBuffer src = compressed.nioBuffer(start, (int) size).order(ByteOrder.LITTLE_ENDIAN);
    ArrowBuf out = allocator.buffer(declared);
    try {
      ByteBuffer dst = out.nioBuffer(0, (int) declared);
      if (!decodeIndependent(src, dst)) {
        decodeLinked(compressed, start, size, out, declared);
      }
      out.writerIndex(declared);
      return out;
    } catch (LZ4Exception | IndexOutOfBoundsException e) {
      out.close();
      throw new CodecException("corrupt LZ4 frame: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  /**
   * Decodes a frame whose blocks need no earlier block; returns false (having written nothing that
   * matters) for frames of linked blocks.
   */
  private boolean decodeIndependent(ByteBuffer src, ByteBuffer dst) {
    if (src.getInt(0) != MAGIC) {
      throw new CodecException(
          "not an LZ4 frame (magic 0x" + Integer.toHexString(src.getInt(0)) + ")");
    }
    int flg = src.get(4) & 0xFF;
    if ((flg & 0xC0) != FLG_VERSION) {
      throw new CodecException(
          "unsupported LZ4 frame version in FLG 0x" + Integer.toHexString(flg));
    }
    if ((flg & FLG_DICT_ID) != 0) {
      throw new CodecException("LZ4 frames with a dictionary id are not supported");
    }
    int descriptor = 2 + ((flg & FLG_CONTENT_SIZE) != 0 ? 8 : 0);
    if (src.limit() < 4 + descriptor + 1) {
      throw new CodecException("truncated LZ4 frame header");
    }
    if (src.get(4 + descriptor) != headerChecksum(src, 4, descriptor)) {
      throw new CodecException("LZ4 frame header checksum mismatch");
    }
    int bd = src.get(5) & 0xFF;
    int maxBlock = 1 << (8 + 2 * ((bd >> 4) & 0x7));
    boolean independent = (flg & FLG_BLOCK_INDEPENDENT) != 0;
    boolean blockChecksum = (flg & FLG_BLOCK_CHECKSUM) != 0;
    int pos = 4 + descriptor + 1;
    int out = 0;
    int blocks = 0;
    while (true) {
      if (pos + 4 > src.limit()) {
        throw new CodecException("truncated LZ4 frame: no end mark");
      }
      int header = src.getInt(pos);
      pos += 4;
      if (header == 0) {
        break;
      }
      if (!independent && blocks > 0) {
        return false;
      }
      boolean raw = (header & 0x8000_0000) != 0;
      int n = header & 0x7FFF_FFFF;
      if (n > maxBlock || pos + n > src.limit()) {
        throw new CodecException("LZ4 block of " + n + " bytes exceeds its frame");
      }
      if (raw) {
        if (out + n > dst.capacity()) {
          throw new CodecException("LZ4 frame holds more than its declared length");
        }
        ByteBuffer from = src.duplicate();
        from.position(pos).limit(pos + n);
        ByteBuffer to = dst.duplicate();
        to.position(out);
        to.put(from);
        out += n;
      } else {
        out += decompressor.decompress(src, pos, n, dst, out, dst.capacity() - out);
      }
      pos += n + (blockChecksum ? 4 : 0);
      blocks++;
    }
    if (out != dst.capacity()) {
      throw new CodecException(
          "LZ4 frame holds " + out + " bytes, its buffer declares " + dst.capacity());
    }
    return true;
  }

  private static void decodeLinked(
      ArrowBuf compressed, long start, long size, ArrowBuf out, long declared) {
    byte[] chunk = new byte[64 << 10];
    try (InputStream in =
        new FramedLZ4CompressorInputStream(new ArrowBufInputStream(compressed, start, size))) {
      long written = 0;
      int n;
      while ((n = in.read(chunk)) > 0) {
        if (written + n > declared) {
          throw new CodecException("LZ4 frame holds more than its declared length " + declared);
        }
        out.setBytes(written, chunk, 0, n);
        written += n;
      }
      if (written != declared) {
        throw new CodecException(
            "LZ4 frame holds " + written + " bytes, its buffer declares " + declared);
      }
    } catch (IOException e) {
      throw new CodecException("corrupt LZ4 frame: " + e.getMessage(), e);
    }
  }

  private byte headerChecksum(ByteBuffer buf, int off, int len) {
    return (byte) ((xxhash.hash(buf, off, len, 0) >> 8) & 0xFF);
  }

  /** Reads a slice of Arrow memory as a stream, for the fallback decoder. */
  private static final class ArrowBufInputStream extends InputStream {
    private final ArrowBuf buf;
    private long pos;
    private final long end;

    ArrowBufInputStream(ArrowBuf buf, long start, long length) {
      this.buf = buf;
      this.pos = start;
      this.end = start + length;
    }

    @Override
    public int read() {
      return pos < end ? buf.getByte(pos++) & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= end) {
        return -1;
      }
      int n = (int) Math.min(len, end - pos);
      buf.getBytes(pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
