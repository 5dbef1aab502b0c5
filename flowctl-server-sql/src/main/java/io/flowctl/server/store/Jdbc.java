package io.flowctl.server.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flowctl.server.schema.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * One SQL database under the stores: a HikariCP pool (or the caller's {@link DataSource}), the
 * tables and their migrations, and calls that turn SQL failures into {@link StoreException}s naming
 * the database and what was being done. A dropped connection is replaced by the pool; work that
 * gives the same result when repeated is tried once more on a new connection, work whose outcome is
 * then unknown (an append, a create) is not.
 */
final class Jdbc implements AutoCloseable {
  /** How long a call waits for a PostgreSQL connection before it fails as unavailable. */
  static final Duration POSTGRES_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private final DataSource dataSource;
  private final AutoCloseable owned;
  final String where;

  /** SQLite: one process's file. PostgreSQL: a database replicas share. */
  final boolean sqlite;

  Jdbc(DataSource dataSource, AutoCloseable owned, String where, boolean sqlite) {
    this.dataSource = dataSource;
    this.owned = owned;
    this.where = where;
    this.sqlite = sqlite;
    String blob = sqlite ? "BLOB" : "BYTEA";
    once(
        "cannot prepare the tables",
        c -> {
          try (Statement s = c.createStatement()) {
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_schema_versions ("
                    + "subject TEXT NOT NULL, version INTEGER NOT NULL, schema_ipc "
                    + blob
                    + " NOT NULL, fingerprint TEXT NOT NULL, fingerprint_with_metadata TEXT NOT"
                    + " NULL, registered_at TEXT NOT NULL, registered_by TEXT NOT NULL,"
                    + " PRIMARY KEY (subject, version))");
            // state: 0 live, 1 soft-deleted, 2 deleted for good (a row without its definition
            // that keeps the number from being used again)
            addColumn(c, s, "flowctl_schema_versions", "state", "INTEGER NOT NULL DEFAULT 0");
            s.execute(
                "CREATE INDEX IF NOT EXISTS flowctl_schema_versions_fingerprint"
                    + " ON flowctl_schema_versions (fingerprint)");
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_subject_policies ("
                    + "subject TEXT PRIMARY KEY, policy TEXT NOT NULL)");
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_subject_modes ("
                    + "subject TEXT PRIMARY KEY, mode TEXT NOT NULL)");
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_pipeline_runs ("
                    + "run_id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL, status INTEGER NOT"
                    + " NULL, started_at TEXT NOT NULL, run "
                    + blob
                    + " NOT NULL, owner TEXT NOT NULL DEFAULT '')");
            addColumn(c, s, "flowctl_pipeline_runs", "owner", "TEXT NOT NULL DEFAULT ''");
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_services ("
                    + "service_id TEXT PRIMARY KEY, info "
                    + blob
                    + " NOT NULL, registered_at TEXT NOT NULL, last_heartbeat TEXT NOT NULL,"
                    + " metrics "
                    + blob
                    + " NOT NULL, version BIGINT NOT NULL DEFAULT 1)");
            addColumn(c, s, "flowctl_services", "version", "BIGINT NOT NULL DEFAULT 1");
          }
          return null;
        });
  }

  /**
   * An SQLite file, created with its parent directories (owner-only) when missing. One connection:
   * SQLite takes one writer at a time anyway, and calls queue for it.
   */
  static Jdbc sqlite(Path file) {
    Path absolute = file.toAbsolutePath();
    try {
      Path parent = absolute.getParent();
      if (parent != null && !Files.exists(parent)) {
        Files.createDirectories(parent);
        restrict(parent, "rwx------");
      }
      if (!Files.exists(absolute)) {
        // The store holds every registration and schema: readable by its owner only. SQLite gives
        // its -wal and -shm files the database file's permissions.
        Files.createFile(absolute);
        restrict(absolute, "rw-------");
      }
    } catch (java.io.IOException e) {
      throw new StoreException("cannot open the SQLite store " + file + ": " + e.getMessage(), e);
    }
    HikariConfig config = new HikariConfig();
    config.setPoolName("flowctl-sqlite");
    config.setJdbcUrl("jdbc:sqlite:" + absolute);
    config.setMaximumPoolSize(1);
    config.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
    config.addDataSourceProperty("journal_mode", "WAL");
    config.addDataSourceProperty("synchronous", "FULL");
    config.addDataSourceProperty("busy_timeout", "5000");
    return open(config, "SQLite", file.toString(), true);
  }

  private static void restrict(Path p, String permissions) throws java.io.IOException {
    try {
      Files.setPosixFilePermissions(
          p, java.nio.file.attribute.PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException notPosix) {
      // a file system without POSIX permissions
    }
  }

  /**
   * PostgreSQL ({@code jdbc:postgresql://host/db}) on a pool of four connections; a call waits at
   * most two seconds for one while the database is unreachable.
   */
  static Jdbc postgres(String url, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("flowctl-postgres");
    config.setJdbcUrl(url);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(4);
    config.setConnectionTimeout(POSTGRES_CONNECT_TIMEOUT.toMillis());
    config.setValidationTimeout(Math.min(1000, POSTGRES_CONNECT_TIMEOUT.toMillis() / 2));
    return open(config, "PostgreSQL", url, false);
  }

  private static Jdbc open(HikariConfig config, String kind, String where, boolean sqlite) {
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new StoreException(
          "cannot open the " + kind + " store " + where + ": " + cause.getMessage(), e);
    }
    try {
      return new Jdbc(pool, pool, where, sqlite);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /** Closes the pool the store opened; a caller's data source stays open. */
  @Override
  public void close() {
    if (owned == null) {
      return;
    }
    try {
      owned.close();
    } catch (Exception e) {
      throw new StoreException(where + ": cannot close (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Databases made by an earlier version gain a column: runs their owner (old runs belong to no
   * one), services the version that tells replicas a registration changed.
   */
  private static void addColumn(
      Connection c, Statement s, String table, String column, String definition)
      throws SQLException {
    try (ResultSet cols = c.getMetaData().getColumns(null, null, table, column)) {
      if (cols.next()) {
        return;
      }
    }
    try {
      s.execute("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition);
    } catch (SQLException e) {
      // A replica starting at the same time may have added it first.
      try (ResultSet cols = c.getMetaData().getColumns(null, null, table, column)) {
        if (!cols.next()) {
          throw e;
        }
      }
    }
  }

  /** One number a query answers, with its text parameters. */
  long scalar(String what, String sql, String... params) {
    return retried(
        what,
        c -> {
          try (PreparedStatement q = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
              q.setString(i + 1, params[i]);
            }
            try (ResultSet r = q.executeQuery()) {
              r.next();
              return r.getLong(1);
            }
          }
        });
  }

  /** Reads one row of a result. */
  @FunctionalInterface
  interface Row<T> {
    T of(ResultSet r) throws SQLException, InvalidProtocolBufferException;
  }

  /**
   * The first row a query with one text parameter answers, if any (retried on a lost connection).
   */
  <T> java.util.Optional<T> one(String what, String sql, String param, Row<T> row) {
    return retried(
        what,
        c -> {
          try (PreparedStatement q = c.prepareStatement(sql)) {
            q.setString(1, param);
            try (ResultSet r = q.executeQuery()) {
              return r.next() ? java.util.Optional.of(row.of(r)) : java.util.Optional.<T>empty();
            }
          }
        });
  }

  /**
   * Every row a query answers, its parameters bound by {@code bind} (retried on a lost connection).
   */
  <T> java.util.List<T> all(String what, String sql, Binder bind, Row<T> row) {
    return retried(
        what,
        c -> {
          try (PreparedStatement q = c.prepareStatement(sql)) {
            bind.bind(q);
            java.util.List<T> out = new java.util.ArrayList<>();
            try (ResultSet r = q.executeQuery()) {
              while (r.next()) {
                out.add(row.of(r));
              }
            }
            return out;
          }
        });
  }

  /** Work on one connection. */
  @FunctionalInterface
  interface Work<T> {
    T on(Connection c) throws SQLException, InvalidProtocolBufferException;
  }

  /** Parameters of one statement. */
  @FunctionalInterface
  interface Binder {
    void bind(PreparedStatement s) throws SQLException;
  }

  /** Work that must not be repeated: its outcome is unknown when the connection is lost. */
  <T> T once(String what, Work<T> work) {
    return call(what, work, false);
  }

  /** Work that gives the same result when repeated, tried again on a lost connection. */
  <T> T retried(String what, Work<T> work) {
    return call(what, work, true);
  }

  private <T> T call(String what, Work<T> work, boolean retry) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        return work.on(c);
      } catch (SQLException e) {
        if (retry && attempt == 1 && connectionLost(e)) {
          continue; // the pool has dropped that connection; the next one is new
        }
        throw new StoreException(where + ": " + what + " (" + describe(e) + ")", e);
      } catch (InvalidProtocolBufferException e) {
        throw new StoreException(where + ": " + what + " (" + e.getMessage() + ")", e);
      }
    }
  }

  /**
   * Update the row, or insert it when there is none; when another replica inserts it in between,
   * update again.
   */
  static Void upsert(Connection c, String updateSql, Binder update, String insertSql, Binder insert)
      throws SQLException {
    try (PreparedStatement u = c.prepareStatement(updateSql)) {
      update.bind(u);
      if (u.executeUpdate() > 0) {
        return null;
      }
    }
    try (PreparedStatement i = c.prepareStatement(insertSql)) {
      insert.bind(i);
      i.executeUpdate();
    } catch (SQLException e) {
      if (!isDuplicateKey(e)) {
        throw e;
      }
      try (PreparedStatement u = c.prepareStatement(updateSql)) {
        update.bind(u);
        u.executeUpdate();
      }
    }
    return null;
  }

  /**
   * A failure of the connection rather than of the statement: SQL state class 08, or the server
   * shutting down (57P01–57P03).
   */
  static boolean connectionLost(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        String state = s.getSQLState();
        if (state.startsWith("08") || state.startsWith("57P0")) {
          return true;
        }
      }
    }
    return false;
  }

  private static String describe(SQLException e) {
    String message = String.valueOf(e.getMessage());
    Throwable cause = e.getCause();
    return cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())
        ? message + ": " + cause.getMessage()
        : message;
  }

  static boolean isDuplicateKey(SQLException e) {
    String state = e.getSQLState();
    String m = e.getMessage() == null ? "" : e.getMessage();
    return "23505".equals(state)
        || m.contains("UNIQUE constraint failed")
        || m.contains("PRIMARYKEY");
  }
}
