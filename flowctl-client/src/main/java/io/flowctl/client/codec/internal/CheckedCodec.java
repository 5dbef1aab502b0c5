package io.flowctl.client.codec.internal;

import io.flowctl.client.codec.CodecException;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.compression.AbstractCompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;

/**
 * What our Arrow body codecs share: the uncompressed length a buffer's prefix declares is checked
 * before anything is allocated for it (it comes from the sender, so it may be negative or beyond
 * what the codec can produce; Arrow's "not compressed" mark is handled before the codec is asked),
 * and a buffer being filled is released when filling fails, so a corrupt frame leaks nothing.
 */
abstract class CheckedCodec extends AbstractCompressionCodec {
  /** Where the frame starts in a compressed buffer: after its length prefix. */
  static final long FRAME_START = CompressionUtil.SIZE_OF_UNCOMPRESSED_LENGTH;

  private final CompressionUtil.CodecType type;
  private final long maxDeclared;
  private final String name;

  /**
   * @param maxDeclared the largest uncompressed length the codec can produce
   * @param name the codec with its article, for messages ("an LZ4", "a zstd")
   */
  CheckedCodec(CompressionUtil.CodecType type, long maxDeclared, String name) {
    this.type = type;
    this.maxDeclared = maxDeclared;
    this.name = name;
  }

  @Override
  public final CompressionUtil.CodecType getCodecType() {
    return type;
  }

  /** Fills a buffer it is handed; on an exception the buffer is released by {@link #filled}. */
  @FunctionalInterface
  interface Filler {
    void fill(ArrowBuf out);
  }

  /** A new buffer of {@code size} bytes as {@code filler} leaves it, or released if it throws. */
  static ArrowBuf filled(BufferAllocator allocator, long size, Filler filler) {
    ArrowBuf out = allocator.buffer(size);
    try {
      filler.fill(out);
      return out;
    } catch (RuntimeException e) {
      out.close();
      throw e;
    }
  }

  @Override
  protected final ArrowBuf doDecompress(BufferAllocator allocator, ArrowBuf compressed) {
    long declared = readUncompressedLength(compressed);
    if (declared < 0 || declared > maxDeclared) {
      throw new CodecException(name + " buffer declares an uncompressed length of " + declared);
    }
    return decompress(allocator, compressed, declared, compressed.writerIndex() - FRAME_START);
  }

  /**
   * Decodes the frame of {@code frameBytes} bytes after the prefix.
   *
   * @param declared the checked uncompressed length the prefix declares
   */
  abstract ArrowBuf decompress(
      BufferAllocator allocator, ArrowBuf compressed, long declared, long frameBytes);
}
