package io.flowctl.bench;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.codec.FastCompressionFactory;
import io.flowctl.testing.BatchData;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.compression.CommonsCompressionFactory;
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
 * LZ4_FRAME IPC round trips of one token-transfer batch: Arrow Java's commons-compress codec (the
 * baseline) against ours on lz4-java, through the same plain Arrow writer and reader, and through
 * the event codec. Small batches, because the baseline's compressor slows down sharply with buffer
 * size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {BenchJvm.ADD_OPENS, "-Xmx2g"})
public class Lz4Benchmark {
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
}
