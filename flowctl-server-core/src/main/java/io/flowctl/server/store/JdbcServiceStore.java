package io.flowctl.server.store;

import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.server.registry.ServiceStore;
import io.flowctl.server.registry.StoredService;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Registered services and their last heartbeat in SQL, shared by the replicas on one database. */
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

  @Override
  public boolean heartbeat(String serviceId, Instant at, Map<String, Double> metrics) {
    return db.retried(
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
  public List<StoredService> all() {
    return db.all(
        "cannot read services",
        "SELECT info, registered_at, last_heartbeat, metrics FROM flowctl_services"
            + " ORDER BY service_id",
        q -> {},
        r ->
            new StoredService(
                ServiceInfo.parseFrom(r.getBytes(1)),
                Instant.parse(r.getString(2)),
                Instant.parse(r.getString(3)),
                ServiceHeartbeat.parseFrom(r.getBytes(4)).getMetricsMap()));
  }

  private static byte[] metricsBytes(Map<String, Double> metrics) {
    return ServiceHeartbeat.newBuilder().putAllMetrics(metrics).build().toByteArray();
  }
}
