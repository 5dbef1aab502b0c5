package io.flowctl.server.registry;

import java.time.Instant;
import java.util.List;
import java.util.Map;

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

  /** Every service. */
  List<StoredService> all();

  /**
   * Whether others (replicas, an earlier process) write this store too, so that the registry adopts
   * what it holds; false for a store only its own registry writes.
   */
  default boolean shared() {
    return true;
  }
}
