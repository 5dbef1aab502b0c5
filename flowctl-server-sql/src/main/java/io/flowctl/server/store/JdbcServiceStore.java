package io.flowctl.server.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.server.registry.ServiceStamp;
import io.flowctl.server.registry.ServiceStore;
import io.flowctl.server.registry.StoredHeartbeat;
import io.flowctl.server.registry.StoredService;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Registered services and their last heartbeat in SQL, shared by the replicas on one PostgreSQL
 * database. Times are written with nine fraction digits, so that they compare as text: a batch of
 * heartbeats never moves a service's last heartbeat back when another replica wrote a newer one.
 */
final class JdbcServiceStore implements ServiceStore {
  private final Jdbc db;

  JdbcServiceStore(Jdbc db) {
    this.db = db;
  }

  @Override
  public void put(StoredService service) {
    String id = service.info().getServiceId();
    db.retried(
        "cannot store service '" + id + "'",
        c ->
            Jdbc.upsert(
                c,
                "UPDATE flowctl_services SET info = ?, version = version + 1 WHERE service_id = ?",
                u -> {
                  u.setBytes(1, service.info().toByteArray());
                  u.setString(2, id);
                },
                "INSERT INTO flowctl_services (service_id, info, registered_at, last_heartbeat,"
                    + " metrics) VALUES (?, ?, ?, ?, ?)",
                i -> {
                  i.setString(1, id);
                  i.setBytes(2, service.info().toByteArray());
                  i.setString(3, time(service.registeredAt()));
                  i.setString(4, time(service.lastHeartbeat()));
                  i.setBytes(5, metricsBytes(service.metrics()));
                }));
  }

  @Override
  public boolean remove(String serviceId) {
    return db.once(
        "cannot remove service '" + serviceId + "'",
        c -> {
          try (PreparedStatement d =
              c.prepareStatement("DELETE FROM flowctl_services WHERE service_id = ?")) {
            d.setString(1, serviceId);
            return d.executeUpdate() == 1;
          }
        });
  }

  private static final String BEAT =
      "UPDATE flowctl_services SET last_heartbeat = ?, metrics = ?"
          + " WHERE service_id = ? AND last_heartbeat <= ?";

  private static final String BEATS_POSTGRES =
      "UPDATE flowctl_services AS s SET last_heartbeat = v.at, metrics = v.m"
          + " FROM unnest(?::text[], ?::text[], ?::bytea[]) AS v(id, at, m)"
          + " WHERE s.service_id = v.id AND s.last_heartbeat <= v.at";

  private static final DateTimeFormatter TIME =
      new DateTimeFormatterBuilder().appendInstant(9).toFormatter(Locale.ROOT);

  static String time(Instant at) {
    return TIME.format(at);
  }

  private static void bind(PreparedStatement u, StoredHeartbeat b) throws SQLException {
    String at = time(b.at());
    u.setString(1, at);
    u.setBytes(2, metricsBytes(b.metrics()));
    u.setString(3, b.serviceId());
    u.setString(4, at);
  }

  @Override
  public boolean heartbeat(String serviceId, Instant at, Map<String, Double> metrics) {
    return db.retried(
        "cannot record a heartbeat of '" + serviceId + "'",
        c -> {
          try (PreparedStatement u = c.prepareStatement(BEAT)) {
            bind(u, new StoredHeartbeat(serviceId, at, metrics));
            return u.executeUpdate() == 1;
          }
        });
  }

  /** One transaction for the batch: one fsync on SQLite, one commit on PostgreSQL. */
  @Override
  public void heartbeats(List<StoredHeartbeat> beats) {
    if (beats.isEmpty()) {
      return;
    }
    db.retried(
        "cannot record " + beats.size() + " heartbeats",
        c -> {
          c.setAutoCommit(false);
          try {
            write(c, beats);
            c.commit();
          } catch (SQLException e) {
            c.rollback();
            throw e;
          } finally {
            c.setAutoCommit(true);
          }
          return null;
        });
  }

  private void write(java.sql.Connection c, List<StoredHeartbeat> beats) throws SQLException {
    if (!db.sqlite) {
      // Soft state: the batch need not wait for its WAL flush (a crash loses at most the
      // last fraction of a second of heartbeat times, which services resend anyway).
      try (java.sql.Statement st = c.createStatement()) {
        st.execute("SET LOCAL synchronous_commit TO OFF");
      }
    }
    if (db.sqlite) {
      try (PreparedStatement u = c.prepareStatement(BEAT)) {
        for (StoredHeartbeat b : beats) {
          bind(u, b);
          u.addBatch();
        }
        u.executeBatch();
      }
    } else {
      // One statement over arrays: PostgreSQL plans and runs it once for the whole batch
      // instead of once per row, which was most of the database's work under a fleet.
      String[] ids = new String[beats.size()];
      String[] times = new String[beats.size()];
      byte[][] metrics = new byte[beats.size()][];
      for (int i = 0; i < ids.length; i++) {
        StoredHeartbeat b = beats.get(i);
        ids[i] = b.serviceId();
        times[i] = time(b.at());
        metrics[i] = metricsBytes(b.metrics());
      }
      try (PreparedStatement u = c.prepareStatement(BEATS_POSTGRES)) {
        u.setArray(1, c.createArrayOf("text", ids));
        u.setArray(2, c.createArrayOf("text", times));
        u.setArray(3, c.createArrayOf("bytea", metrics));
        u.executeUpdate();
      }
    }
  }

  @Override
  public Optional<StoredService> get(String serviceId) {
    return db.one(
        "cannot read service '" + serviceId + "'",
        "SELECT info, registered_at, last_heartbeat, metrics, version FROM flowctl_services"
            + " WHERE service_id = ?",
        serviceId,
        JdbcServiceStore::row);
  }

  @Override
  public boolean shared() {
    return !db.sqlite;
  }

  @Override
  public List<StoredService> all() {
    return db.all(
        "cannot read services",
        "SELECT info, registered_at, last_heartbeat, metrics, version FROM flowctl_services"
            + " ORDER BY service_id",
        q -> {},
        JdbcServiceStore::row);
  }

  private static StoredService row(ResultSet r)
      throws SQLException, InvalidProtocolBufferException {
    return new StoredService(
        ServiceInfo.parseFrom(r.getBytes(1)),
        Instant.parse(r.getString(2)),
        Instant.parse(r.getString(3)),
        ServiceHeartbeat.parseFrom(r.getBytes(4)).getMetricsMap(),
        r.getLong(5));
  }

  /** Three narrow columns of every row: what each replica polls once a sync interval. */
  @Override
  public List<ServiceStamp> stamps() {
    return db.all(
        "cannot read services",
        "SELECT service_id, last_heartbeat, version FROM flowctl_services",
        q -> {},
        r -> new ServiceStamp(r.getString(1), Instant.parse(r.getString(2)), r.getLong(3)));
  }

  private static byte[] metricsBytes(Map<String, Double> metrics) {
    return ServiceHeartbeat.newBuilder().putAllMetrics(metrics).build().toByteArray();
  }
}
