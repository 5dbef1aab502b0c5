package io.flowctl.bench;

import com.google.protobuf.ByteString;
import io.flowctl.client.codec.EventCodec;
import io.flowctl.parquet.ParquetCompression;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.parquet.ParquetEventReader;
import io.flowctl.proto.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Parquet read and write of the 2,000,000-row token-transfer-like file (written by DuckDB,
 * zstd, row groups of 65,536), ours against DuckDB single-threaded in the same run:
 *
 * <ul>
 *   <li>read: ours decodes the file (in memory) into Arrow batches of 65,536 rows; DuckDB reads it
 *       (from the page cache) into a table of its own columns;
 *   <li>write: ours encodes the same rows, held as Arrow batches, into a zstd Parquet payload;
 *       DuckDB copies its table into a zstd Parquet file with the same row groups.
 * </ul>
 */
@Measurement(iterations = 5, time = 4)
public class ParquetEngineBenchmark extends ThroughputBenchmark {
  @Param({"2000000"})
  public long rows;

  private Path dir;
  private Path file;
  private Event event;
  private BufferAllocator allocator;
  private VectorSchemaRoot root;
  private final List<ArrowRecordBatch> batches = new ArrayList<>();
  private ParquetEventCodec read;
  private ParquetEventCodec write;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("flowctl-parquet-bench");
    file = dir.resolve("big.parquet");
    // DuckDB writes the file in a process of its own: loaded into this one, its native library
    // left glibc's allocator handing out freshly mapped memory for every large buffer in some
    // forks (page faults and zeroing: 10-20x slower Arrow decoding, measured in CodecBenchmark),
    // so only the forks that measure DuckDB load it (the Duckdb state).
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                BigParquet.class.getName(),
                "generate",
                file.toString(),
                Long.toString(rows))
            .inheritIO()
            .start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("BigParquet generate failed: exit " + p.exitValue());
    }
    byte[] bytes = Files.readAllBytes(file);
    read = ParquetEventCodec.builder().batchRows(65_536).maxDecodedBytes(1L << 30).build();
    write =
        ParquetEventCodec.builder()
            .compression(ParquetCompression.ZSTD)
            .rowGroupRows(65_536)
            .build();
    event = read.wrap(ByteString.copyFrom(bytes));
    allocator = new RootAllocator();
    try (ParquetEventReader in = read.decode(event, allocator)) {
      root = VectorSchemaRoot.create(in.schema(), allocator);
      while (in.loadNextBatch()) {
        // Moved out of the reader's allocator, which closes with the reader.
        try (VectorSchemaRoot copy = VectorSchemaRoot.create(in.schema(), allocator)) {
          for (int i = 0; i < copy.getFieldVectors().size(); i++) {
            in.root().getVector(i).makeTransferPair(copy.getVector(i)).transfer();
          }
          copy.setRowCount(in.root().getRowCount());
          batches.add(new VectorUnloader(copy).getRecordBatch());
        }
      }
    }
    System.out.printf(
        "file: %,d bytes, %,d rows; ours (zstd) writes %,d bytes%n",
        bytes.length, rows, writeOurs().getPayload().size());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws SQLException, IOException {
    batches.forEach(ArrowRecordBatch::close);
    root.close();
    allocator.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  @Benchmark
  public long readOurs() {
    long n = 0;
    try (ParquetEventReader in = read.decode(event, allocator)) {
      while (in.loadNextBatch()) {
        n += in.root().getRowCount();
      }
    }
    return n;
  }

  /** DuckDB with the file loaded as a table, single-threaded; only DuckDB's forks build it. */
  @State(Scope.Benchmark)
  public static class Duckdb {
    Connection duckdb;
    Statement sql;

    @Setup(Level.Trial)
    public void setUp(ParquetEngineBenchmark b) throws SQLException {
      duckdb = DriverManager.getConnection("jdbc:duckdb:");
      sql = duckdb.createStatement();
      sql.execute("SET threads = 1");
      sql.execute("CREATE TABLE t AS SELECT * FROM read_parquet('" + b.file + "')");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
      sql.close();
      duckdb.close();
    }
  }

  @Benchmark
  public boolean readDuckdb(Duckdb d) throws SQLException {
    return d.sql.execute("CREATE OR REPLACE TABLE r AS SELECT * FROM read_parquet('" + file + "')");
  }

  @Benchmark
  public Event writeOurs() {
    VectorLoader loader = new VectorLoader(root);
    try (EventCodec.Writer w = write.newWriter(root, null)) {
      for (ArrowRecordBatch b : batches) {
        loader.load(b);
        w.writeBatch();
      }
      return w.finish();
    }
  }

  @Benchmark
  public boolean writeDuckdb(Duckdb d) throws SQLException {
    return d.sql.execute(
        "COPY t TO '"
            + dir.resolve("copy.parquet")
            + "' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)");
  }
}
