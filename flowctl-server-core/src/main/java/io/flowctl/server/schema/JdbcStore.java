package io.flowctl.server.schema;

import com.google.protobuf.InvalidProtocolBufferException;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flowctl.schema.EvolutionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * A store in an SQL database: an embedded SQLite file (the default; write-ahead log, synchronous
 * commits, so an acknowledged registration survives a crash) or PostgreSQL, shared by several
 * control-plane replicas. A version is appended only if it is one more than the latest, in one
 * statement, and the (subject, version) primary key settles races between replicas.
 *
 * <p>Connections come from a HikariCP pool (or the caller's {@link DataSource}), so a dropped
 * database connection is replaced instead of failing the store for good. While the database is
 * unreachable every call fails with a {@link StoreException} ({@code UNAVAILABLE}) after at most
 * the pool's connection timeout; when it is back, the next call gets a new connection. Reads and
 * idempotent writes that meet a connection lost in flight are tried once more on a new connection;
 * an append, whose outcome is then unknown, is not: the caller retries and the version check
 * decides.
 */
public final class JdbcStore
    implements SchemaStore,
        io.flowctl.server.registry.ServiceStore,
        io.flowctl.server.runs.PipelineRunStore,
        AutoCloseable {
  /** How long a call waits for a PostgreSQL connection before it fails as unavailable. */
  static final Duration POSTGRES_CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private final DataSource dataSource;
  private final AutoCloseable owned;
  private final String where;

  private JdbcStore(DataSource dataSource, AutoCloseable owned, String where, boolean sqlite) {
    this.dataSource = dataSource;
    this.owned = owned;
    this.where = where;
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
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_subject_policies ("
                    + "subject TEXT PRIMARY KEY, policy TEXT NOT NULL)");
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_pipeline_runs ("
                    + "run_id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL, status INTEGER NOT"
                    + " NULL, started_at TEXT NOT NULL, run "
                    + blob
                    + " NOT NULL, owner TEXT NOT NULL DEFAULT '')");
            addOwnerColumn(c, s);
            s.execute(
                "CREATE TABLE IF NOT EXISTS flowctl_services ("
                    + "service_id TEXT PRIMARY KEY, info "
                    + blob
                    + " NOT NULL, registered_at TEXT NOT NULL, last_heartbeat TEXT NOT NULL,"
                    + " metrics "
                    + blob
                    + " NOT NULL)");
          }
          return null;
        });
  }

  /**
   * An SQLite file store, created with its parent directories when missing. One connection: SQLite
   * takes one writer at a time anyway, and calls queue for it.
   */
  private static void restrict(Path p, String permissions) throws java.io.IOException {
    try {
      Files.setPosixFilePermissions(
          p, java.nio.file.attribute.PosixFilePermissions.fromString(permissions));
    } catch (UnsupportedOperationException notPosix) {
      // a file system without POSIX permissions
    }
  }

  public static JdbcStore sqlite(Path file) {
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

  /**
   * A PostgreSQL store ({@code jdbc:postgresql://host/db}) on a pool of four connections; a call
   * waits at most two seconds for one while the database is unreachable.
   */
  public static JdbcStore postgres(String url, String user, String password) {
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

  /**
   * A PostgreSQL store on the caller's data source (its own pool and settings). The store does not
   * close it.
   */
  public static JdbcStore postgres(DataSource dataSource) {
    return new JdbcStore(dataSource, null, "PostgreSQL store " + dataSource, false);
  }

  private static JdbcStore open(HikariConfig config, String kind, String where, boolean sqlite) {
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new StoreException(
          "cannot open the " + kind + " store " + where + ": " + cause.getMessage(), e);
    }
    try {
      return new JdbcStore(pool, pool, where, sqlite);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  @Override
  public List<StoredSchema> versions(String subject) {
    return retried(
        "cannot read the versions of '" + subject + "'",
        c -> {
          try (PreparedStatement q =
              c.prepareStatement(
                  "SELECT version, schema_ipc, fingerprint, fingerprint_with_metadata,"
                      + " registered_at, registered_by FROM flowctl_schema_versions"
                      + " WHERE subject = ? ORDER BY version")) {
            q.setString(1, subject);
            List<StoredSchema> out = new ArrayList<>();
            try (ResultSet r = q.executeQuery()) {
              while (r.next()) {
                out.add(
                    new StoredSchema(
                        subject,
                        r.getInt(1),
                        r.getBytes(2),
                        r.getString(3),
                        r.getString(4),
                        Instant.parse(r.getString(5)),
                        r.getString(6)));
              }
            }
            return out;
          }
        });
  }

  @Override
  public long schemaBytesRegisteredBy(String registeredBy) {
    return scalar(
        "cannot measure the schemas of '" + registeredBy + "'",
        "SELECT COALESCE(SUM(LENGTH(schema_ipc)), 0) FROM flowctl_schema_versions WHERE registered_by = ?",
        registeredBy);
  }

  @Override
  public long totalSchemaBytes() {
    return scalar(
        "cannot measure the schemas",
        "SELECT COALESCE(SUM(LENGTH(schema_ipc)), 0) FROM flowctl_schema_versions");
  }

  @Override
  public int subjectCount() {
    return (int)
        scalar(
            "cannot count subjects", "SELECT COUNT(DISTINCT subject) FROM flowctl_schema_versions");
  }

  @Override
  public List<String> subjects() {
    return retried(
        "cannot list subjects",
        c -> {
          try (Statement s = c.createStatement();
              ResultSet r =
                  s.executeQuery(
                      "SELECT DISTINCT subject FROM flowctl_schema_versions ORDER BY subject")) {
            List<String> out = new ArrayList<>();
            while (r.next()) {
              out.add(r.getString(1));
            }
            return out;
          }
        });
  }

  @Override
  public boolean append(StoredSchema schema) {
    return once(
        "cannot store version " + schema.version() + " of '" + schema.subject() + "'",
        c -> {
          try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO flowctl_schema_versions (subject, version, schema_ipc, fingerprint,"
                      + " fingerprint_with_metadata, registered_at, registered_by)"
                      + " SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT COALESCE(MAX(version), 0)"
                      + " FROM flowctl_schema_versions WHERE subject = ?) = ?")) {
            insert.setString(1, schema.subject());
            insert.setInt(2, schema.version());
            insert.setBytes(3, schema.schemaIpc());
            insert.setString(4, schema.fingerprint());
            insert.setString(5, schema.fingerprintWithMetadata());
            insert.setString(6, schema.registeredAt().toString());
            insert.setString(7, schema.registeredBy());
            insert.setString(8, schema.subject());
            insert.setInt(9, schema.version() - 1);
            return insert.executeUpdate() == 1;
          } catch (SQLException e) {
            if (isDuplicateKey(e)) {
              return false; // another replica appended this version first
            }
            throw e;
          }
        });
  }

  @Override
  public Optional<EvolutionPolicy> policy(String subject) {
    return retried(
        "cannot read the policy of '" + subject + "'",
        c -> {
          try (PreparedStatement q =
              c.prepareStatement("SELECT policy FROM flowctl_subject_policies WHERE subject = ?")) {
            q.setString(1, subject);
            try (ResultSet r = q.executeQuery()) {
              return r.next()
                  ? Optional.of(EvolutionPolicy.parse(r.getString(1)))
                  : Optional.<EvolutionPolicy>empty();
            }
          }
        });
  }

  @Override
  public void setPolicy(String subject, EvolutionPolicy policy) {
    retried(
        "cannot store the policy of '" + subject + "'",
        c ->
            upsert(
                c,
                "UPDATE flowctl_subject_policies SET policy = ? WHERE subject = ?",
                u -> {
                  u.setString(1, policy.configName());
                  u.setString(2, subject);
                },
                "INSERT INTO flowctl_subject_policies (subject, policy) VALUES (?, ?)",
                i -> {
                  i.setString(1, subject);
                  i.setString(2, policy.configName());
                }));
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

  // ---- pipeline runs ----

  /** Databases made before runs had owners gain the column; their runs belong to no one. */
  private static void addOwnerColumn(Connection c, Statement s) throws SQLException {
    try (ResultSet cols =
        c.getMetaData().getColumns(null, null, "flowctl_pipeline_runs", "owner")) {
      if (cols.next()) {
        return;
      }
    }
    try {
      s.execute("ALTER TABLE flowctl_pipeline_runs ADD COLUMN owner TEXT NOT NULL DEFAULT ''");
    } catch (SQLException e) {
      // A replica starting at the same time may have added it first.
      try (ResultSet cols =
          c.getMetaData().getColumns(null, null, "flowctl_pipeline_runs", "owner")) {
        if (!cols.next()) {
          throw e;
        }
      }
    }
  }

  @Override
  public boolean create(io.flowctl.proto.PipelineRun run, String owner) {
    return once(
        "cannot store pipeline run '" + run.getRunId() + "'",
        c -> {
          try (PreparedStatement i =
              c.prepareStatement(
                  "INSERT INTO flowctl_pipeline_runs (run_id, pipeline_name, status, started_at,"
                      + " run, owner) VALUES (?, ?, ?, ?, ?, ?)")) {
            i.setString(1, run.getRunId());
            i.setString(2, run.getPipelineName());
            i.setInt(3, run.getStatusValue());
            i.setString(4, startKey(run));
            i.setBytes(5, run.toByteArray());
            i.setString(6, owner);
            return i.executeUpdate() == 1;
          } catch (SQLException e) {
            if (isDuplicateKey(e)) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public boolean update(io.flowctl.proto.PipelineRun run) {
    return retried(
        "cannot update pipeline run '" + run.getRunId() + "'",
        c -> {
          try (PreparedStatement u =
              c.prepareStatement(
                  "UPDATE flowctl_pipeline_runs SET status = ?, run = ? WHERE run_id = ?")) {
            u.setInt(1, run.getStatusValue());
            u.setBytes(2, run.toByteArray());
            u.setString(3, run.getRunId());
            return u.executeUpdate() == 1;
          }
        });
  }

  @Override
  public Optional<io.flowctl.proto.PipelineRun> get(String runId) {
    return retried(
        "cannot read pipeline run '" + runId + "'",
        c -> {
          try (PreparedStatement q =
              c.prepareStatement("SELECT run FROM flowctl_pipeline_runs WHERE run_id = ?")) {
            q.setString(1, runId);
            try (ResultSet r = q.executeQuery()) {
              return r.next()
                  ? Optional.of(io.flowctl.proto.PipelineRun.parseFrom(r.getBytes(1)))
                  : Optional.<io.flowctl.proto.PipelineRun>empty();
            }
          }
        });
  }

  @Override
  public Optional<String> owner(String runId) {
    return retried(
        "cannot read the owner of pipeline run '" + runId + "'",
        c -> {
          try (PreparedStatement q =
              c.prepareStatement("SELECT owner FROM flowctl_pipeline_runs WHERE run_id = ?")) {
            q.setString(1, runId);
            try (ResultSet r = q.executeQuery()) {
              return r.next() ? Optional.of(r.getString(1)) : Optional.<String>empty();
            }
          }
        });
  }

  @Override
  public long totalBytes() {
    return scalar(
        "cannot measure pipeline runs",
        "SELECT COALESCE(SUM(LENGTH(run)), 0) FROM flowctl_pipeline_runs");
  }

  @Override
  public int count(String owner) {
    return (int)
        scalar(
            "cannot count the pipeline runs of '" + owner + "'",
            "SELECT COUNT(*) FROM flowctl_pipeline_runs WHERE owner = ?",
            owner);
  }

  @Override
  public int count() {
    return (int) scalar("cannot count pipeline runs", "SELECT COUNT(*) FROM flowctl_pipeline_runs");
  }

  @Override
  public List<io.flowctl.proto.PipelineRun> list(
      String pipelineName, io.flowctl.proto.RunStatus status, String owner, int limit) {
    return retried(
        "cannot list pipeline runs",
        c -> {
          try (PreparedStatement q =
              c.prepareStatement(
                  "SELECT run FROM flowctl_pipeline_runs WHERE (? = '' OR pipeline_name = ?)"
                      + " AND (? = 0 OR status = ?) AND (? = 0 OR owner = ?)"
                      + " ORDER BY started_at DESC LIMIT ?")) {
            q.setString(1, pipelineName);
            q.setString(2, pipelineName);
            q.setInt(3, status.getNumber());
            q.setInt(4, status.getNumber());
            q.setInt(5, owner == null ? 0 : 1);
            q.setString(6, owner == null ? "" : owner);
            q.setInt(7, limit);
            List<io.flowctl.proto.PipelineRun> out = new ArrayList<>();
            try (ResultSet r = q.executeQuery()) {
              while (r.next()) {
                out.add(io.flowctl.proto.PipelineRun.parseFrom(r.getBytes(1)));
              }
            }
            return out;
          }
        });
  }

  /** Start times as fixed-width text, so that text order is time order. */
  private static String startKey(io.flowctl.proto.PipelineRun run) {
    return String.format(
        "%020d.%09d", run.getStartTime().getSeconds(), run.getStartTime().getNanos());
  }

  // ---- services ----

  @Override
  public void put(io.flowctl.server.registry.StoredService service) {
    String id = service.info().getServiceId();
    retried(
        "cannot store service '" + id + "'",
        c ->
            upsert(
                c,
                "UPDATE flowctl_services SET info = ? WHERE service_id = ?",
                u -> {
                  u.setBytes(1, service.info().toByteArray());
                  u.setString(2, id);
                },
                "INSERT INTO flowctl_services (service_id, info, registered_at, last_heartbeat,"
                    + " metrics) VALUES (?, ?, ?, ?, ?)",
                i -> {
                  i.setString(1, id);
                  i.setBytes(2, service.info().toByteArray());
                  i.setString(3, service.registeredAt().toString());
                  i.setString(4, service.lastHeartbeat().toString());
                  i.setBytes(5, metricsBytes(service.metrics()));
                }));
  }

  @Override
  public boolean remove(String serviceId) {
    return once(
        "cannot remove service '" + serviceId + "'",
        c -> {
          try (PreparedStatement d =
              c.prepareStatement("DELETE FROM flowctl_services WHERE service_id = ?")) {
            d.setString(1, serviceId);
            return d.executeUpdate() == 1;
          }
        });
  }

  @Override
  public boolean heartbeat(String serviceId, Instant at, java.util.Map<String, Double> metrics) {
    return retried(
        "cannot record a heartbeat of '" + serviceId + "'",
        c -> {
          try (PreparedStatement u =
              c.prepareStatement(
                  "UPDATE flowctl_services SET last_heartbeat = ?, metrics = ?"
                      + " WHERE service_id = ?")) {
            u.setString(1, at.toString());
            u.setBytes(2, metricsBytes(metrics));
            u.setString(3, serviceId);
            return u.executeUpdate() == 1;
          }
        });
  }

  @Override
  public List<io.flowctl.server.registry.StoredService> all() {
    return retried(
        "cannot read services",
        c -> {
          try (Statement s = c.createStatement();
              ResultSet r =
                  s.executeQuery(
                      "SELECT info, registered_at, last_heartbeat, metrics FROM flowctl_services"
                          + " ORDER BY service_id")) {
            List<io.flowctl.server.registry.StoredService> out = new ArrayList<>();
            while (r.next()) {
              out.add(
                  new io.flowctl.server.registry.StoredService(
                      io.flowctl.proto.ServiceInfo.parseFrom(r.getBytes(1)),
                      Instant.parse(r.getString(2)),
                      Instant.parse(r.getString(3)),
                      io.flowctl.proto.ServiceHeartbeat.parseFrom(r.getBytes(4)).getMetricsMap()));
            }
            return out;
          }
        });
  }

  private static byte[] metricsBytes(java.util.Map<String, Double> metrics) {
    return io.flowctl.proto.ServiceHeartbeat.newBuilder()
        .putAllMetrics(metrics)
        .build()
        .toByteArray();
  }

  // ---- connections ----

  /** One number a query answers, with its text parameters. */
  private long scalar(String what, String sql, String... params) {
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

  /** Work on one connection. */
  @FunctionalInterface
  private interface Work<T> {
    T on(Connection c) throws SQLException, InvalidProtocolBufferException;
  }

  /** Parameters of one statement. */
  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement s) throws SQLException;
  }

  /** Work that must not be repeated: its outcome is unknown when the connection is lost. */
  private <T> T once(String what, Work<T> work) {
    return call(what, work, false);
  }

  /** Work that gives the same result when repeated, tried again on a lost connection. */
  private <T> T retried(String what, Work<T> work) {
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
  private static Void upsert(
      Connection c, String updateSql, Binder update, String insertSql, Binder insert)
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

  private static boolean isDuplicateKey(SQLException e) {
    String state = e.getSQLState();
    String m = e.getMessage() == null ? "" : e.getMessage();
    return "23505".equals(state)
        || m.contains("UNIQUE constraint failed")
        || m.contains("PRIMARYKEY");
  }
}
