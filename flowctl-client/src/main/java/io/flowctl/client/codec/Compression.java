package io.flowctl.client.codec;

import java.util.Locale;
import org.apache.arrow.vector.compression.CompressionUtil;

/** Arrow IPC body compression of an event payload, as named in {@code ArrowMetadata}. */
public enum Compression {
  NONE("none", CompressionUtil.CodecType.NO_COMPRESSION),
  LZ4("lz4", CompressionUtil.CodecType.LZ4_FRAME),
  ZSTD("zstd", CompressionUtil.CodecType.ZSTD);

  private final String wireName;
  private final CompressionUtil.CodecType codecType;

  Compression(String wireName, CompressionUtil.CodecType codecType) {
    this.wireName = wireName;
    this.codecType = codecType;
  }

  /** The name in {@code ArrowMetadata.compression_codec}: none, lz4, zstd. */
  public String wireName() {
    return wireName;
  }

  CompressionUtil.CodecType codecType() {
    return codecType;
  }

  /** Parses none, lz4 or zstd (an empty name is none). */
  public static Compression parse(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (Compression c : values()) {
      if (c.wireName.equals(key) || (key.isEmpty() && c == NONE)) {
        return c;
      }
    }
    throw new CodecException("unknown compression '" + name + "' (expected none, lz4 or zstd)");
  }
}
