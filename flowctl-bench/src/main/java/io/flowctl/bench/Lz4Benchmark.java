package io.flowctl.bench;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.codec.internal.FastCompressionFactory;
import io.flowctl.testing.BatchData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.commons.compress.compressors.lz4.BlockLZ4CompressorOutputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorOutputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * LZ4_FRAME IPC round trips of one token-transfer batch: Arrow Java's commons-compress codec (the
 * baseline) against ours on lz4-java, through the same plain Arrow writer and reader, and through
 * the event codec. Small batches, because the baseline's compressor slows down sharply with buffer
 * size.
 */
public class Lz4Benchmark extends ThroughputBenchmark {
  @Param({"1024"})
  public int rows;

  private BufferAllocator allocator;
  private BatchData.Written batch;
  private ArrowEventCodec lz4;

  @Setup(Level.Trial)
  public void setUp() {
    allocator = new RootAllocator();
    batch = TtpData.rows(rows).write(allocator);
    lz4 = ArrowEventCodec.builder().compression(Compression.LZ4).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    batch.close();
    allocator.close();
  }

  @Benchmark
  public long commonsLz4() throws IOException {
    return CodecBenchmark.plainRoundTrip(
        batch.root(),
        allocator,
        CommonsCompressionFactory.INSTANCE,
        CompressionUtil.CodecType.LZ4_FRAME);
  }

  @Benchmark
  public long ourLz4() throws IOException {
    return CodecBenchmark.plainRoundTrip(
        batch.root(),
        allocator,
        FastCompressionFactory.INSTANCE,
        CompressionUtil.CodecType.LZ4_FRAME);
  }

  @Benchmark
  public long eventLz4() {
    return CodecBenchmark.eventRoundTrip(lz4, batch, allocator);
  }

  /**
   * 1 MiB of linked 64 KiB blocks (commons-compress's writer with block dependency, as Arrow C++
   * and lz4js write them) decoded by commons-compress's frame reader, the baseline of {@link
   * #linkedOurs}.
   */
  @Benchmark
  public int linkedCommons() throws IOException {
    return new FramedLZ4CompressorInputStream(new ByteArrayInputStream(linkedFrame))
        .readAllBytes()
        .length;
  }

  /** The same frame through our codec (the tolerant block decoder for linked blocks). */
  @Benchmark
  public long linkedOurs() {
    ArrowBuf in = allocator.buffer(8 + linkedFrame.length);
    in.setLong(0, LINKED_BYTES);
    in.setBytes(8, linkedFrame);
    in.writerIndex(8 + linkedFrame.length);
    try (ArrowBuf out = codec.decompress(allocator, in)) { // takes and closes `in`
      return out.writerIndex();
    }
  }

  static final int LINKED_BYTES = 1 << 20;
  private byte[] linkedFrame;
  private CompressionCodec codec;

  @Setup(Level.Trial)
  public void setUpLinked() throws IOException {
    codec = FastCompressionFactory.INSTANCE.createCodec(CompressionUtil.CodecType.LZ4_FRAME);
    StringBuilder text = new StringBuilder();
    for (int i = 0; text.length() < LINKED_BYTES; i++) {
      text.append(i)
          .append(",GDQ")
          .append(Integer.toHexString(i * 7919))
          .append(",USDC,")
          .append(i % 1000)
          .append(".")
          .append(i % 97)
          .append('\n');
    }
    byte[] data = java.util.Arrays.copyOf(text.toString().getBytes(), LINKED_BYTES);
    var parameters =
        new FramedLZ4CompressorOutputStream.Parameters(
            FramedLZ4CompressorOutputStream.BlockSize.K64,
            false,
            false,
            true,
            BlockLZ4CompressorOutputStream.createParameterBuilder().build());
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    try (OutputStream out = new FramedLZ4CompressorOutputStream(frame, parameters)) {
      out.write(data);
    }
    linkedFrame = frame.toByteArray();
  }
}
