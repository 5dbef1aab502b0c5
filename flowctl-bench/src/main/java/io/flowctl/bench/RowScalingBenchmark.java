package io.flowctl.bench;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.Compression;
import io.flowctl.testing.BatchData;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How the cost of one event round trip (encode, decode, load) grows with the rows in the batch,
 * next to plain Arrow IPC on a byte array measured in the same run: time per batch, so a straight
 * line through the origin means a constant cost per row.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {BenchJvm.ADD_OPENS, "-Xmx2g"})
public class RowScalingBenchmark {
  @Param({"1024", "16384", "65536", "262144"})
  public int rows;

  private BufferAllocator allocator;
  private BatchData.Written batch;
  private ArrowEventCodec none;
  private ArrowEventCodec lz4;
  private ArrowEventCodec zstd;

  @Setup(Level.Trial)
  public void setUp() {
    allocator = new RootAllocator();
    batch = TtpData.rows(rows).write(allocator);
    none = ArrowEventCodec.builder().build();
    lz4 = ArrowEventCodec.builder().compression(Compression.LZ4).build();
    zstd = ArrowEventCodec.builder().compression(Compression.ZSTD).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    batch.close();
    allocator.close();
  }

  @Benchmark
  public long plainIpc() throws IOException {
    return CodecBenchmark.plainRoundTrip(
        batch.root(), allocator, null, CompressionUtil.CodecType.NO_COMPRESSION);
  }

  @Benchmark
  public long event() {
    return CodecBenchmark.eventRoundTrip(none, batch, allocator);
  }

  @Benchmark
  public long eventLz4() {
    return CodecBenchmark.eventRoundTrip(lz4, batch, allocator);
  }

  @Benchmark
  public long eventZstd() {
    return CodecBenchmark.eventRoundTrip(zstd, batch, allocator);
  }
}
