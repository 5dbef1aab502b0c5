package io.flowctl.client.codec.internal;

import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.compression.NoCompressionCodec;

/**
 * Arrow body compression codecs: LZ4_FRAME on lz4-java ({@link Lz4FrameCodec}), ZSTD on zstd-jni
 * ({@link ZstdCodec}); both release their memory on corrupt input. Pass it to any Arrow reader or
 * writer in place of {@code CommonsCompressionFactory}.
 */
public final class FastCompressionFactory implements CompressionCodec.Factory {
  public static final FastCompressionFactory INSTANCE = new FastCompressionFactory();

  /** For {@link java.util.ServiceLoader}; code uses {@link #INSTANCE}. */
  public FastCompressionFactory() {}

  @Override
  public CompressionCodec createCodec(CompressionUtil.CodecType type) {
    return switch (type) {
      case LZ4_FRAME -> new Lz4FrameCodec();
      case ZSTD -> new ZstdCodec(ZstdCodec.DEFAULT_LEVEL);
      case NO_COMPRESSION -> NoCompressionCodec.INSTANCE;
    };
  }

  @Override
  public CompressionCodec createCodec(CompressionUtil.CodecType type, int level) {
    return type == CompressionUtil.CodecType.ZSTD ? new ZstdCodec(level) : createCodec(type);
  }
}
