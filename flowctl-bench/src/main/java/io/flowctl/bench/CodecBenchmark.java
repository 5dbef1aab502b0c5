package io.flowctl.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.Compression;
import io.flowctl.parquet.ParquetCompression;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.parquet.ParquetEventReader;
import io.flowctl.proto.Event;
import io.flowctl.testing.BatchData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compression.CompressionCodec;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One round trip (encode, then decode every batch) of a 64k-row token-transfer batch. Baselines in
 * the same run: plain {@code ArrowStreamWriter}/{@code ArrowStreamReader} on a byte array, the same
 * with Arrow Java's own (commons-compress) LZ4, and one protobuf {@code Event} per row.
 */
public class CodecBenchmark extends ThroughputBenchmark {
  static final int ROWS = 65_536;

  private BufferAllocator allocator;
  private BatchData.Written batch;
  private ArrowEventCodec none;
  private ArrowEventCodec lz4;
  private ArrowEventCodec zstd;
  private ArrowEventCodec zstdParallel;
  private java.nio.ByteBuffer[] raw;
  private java.nio.ByteBuffer[] packed;
  private java.nio.ByteBuffer[] unpacked;
  private com.github.luben.zstd.ZstdCompressCtx zstdCompress;
  private com.github.luben.zstd.ZstdDecompressCtx zstdDecompress;
  private ParquetEventCodec parquetNone;
  private ParquetEventCodec parquetSnappy;
  private ParquetEventCodec parquetZstd;
  private Event[] perRow;

