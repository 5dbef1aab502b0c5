package io.flowctl.server.schema;

import io.flowctl.schema.EvolutionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A store in an SQL database: an embedded SQLite file (the default; write-ahead log, synchronous
 * commits, so an acknowledged registration survives a crash) or PostgreSQL, shared by several
 * control-plane replicas. A version is appended only if it is one more than the latest, in one
 * statement, and the (subject, version) primary key settles races between replicas.
 */
public final class JdbcStore
    implements SchemaStore,
        io.flowctl.server.registry.ServiceStore,
        io.flowctl.server.runs.PipelineRunStore,
        AutoCloseable {
  private final Connection connection;
  private final String where;

  private JdbcStore(Connection connection, String where, boolean sqlite) {
    this.connection = connection;
    this.where = where;
    try (Statement s = connection.createStatement()) {
      if (sqlite) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=FULL");
        s.execute("PRAGMA busy_timeout=5000");
      }
      String blob = sqlite ? "BLOB" : "BYTEA";
      s.execute(
          "CREATE TABLE IF NOT EXISTS flowctl_schema_versions ("
              + "subject TEXT NOT NULL, version INTEGER NOT NULL, schema_ipc "
              + blob
              + " NOT NULL, fingerprint TEXT NOT NULL, fingerprint_with_metadata TEXT NOT NULL,"
              + " registered_at TEXT NOT NULL, registered_by TEXT NOT NULL,"
              + " PRIMARY KEY (subject, version))");
      s.execute(
          "CREATE TABLE IF NOT EXISTS flowctl_subject_policies ("
              + "subject TEXT PRIMARY KEY, policy TEXT NOT NULL)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS flowctl_pipeline_runs ("
              + "run_id TEXT PRIMARY KEY, pipeline_name TEXT NOT NULL, status INTEGER NOT NULL,"
              + " started_at TEXT NOT NULL, run "
              + blob
              + " NOT NULL)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS flowctl_services ("
              + "service_id TEXT PRIMARY KEY, info "
              + blob
              + " NOT NULL, registered_at TEXT NOT NULL, last_heartbeat TEXT NOT NULL, metrics "
              + blob
              + " NOT NULL)");
    } catch (SQLException e) {
      throw failure("cannot prepare the tables", e);
    }
  }

  /** An SQLite file store, created with its parent directories when missing. */
  public static JdbcStore sqlite(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      return new JdbcStore(
          DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath()),
          file.toString(),
          true);
    } catch (SQLException | java.io.IOException e) {
      throw new StoreException("cannot open the SQLite store " + file + ": " + e.getMessage(), e);
    }
  }

  /** A PostgreSQL store ({@code jdbc:postgresql://host/db}). */
  public static JdbcStore postgres(String url, String user, String password) {
    try {
      return new JdbcStore(DriverManager.getConnection(url, user, password), url, false);
    } catch (SQLException e) {
      throw new StoreException(
          "cannot open the PostgreSQL store " + url + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized List<StoredSchema> versions(String subject) {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT version, schema_ipc, fingerprint, fingerprint_with_metadata, registered_at,"
                + " registered_by FROM flowctl_schema_versions WHERE subject = ? ORDER BY version")) {
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
    } catch (SQLException e) {
      throw failure("cannot read the versions of '" + subject + "'", e);
    }
  }

  @Override
  public synchronized int subjectCount() {
    try (Statement s = connection.createStatement();
        ResultSet r =
            s.executeQuery("SELECT COUNT(DISTINCT subject) FROM flowctl_schema_versions")) {
      r.next();
      return r.getInt(1);
    } catch (SQLException e) {
      throw failure("cannot count subjects", e);
    }
  }

  @Override
  public synchronized List<String> subjects() {
    try (Statement s = connection.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT DISTINCT subject FROM flowctl_schema_versions ORDER BY subject")) {
      List<String> out = new ArrayList<>();
      while (r.next()) {
        out.add(r.getString(1));
      }
      return out;
    } catch (SQLException e) {
      throw failure("cannot list subjects", e);
    }
  }

  @Override
  public synchronized boolean append(StoredSchema schema) {
    try (PreparedStatement insert =
        connection.prepareStatement(
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
      throw failure(
          "cannot store version " + schema.version() + " of '" + schema.subject() + "'", e);
    }
  }

  @Override
  public synchronized Optional<EvolutionPolicy> policy(String subject) {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT policy FROM flowctl_subject_policies WHERE subject = ?")) {
      q.setString(1, subject);
      try (ResultSet r = q.executeQuery()) {
        return r.next() ? Optional.of(EvolutionPolicy.parse(r.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw failure("cannot read the policy of '" + subject + "'", e);
    }
  }

  @Override
  public synchronized void setPolicy(String subject, EvolutionPolicy policy) {
    try (PreparedStatement u =
            connection.prepareStatement(
                "UPDATE flowctl_subject_policies SET policy = ? WHERE subject = ?");
        PreparedStatement i =
            connection.prepareStatement(
                "INSERT INTO flowctl_subject_policies (subject, policy) VALUES (?, ?)")) {
      u.setString(1, policy.configName());
      u.setString(2, subject);
      if (u.executeUpdate() == 0) {
        i.setString(1, subject);
        i.setString(2, policy.configName());
        i.executeUpdate();
      }
    } catch (SQLException e) {
      throw failure("cannot store the policy of '" + subject + "'", e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      throw failure("cannot close", e);
    }
  }

  // ---- pipeline runs ----

  @Override
  public synchronized boolean create(io.flowctl.proto.PipelineRun run) {
    try (PreparedStatement i =
        connection.prepareStatement(
            "INSERT INTO flowctl_pipeline_runs (run_id, pipeline_name, status, started_at, run)"
                + " VALUES (?, ?, ?, ?, ?)")) {
      i.setString(1, run.getRunId());
      i.setString(2, run.getPipelineName());
      i.setInt(3, run.getStatusValue());
      i.setString(4, startKey(run));
      i.setBytes(5, run.toByteArray());
      return i.executeUpdate() == 1;
    } catch (SQLException e) {
      if (isDuplicateKey(e)) {
        return false;
      }
      throw failure("cannot store pipeline run '" + run.getRunId() + "'", e);
    }
  }

  @Override
  public synchronized boolean update(io.flowctl.proto.PipelineRun run) {
    try (PreparedStatement u =
        connection.prepareStatement(
            "UPDATE flowctl_pipeline_runs SET status = ?, run = ? WHERE run_id = ?")) {
      u.setInt(1, run.getStatusValue());
      u.setBytes(2, run.toByteArray());
      u.setString(3, run.getRunId());
      return u.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failure("cannot update pipeline run '" + run.getRunId() + "'", e);
    }
  }

  @Override
  public synchronized Optional<io.flowctl.proto.PipelineRun> get(String runId) {
    try (PreparedStatement q =
        connection.prepareStatement("SELECT run FROM flowctl_pipeline_runs WHERE run_id = ?")) {
      q.setString(1, runId);
      try (ResultSet r = q.executeQuery()) {
        return r.next()
            ? Optional.of(io.flowctl.proto.PipelineRun.parseFrom(r.getBytes(1)))
            : Optional.empty();
      }
    } catch (SQLException | com.google.protobuf.InvalidProtocolBufferException e) {
      throw new StoreException(
          where + ": cannot read pipeline run '" + runId + "' (" + e.getMessage() + ")", e);
    }
  }

  @Override
  public synchronized List<io.flowctl.proto.PipelineRun> list(
      String pipelineName, io.flowctl.proto.RunStatus status, int limit) {
    try (PreparedStatement q =
        connection.prepareStatement(
            "SELECT run FROM flowctl_pipeline_runs WHERE (? = '' OR pipeline_name = ?)"
                + " AND (? = 0 OR status = ?) ORDER BY started_at DESC LIMIT ?")) {
      q.setString(1, pipelineName);
      q.setString(2, pipelineName);
      q.setInt(3, status.getNumber());
      q.setInt(4, status.getNumber());
      q.setInt(5, limit);
      List<io.flowctl.proto.PipelineRun> out = new ArrayList<>();
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          out.add(io.flowctl.proto.PipelineRun.parseFrom(r.getBytes(1)));
        }
      }
      return out;
    } catch (SQLException | com.google.protobuf.InvalidProtocolBufferException e) {
      throw new StoreException(where + ": cannot list pipeline runs (" + e.getMessage() + ")", e);
    }
  }

  /** Start times as fixed-width text, so that text order is time order. */
  private static String startKey(io.flowctl.proto.PipelineRun run) {
    return String.format(
        "%020d.%09d", run.getStartTime().getSeconds(), run.getStartTime().getNanos());
  }

  // ---- services ----

  @Override
  public synchronized void put(io.flowctl.server.registry.StoredService service) {
    String id = service.info().getServiceId();
    try (PreparedStatement u =
            connection.prepareStatement(
                "UPDATE flowctl_services SET info = ? WHERE service_id = ?");
        PreparedStatement i =
            connection.prepareStatement(
                "INSERT INTO flowctl_services (service_id, info, registered_at, last_heartbeat,"
                    + " metrics) VALUES (?, ?, ?, ?, ?)")) {
      u.setBytes(1, service.info().toByteArray());
      u.setString(2, id);
      if (u.executeUpdate() == 0) {
        i.setString(1, id);
        i.setBytes(2, service.info().toByteArray());
        i.setString(3, service.registeredAt().toString());
        i.setString(4, service.lastHeartbeat().toString());
        i.setBytes(5, metricsBytes(service.metrics()));
        i.executeUpdate();
      }
    } catch (SQLException e) {
      if (isDuplicateKey(e)) {
        put(service); // another replica inserted it first: update instead
        return;
      }
      throw failure("cannot store service '" + id + "'", e);
    }
  }

  @Override
  public synchronized boolean remove(String serviceId) {
    try (PreparedStatement d =
        connection.prepareStatement("DELETE FROM flowctl_services WHERE service_id = ?")) {
      d.setString(1, serviceId);
      return d.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failure("cannot remove service '" + serviceId + "'", e);
    }
  }

  @Override
  public synchronized boolean heartbeat(
      String serviceId, Instant at, java.util.Map<String, Double> metrics) {
    try (PreparedStatement u =
        connection.prepareStatement(
            "UPDATE flowctl_services SET last_heartbeat = ?, metrics = ? WHERE service_id = ?")) {
      u.setString(1, at.toString());
      u.setBytes(2, metricsBytes(metrics));
      u.setString(3, serviceId);
      return u.executeUpdate() == 1;
    } catch (SQLException e) {
      throw failure("cannot record a heartbeat of '" + serviceId + "'", e);
    }
  }

  @Override
  public synchronized List<io.flowctl.server.registry.StoredService> all() {
    try (Statement s = connection.createStatement();
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
    } catch (SQLException | com.google.protobuf.InvalidProtocolBufferException e) {
      throw new StoreException(where + ": cannot read services (" + e.getMessage() + ")", e);
    }
  }

  private static byte[] metricsBytes(java.util.Map<String, Double> metrics) {
    return io.flowctl.proto.ServiceHeartbeat.newBuilder()
        .putAllMetrics(metrics)
        .build()
        .toByteArray();
  }

  private static boolean isDuplicateKey(SQLException e) {
    String state = e.getSQLState();
    String m = e.getMessage() == null ? "" : e.getMessage();
    return "23505".equals(state)
        || m.contains("UNIQUE constraint failed")
        || m.contains("PRIMARYKEY");
  }

  private StoreException failure(String what, SQLException e) {
    return new StoreException(where + ": " + what + " (" + e.getMessage() + ")", e);
  }
}
