package io.flowctl.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The 2,000,000-row token-transfer-like Parquet file, written by DuckDB (an implementation
 * other than ours), and DuckDB's single-threaded read and write of it: the whole-process baseline
 * of {@code docs/benchmarks.md}.
 *
 * <pre>
 * java -cp flowctl-bench/target/benchmarks.jar io.flowctl.bench.BigParquet generate big.parquet
 * java -cp … io.flowctl.bench.BigParquet duckdb-read big.parquet      # into DuckDB's own columns
 * java -cp … io.flowctl.bench.BigParquet duckdb-write big.parquet out.parquet
 * </pre>
 */
public final class BigParquet {
  private BigParquet() {}

  /** The rows, row-group size and columns the issue measured with. */
  static final String SELECT =
      "SELECT i::BIGINT AS ledger_sequence,"
          + " (i % 100000)::INTEGER AS event_index,"
          + " (i % 300)::SMALLINT AS op_index,"
          + " md5((i // 4)::VARCHAR) || substr(md5((i // 4 * 7)::VARCHAR), 1, (i // 4 % 33)::INTEGER) AS tx_hash,"
          + " CASE WHEN i % 10 = 0 THEN NULL"
          + "  ELSE 'G' || upper(substr(md5((i % 30000)::VARCHAR), 1, 31)) END AS from_account,"
          + " CASE WHEN i % 13 = 0 THEN NULL"
          + "  ELSE 'G' || upper(md5((i % 24000 + 3)::VARCHAR)) || 'XLM' END AS to_account,"
          + " TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_microseconds(i * 1000) AS closed_at,"
          + " (((i * 7919) % 100000000000)::DECIMAL(38,7) / 10000)::DECIMAL(38,7) AS amount,"
          + " CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 100000) / 3.0 END::DOUBLE AS price"
          + " FROM range(?) t(i)";

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println(
          "usage: BigParquet generate FILE [ROWS] | duckdb-read FILE | duckdb-write FILE OUT");
      System.exit(2);
    }
    long start = System.nanoTime();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute("SET threads = 1");
      switch (args[0]) {
        case "generate" -> {
          long rows = args.length > 2 ? Long.parseLong(args[2]) : 2_000_000L;
          Files.deleteIfExists(Path.of(args[1]));
          s.execute(
              "COPY ("
                  + SELECT.replace("?", Long.toString(rows))
                  + ") TO '"
                  + sql(args[1])
                  + "' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)");
          System.out.println(args[1] + ": " + Files.size(Path.of(args[1])) + " bytes");
        }
        case "duckdb-read" -> read(s, args[1]);
        case "duckdb-write" -> {
          read(s, args[1]);
          long w = System.nanoTime();
          s.execute(
              "COPY t TO '"
                  + sql(args[2])
                  + "' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 65536)");
          System.out.printf("write: %.2f s%n", (System.nanoTime() - w) / 1e9);
        }
        default -> {
          System.err.println("unknown command " + args[0]);
          System.exit(2);
        }
      }
    }
    System.out.printf("in process: %.2f s%n", (System.nanoTime() - start) / 1e9);
  }

  /** Reads every column of the file into DuckDB's own table: the read a reader into Arrow does. */
  static void read(Statement s, String file) throws SQLException {
    long r = System.nanoTime();
    s.execute("CREATE TABLE t AS SELECT * FROM read_parquet('" + sql(file) + "')");
    System.out.printf("read: %.2f s%n", (System.nanoTime() - r) / 1e9);
  }

  private static String sql(String path) {
    return path.replace("'", "''");
  }
}
