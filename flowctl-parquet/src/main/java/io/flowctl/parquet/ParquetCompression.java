package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import java.util.Locale;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/** The page compression of a Parquet payload, as named in {@code ArrowMetadata}. */
public enum ParquetCompression {
  NONE("none", CompressionCodecName.UNCOMPRESSED),
  SNAPPY("snappy", CompressionCodecName.SNAPPY),
  GZIP("gzip", CompressionCodecName.GZIP),
  ZSTD("zstd", CompressionCodecName.ZSTD),
  LZ4_RAW("lz4_raw", CompressionCodecName.LZ4_RAW);

  private final String wireName;
  private final CompressionCodecName codec;

  ParquetCompression(String wireName, CompressionCodecName codec) {
    this.wireName = wireName;
    this.codec = codec;
  }

  /** The name in {@code ArrowMetadata.compression_codec}. */
  public String wireName() {
    return wireName;
  }

  CompressionCodecName codec() {
    return codec;
  }

  /** Parses none (or uncompressed), snappy, gzip, zstd or lz4_raw; an empty name is none. */
  public static ParquetCompression parse(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    if (key.isEmpty() || key.equals("uncompressed")) {
      return NONE;
    }
    for (ParquetCompression c : values()) {
      if (c.wireName.equals(key)) {
        return c;
      }
    }
    throw new CodecException(
        "unknown Parquet compression '"
            + name
            + "' (expected none, snappy, gzip, zstd or lz4_raw)");
  }
}
