package io.flowctl.client.codec.internal;

import io.flowctl.client.codec.CodecException;
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
import org.apache.arrow.vector.compression.CompressionUtil;

/**
 * Arrow's LZ4_FRAME body compression on lz4-java, working directly on Arrow memory. Arrow Java's
 * own codec streams every buffer through commons-compress and {@code byte[]}s, which is several
 * times slower.
 *
 * <p>Writes frames of independent 4 MiB blocks without checksums, which every LZ4 frame reader
 * accepts. Reads the whole frame format: independent blocks (through lz4-java) and linked ones
 * (LZ4F's default, used by Arrow C++ and lz4js, through {@link Lz4Blocks}), stored blocks, every
 * block maximum size, block and content checksums (verified), content sizes, skippable frames and
 * several frames in one buffer. Frames that need a dictionary are refused: Arrow has no way to send
 * one.
 */
public final class Lz4FrameCodec extends CheckedCodec {
  private static final int MAGIC = 0x184D2204;
  private static final int BLOCK_SIZE = 4 << 20;
  private static final int HEADER = 7; // magic, FLG, BD, HC
  private static final int FLG_VERSION = 0x40;
  private static final int FLG_BLOCK_INDEPENDENT = 0x20;
  private static final int FLG_BLOCK_CHECKSUM = 0x10;
  private static final int FLG_CONTENT_SIZE = 0x08;
  private static final int FLG_CONTENT_CHECKSUM = 0x04;
  private static final int FLG_DICT_ID = 0x01;
  private static final int FLG_RESERVED = 0x02;
  private static final int SKIPPABLE_MAGIC = 0x184D2A50;
  private static final int BD_4MB = 7 << 4;

  private final LZ4Compressor compressor;
  private final LZ4SafeDecompressor decompressor;
  private final XXHash32 xxhash;

  public Lz4FrameCodec() {
    super(CompressionUtil.CodecType.LZ4_FRAME, Integer.MAX_VALUE, "an LZ4");
    LZ4Factory lz4 = LZ4Factory.fastestInstance();
    this.compressor = lz4.fastCompressor();
    this.decompressor = lz4.safeDecompressor();
    this.xxhash = XXHashFactory.fastestInstance().hash32();
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
    return filled(allocator, max, out -> frame(uncompressed, length, out, max));
  }

  private void frame(ArrowBuf uncompressed, long length, ArrowBuf out, long max) {
    ByteBuffer dst = out.nioBuffer(0, (int) max).order(ByteOrder.LITTLE_ENDIAN);
    int pos = (int) FRAME_START;
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
  }

  @Override
  ArrowBuf decompress(BufferAllocator allocator, ArrowBuf compressed, long declared, long size) {
    if (size < 4 || size > Integer.MAX_VALUE) {
      throw new CodecException("an LZ4 buffer of " + size + " bytes holds no frame");
    }
    ByteBuffer src = compressed.nioBuffer(FRAME_START, (int) size).order(ByteOrder.LITTLE_ENDIAN);
    try {
      return decodeInto(allocator, src, declared);
    } catch (Overflow e) {
      // The frames hold more than the buffer's length prefix says. Arrow JS writes the compressed
      // length there, and Arrow Java ignores the prefix, so such files exist: count what the
      // frames hold (a walk over their block and sequence headers) and decode into that.
      return decodeInto(allocator, src, decodeFrames(src, null));
    }
  }

  private ArrowBuf decodeInto(BufferAllocator allocator, ByteBuffer src, long length) {
    return filled(
        allocator,
        length,
        out -> {
          ByteBuffer dst = out.nioBuffer(0, (int) length).order(ByteOrder.LITTLE_ENDIAN);
          int produced;
          try {
            produced = decodeFrames(src, dst);
          } catch (CodecException e) {
            throw e;
          } catch (RuntimeException e) {
            throw new CodecException("corrupt LZ4 frame: " + e.getMessage(), e);
          }
          // Fewer bytes than declared is what the layout checks of the batch then judge.
          out.writerIndex(produced);
        });
  }

  /** The output of frames is larger than the buffer it is decoded into. */
  static final class Overflow extends CodecException {
    private static final long serialVersionUID = 1L;

    Overflow() {
      super("LZ4 frames hold more than their buffer");
    }
  }

  /**
   * Decodes every frame in {@code src} into {@code dst}, skipping skippable frames; returns the
   * bytes written. Implements the LZ4 frame format (lz4_Frame_format.md) but for dictionaries,
   * which an Arrow buffer cannot carry. With a null {@code dst}, only counts the bytes the frames
   * hold (checksums are then not verified).
   */
  private int decodeFrames(ByteBuffer src, ByteBuffer dst) {
    int pos = 0;
    int out = 0;
    while (pos < src.limit()) {
      if (src.limit() - pos < 4) {
        throw new CodecException("truncated LZ4 data: " + (src.limit() - pos) + " stray bytes");
      }
      int magic = src.getInt(pos);
      if ((magic & 0xFFFF_FFF0) == SKIPPABLE_MAGIC) {
        if (src.limit() - pos < 8) {
          throw new CodecException("truncated skippable LZ4 frame at byte " + pos);
        }
        long skip = Integer.toUnsignedLong(src.getInt(pos + 4));
        if (skip > src.limit() - pos - 8L) {
          throw new CodecException(
              "a skippable LZ4 frame at byte " + pos + " declares " + skip + " bytes");
        }
        pos += 8 + (int) skip;
      } else if (magic == MAGIC) {
        long frame = decodeFrame(src, pos, dst, out);
        pos = (int) (frame >>> 32);
        out = (int) frame;
      } else {
        throw new CodecException(
            "not an LZ4 frame at byte " + pos + " (magic 0x" + Integer.toHexString(magic) + ")");
      }
    }
    return out;
  }

