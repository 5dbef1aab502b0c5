package io.flowctl.server.registry;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a {@link ServiceRegistry} keeps services so that a restarted control plane, and every
 * replica sharing one database, sees the same ones. Failures are {@code StoreException}s.
 */
public interface ServiceStore {
  /** Inserts or replaces a service's registration. */
  void put(StoredService service);

  /** Removes a service; returns whether it was there. */
  boolean remove(String serviceId);

  /** Records a heartbeat; returns false for an unknown service. */
  boolean heartbeat(String serviceId, Instant at, Map<String, Double> metrics);

  /**
   * Records a batch of heartbeats, each the newest of its service; those of unknown services are
   * skipped. Stores that can write them in one transaction should (the SQL stores do).
   */
  default void heartbeats(List<StoredHeartbeat> beats) {
    for (StoredHeartbeat b : beats) {
      heartbeat(b.serviceId(), b.at(), b.metrics());
    }
  }

  /** Every service. */
  List<StoredService> all();

  /**
   * Every service's id, latest heartbeat and registration version: what replicas poll (the SQL
   * stores read three narrow columns).
   */
  default List<ServiceStamp> stamps() {
    return all().stream()
        .map(s -> new ServiceStamp(s.info().getServiceId(), s.lastHeartbeat(), s.version()))
        .toList();
  }

  /** One service, read on its own (the SQL stores read one row). */
  default Optional<StoredService> get(String serviceId) {
    return all().stream().filter(s -> s.info().getServiceId().equals(serviceId)).findFirst();
  }

  /**
   * Whether other processes (replicas) write this store while its registry runs, so that the
   * registry keeps adopting what it holds; false for a store only its own registry writes (which
   * the registry still reads once when it starts, to find what an earlier process registered).
   */
  default boolean shared() {
    return true;
  }
}