  @Setup(Level.Trial)
  public void setUp() {
    allocator = new RootAllocator();
    batch = TtpData.rows(ROWS).write(allocator);
    none = ArrowEventCodec.builder().build();
    lz4 = ArrowEventCodec.builder().compression(Compression.LZ4).build();
    zstd = ArrowEventCodec.builder().compression(Compression.ZSTD).build();
    zstdParallel =
        ArrowEventCodec.builder().compression(Compression.ZSTD).compressionThreads(2).build();
    zstdBaseline();
    parquetNone = ParquetEventCodec.builder().compression(ParquetCompression.NONE).build();
    parquetSnappy = ParquetEventCodec.builder().compression(ParquetCompression.SNAPPY).build();
    parquetZstd = ParquetEventCodec.builder().compression(ParquetCompression.ZSTD).build();
    perRow = perRowEvents(batch.root());
    System.out.println(
        "payload bytes (uncompressed, lz4, zstd; parquet none, snappy, zstd): "
            + none.encode(batch.root()).getPayload().size()
            + ", "
            + lz4.encode(batch.root()).getPayload().size()
            + ", "
            + zstd.encode(batch.root()).getPayload().size()
            + "; "
            + parquetNone.encode(batch.root()).getPayload().size()
            + ", "
            + parquetSnappy.encode(batch.root()).getPayload().size()
            + ", "
            + parquetZstd.encode(batch.root()).getPayload().size());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws java.sql.SQLException, IOException {
    zstdCompress.close();
    zstdDecompress.close();
    batch.close();
    allocator.close();
  }

  @Benchmark
  public long plainIpc() throws IOException {
    return plainRoundTrip(batch.root(), allocator, null, CompressionUtil.CodecType.NO_COMPRESSION);
  }

  /**
   * The denominator of the Parquet round trip's ratio, and the goal pair {@link #eventZstd} /
   * {@link #zstdJni}: three forks each, as one fork of them varied by a fifth from the next.
   */
  @Fork(
      value = 3,
      jvmArgsAppend = {BenchJvm.ADD_OPENS, BenchJvm.XMS, BenchJvm.XMX, BenchJvm.PRE_TOUCH})
  @Benchmark
  public long event() {
    return eventRoundTrip(none);
  }

  @Benchmark
  public long eventLz4() {
    return eventRoundTrip(lz4);
  }

  @Fork(
      value = 3,
      jvmArgsAppend = {BenchJvm.ADD_OPENS, BenchJvm.XMS, BenchJvm.XMX, BenchJvm.PRE_TOUCH})
  @Benchmark
  public long eventZstd() {
    return eventRoundTrip(zstd);
  }

  /** ZSTD events with a batch's buffers compressed on two threads. */
  @Fork(
      value = 3,
      jvmArgsAppend = {BenchJvm.ADD_OPENS, BenchJvm.XMS, BenchJvm.XMX, BenchJvm.PRE_TOUCH})
  @Benchmark
  public long eventZstdParallel() {
    return eventRoundTrip(zstdParallel);
  }

  /**
   * zstd's own limit: zstd-jni compresses and decompresses the batch's buffers, at the codec's
   * level (1) with reused contexts, between buffers allocated once; no Arrow, no IPC, no event.
   */
  @Fork(
      value = 3,
      jvmArgsAppend = {BenchJvm.ADD_OPENS, BenchJvm.XMS, BenchJvm.XMX, BenchJvm.PRE_TOUCH})
  @Benchmark
  public long zstdJni() {
    long n = 0;
    for (int i = 0; i < raw.length; i++) {
      packed[i].clear();
      unpacked[i].clear();
      int c =
          zstdCompress.compressDirectByteBuffer(
              packed[i], 0, packed[i].capacity(), raw[i], 0, raw[i].remaining());
      n +=
          zstdDecompress.decompressDirectByteBuffer(
              unpacked[i], 0, unpacked[i].capacity(), packed[i], 0, c);
    }
    return n;
  }

  /**
   * DuckDB, loaded only in the fork that measures it: in the others its native library left glibc's
   * allocator handing out freshly mapped memory for every large Arrow buffer in some forks (page
   * faults and zeroing made {@code event} 10-20x slower in them).
   */
  @State(org.openjdk.jmh.annotations.Scope.Benchmark)
  public static class Duckdb {
    java.nio.file.Path dir;
    java.sql.Connection duckdb;
    java.sql.Statement sql;

    /** Its table, loaded once from our Parquet encoding of the same batch. */
    @Setup(Level.Trial)
    public void setUp(CodecBenchmark b) {
      try {
        dir = java.nio.file.Files.createTempDirectory("flowctl-codec-bench");
        java.nio.file.Path in = dir.resolve("batch.parquet");
        java.nio.file.Files.write(
            in,
            b.parquetNone
                .encode(b.batch.root(), b.batch.dictionaries())
                .getPayload()
                .toByteArray());
        duckdb = java.sql.DriverManager.getConnection("jdbc:duckdb:");
        sql = duckdb.createStatement();
        sql.execute("SET threads = 1");
        sql.execute("CREATE TABLE t AS SELECT * FROM read_parquet('" + in + "')");
      } catch (IOException | java.sql.SQLException e) {
        throw new IllegalStateException("cannot start DuckDB for the baseline", e);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws java.sql.SQLException, IOException {
      sql.close();
      duckdb.close();
      try (var files = java.nio.file.Files.walk(dir)) {
        for (var p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * DuckDB's Parquet round trip of the same rows, single-threaded: its table written as an
   * uncompressed Parquet file, and read back into a table. The file lives in the page cache; ours
   * never leaves the heap.
   */
  @Benchmark
  public boolean parquetDuckdb(Duckdb d) throws java.sql.SQLException {
    d.sql.execute(
        "COPY t TO '"
            + d.dir.resolve("rt.parquet")
            + "' (FORMAT parquet, COMPRESSION uncompressed)");
    return d.sql.execute(
        "CREATE OR REPLACE TABLE r AS SELECT * FROM read_parquet('"
            + d.dir.resolve("rt.parquet")
            + "')");
  }

  private void zstdBaseline() {
    java.util.List<java.nio.ByteBuffer> buffers = new java.util.ArrayList<>();
    for (org.apache.arrow.vector.FieldVector v : batch.root().getFieldVectors()) {
      addBuffers(v, buffers);
    }
    raw = buffers.toArray(new java.nio.ByteBuffer[0]);
    packed = new java.nio.ByteBuffer[raw.length];
    unpacked = new java.nio.ByteBuffer[raw.length];
    for (int i = 0; i < raw.length; i++) {
      packed[i] =
          java.nio.ByteBuffer.allocateDirect(
              (int) com.github.luben.zstd.Zstd.compressBound(raw[i].remaining()));
      unpacked[i] = java.nio.ByteBuffer.allocateDirect(raw[i].remaining());
    }
    zstdCompress = new com.github.luben.zstd.ZstdCompressCtx().setLevel(1);
    zstdDecompress = new com.github.luben.zstd.ZstdDecompressCtx();
  }

  private static void addBuffers(
      org.apache.arrow.vector.FieldVector v, java.util.List<java.nio.ByteBuffer> out) {
    for (org.apache.arrow.memory.ArrowBuf b : v.getFieldBuffers()) {
      if (b.writerIndex() > 0) {
        out.add(b.nioBuffer(0, (int) b.writerIndex()));
      }
    }
    for (org.apache.arrow.vector.FieldVector child : v.getChildrenFromFields()) {
      addBuffers(child, out);
    }
  }

  @Benchmark
  public long parquet() {
    return parquetRoundTrip(parquetNone);
  }

  @Benchmark
  public long parquetSnappy() {
    return parquetRoundTrip(parquetSnappy);
  }

  @Benchmark
  public long parquetZstd() {
    return parquetRoundTrip(parquetZstd);
  }

  private long parquetRoundTrip(ParquetEventCodec codec) {
    Event e = codec.encode(batch.root(), batch.dictionaries());
    long rows = 0;
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        rows += in.root().getRowCount();
      }
    }
    return rows;
  }

  /** One protobuf Event per row, fields as metadata strings: serialize and parse each. */
  @Benchmark
  public long protobufPerRow() throws InvalidProtocolBufferException {
    long n = 0;
    for (Event e : perRow) {
      Event back = Event.parseFrom(e.toByteArray());
      n += back.getMetadataCount();
    }
    return n;
  }

  private long eventRoundTrip(ArrowEventCodec codec) {
    return eventRoundTrip(codec, batch, allocator);
  }

  static long eventRoundTrip(
      ArrowEventCodec codec, BatchData.Written batch, BufferAllocator allocator) {
    Event e = codec.encode(batch.root(), batch.dictionaries());
    long rows = 0;
    try (ArrowEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        rows += in.root().getRowCount();
      }
    }
    return rows;
  }

  static long plainRoundTrip(
      VectorSchemaRoot root,
      BufferAllocator allocator,
      CompressionCodec.Factory factory,
      CompressionUtil.CodecType type)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ArrowStreamWriter w =
        factory == null
            ? new ArrowStreamWriter(root, null, out)
            : new ArrowStreamWriter(
                root, null, Channels.newChannel(out), IpcOption.DEFAULT, factory, type)) {
      w.start();
      w.writeBatch();
      w.end();
    }
    long rows = 0;
    try (ArrowStreamReader r =
        new ArrowStreamReader(
            new ByteArrayInputStream(out.toByteArray()),
            allocator,
            factory == null ? CommonsCompressionFactory.INSTANCE : factory)) {
      while (r.loadNextBatch()) {
        rows += r.getVectorSchemaRoot().getRowCount();
      }
    }
    return rows;
  }

  private static Event[] perRowEvents(VectorSchemaRoot root) {
    Event[] out = new Event[root.getRowCount()];
    for (int i = 0; i < out.length; i++) {
      Event.Builder b = Event.newBuilder().setEventType("stellar.token_transfer");
      for (FieldVector v : root.getFieldVectors()) {
        Object o = v.getObject(i);
        if (o != null) {
          b.putMetadata(v.getName(), o.toString());
        }
      }
      out[i] = b.setPayload(ByteString.EMPTY).build();
    }
    return out;
  }
}