  /** Decodes one frame; returns where the next frame starts (high int) and the output end. */
  private long decodeFrame(ByteBuffer src, int frameAt, ByteBuffer dst, int out) {
    if (src.limit() - frameAt < HEADER) {
      throw new CodecException("truncated LZ4 frame header at byte " + frameAt);
    }
    int flg = src.get(frameAt + 4) & 0xFF;
    int bd = src.get(frameAt + 5) & 0xFF;
    if ((flg & 0xC0) != FLG_VERSION) {
      throw new CodecException(
          "unsupported LZ4 frame version in FLG 0x" + Integer.toHexString(flg));
    }
    if ((flg & FLG_RESERVED) != 0 || (bd & 0x8F) != 0) {
      throw new CodecException(
          "LZ4 frame descriptor sets reserved bits (FLG 0x"
              + Integer.toHexString(flg)
              + ", BD 0x"
              + Integer.toHexString(bd)
              + ")");
    }
    int blockCode = (bd >> 4) & 0x7;
    if (blockCode < 4) {
      throw new CodecException("LZ4 frame declares block maximum size code " + blockCode);
    }
    int maxBlock = 1 << (8 + 2 * blockCode);
    boolean contentSize = (flg & FLG_CONTENT_SIZE) != 0;
    int descriptor = 2 + (contentSize ? 8 : 0) + ((flg & FLG_DICT_ID) != 0 ? 4 : 0);
    if (src.limit() - frameAt < 4 + descriptor + 1) {
      throw new CodecException("truncated LZ4 frame header at byte " + frameAt);
    }
    if (src.get(frameAt + 4 + descriptor) != headerChecksum(src, frameAt + 4, descriptor)) {
      throw new CodecException("LZ4 frame header checksum mismatch at byte " + frameAt);
    }
    if ((flg & FLG_DICT_ID) != 0) {
      throw new CodecException(
          "the LZ4 frame at byte "
              + frameAt
              + " needs dictionary "
              + Integer.toUnsignedString(src.getInt(frameAt + 4 + descriptor - 4))
              + ", which an Arrow buffer cannot carry");
    }
    boolean independent = (flg & FLG_BLOCK_INDEPENDENT) != 0;
    boolean blockChecksum = (flg & FLG_BLOCK_CHECKSUM) != 0;
    int pos = frameAt + 4 + descriptor + 1;
    int frameStart = out;
    while (true) {
      if (src.limit() - pos < 4) {
        throw new CodecException("truncated LZ4 frame: no end mark");
      }
      int header = src.getInt(pos);
      pos += 4;
      if (header == 0) {
        break;
      }
      boolean stored = (header & 0x8000_0000) != 0;
      int n = header & 0x7FFF_FFFF;
      if (n > maxBlock || n > src.limit() - pos - (blockChecksum ? 4 : 0)) {
        throw new CodecException(
            "an LZ4 block of " + n + " bytes at byte " + (pos - 4) + " exceeds its frame");
      }
      if (blockChecksum && dst != null && xxhash.hash(src, pos, n, 0) != src.getInt(pos + n)) {
        throw new CodecException("LZ4 block checksum mismatch at byte " + (pos - 4));
      }
      int room = dst == null ? Integer.MAX_VALUE - out : dst.capacity() - out;
      if (stored) {
        if (n > room) {
          throw new Overflow();
        }
        if (dst != null) {
          dst.put(out, src, pos, n);
        }
        out += n;
      } else if (dst == null) {
        out =
            Lz4Blocks.decode(
                src, pos, pos + n, null, out, out + Math.min(room, maxBlock), frameStart);
      } else if (independent) {
        out += decodeIndependentBlock(src, pos, n, dst, out, Math.min(room, maxBlock));
      } else {
        // Linked blocks may copy from up to 64 KiB of this frame's earlier output.
        out =
            Lz4Blocks.decode(
                src, pos, pos + n, dst, out, out + Math.min(room, maxBlock), frameStart);
      }
      pos += n + (blockChecksum ? 4 : 0);
    }
    if ((flg & FLG_CONTENT_CHECKSUM) != 0) {
      if (src.limit() - pos < 4) {
        throw new CodecException("truncated LZ4 frame: no content checksum");
      }
      if (dst != null && xxhash.hash(dst, frameStart, out - frameStart, 0) != src.getInt(pos)) {
        throw new CodecException("LZ4 content checksum mismatch in the frame at byte " + frameAt);
      }
      pos += 4;
    }
    if (contentSize) {
      long declared = src.getLong(frameAt + 6);
      if (declared != out - frameStart) {
        throw new CodecException(
            "the LZ4 frame at byte "
                + frameAt
                + " declares "
                + Long.toUnsignedString(declared)
                + " bytes of content and holds "
                + (out - frameStart));
      }
    }
    return ((long) pos << 32) | (out & 0xFFFF_FFFFL);
  }

  /**
   * An independent block through lz4-java. Its decoder enforces the block format's end-of-block
   * rules (the last match starts 12 bytes before the end); writers such as lz4js break them, so a
   * block it refuses is decoded again by the tolerant decoder, which checks every bound itself.
   */
  private int decodeIndependentBlock(
      ByteBuffer src, int pos, int n, ByteBuffer dst, int out, int room) {
    try {
      return decompressor.decompress(src, pos, n, dst, out, room);
    } catch (LZ4Exception strict) {
      // (also when the block holds more than `room`: the tolerant decoder then says so)
      return Lz4Blocks.decode(src, pos, pos + n, dst, out, out + room, out) - out;
    }
  }

  private byte headerChecksum(ByteBuffer buf, int off, int len) {
    return (byte) ((xxhash.hash(buf, off, len, 0) >> 8) & 0xFF);
  }
}
