package io.flowctl.parquet;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.xerial.snappy.Snappy;

/**
 * Page compression for the reader and writer: zstd and snappy pages are compressed and decompressed
 * in one call from array to array, where parquet-hadoop's own codecs go through streams and copy
 * every page several times (measured: most of a zstd file's read time); the other codecs are
 * parquet-hadoop's. One instance per reader or writer, as parquet-hadoop's factory.
 */
final class PageCodecs implements CompressionCodecFactory {
  /** zstd's level for pages: 3, parquet-java's and DuckDB's default. */
  static final int ZSTD_LEVEL = 3;

  private final CodecFactory others;

  PageCodecs() {
    this.others = new CodecFactory(new PlainParquetConfiguration(), 64 << 10);
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return switch (codec) {
      case ZSTD, SNAPPY -> new Compressor(codec);
      default -> others.getCompressor(codec);
    };
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    return switch (codec) {
      case ZSTD, SNAPPY -> new Decompressor(codec);
      default -> others.getDecompressor(codec);
    };
  }

  @Override
  public void release() {
    others.release();
  }

  private record Compressor(CompressionCodecName codec) implements BytesInputCompressor {
    @Override
    public BytesInput compress(BytesInput bytes) throws IOException {
      byte[] in = bytes.toByteArray();
      if (codec == CompressionCodecName.ZSTD) {
        return BytesInput.from(Zstd.compress(in, ZSTD_LEVEL));
      }
      return BytesInput.from(Snappy.compress(in));
    }

    @Override
    public CompressionCodecName getCodecName() {
      return codec;
    }

    @Override
    public void release() {}
  }

  private record Decompressor(CompressionCodecName codec) implements BytesInputDecompressor {
    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      // uncompressedSize comes from a page header that ParquetBytes.checkPages held to the limit
      byte[] in = bytes.toByteArray();
      byte[] out = new byte[uncompressedSize];
      long n;
      if (codec == CompressionCodecName.ZSTD) {
        n = Zstd.decompressByteArray(out, 0, out.length, in, 0, in.length);
        if (Zstd.isError(n)) {
          throw new IOException("zstd: " + Zstd.getErrorName(n));
        }
      } else {
        int length = Snappy.uncompressedLength(in);
        if (length != uncompressedSize) {
          throw new IOException(
              "snappy: the page holds " + length + " bytes, its header says " + uncompressedSize);
        }
        n = Snappy.uncompress(in, 0, in.length, out, 0);
      }
      if (n != uncompressedSize) {
        throw new IOException(
            "the page decompresses to " + n + " bytes, its header says " + uncompressedSize);
      }
      return BytesInput.from(out);
    }

    @Override
    public void decompress(
        ByteBuffer input, int compressedSize, ByteBuffer output, int decompressedSize)
        throws IOException {
      byte[] in = new byte[compressedSize];
      input.duplicate().get(in);
      byte[] out = decompress(BytesInput.from(in), decompressedSize).toByteArray();
      output.put(out);
    }

    @Override
    public void release() {}
  }
}
