package io.flowctl.server.registry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a registry's heartbeats go in its store: each one written through at once, or — with a
 * flush interval — only the newest of each service kept and written in one batch per flush, so ten
 * thousand services beating every second cost one store write a second instead of ten thousand.
 */
final class HeartbeatWrites {
  private final ServiceStore store;
  private final boolean batched;

  /** Heartbeats recorded but not yet written, the newest per service. */
  private final Map<String, StoredHeartbeat> unwritten = new ConcurrentHashMap<>();

  HeartbeatWrites(ServiceStore store, boolean batched) {
    this.store = store;
    this.batched = batched;
  }

  /** A heartbeat recorded: written now, or kept for the next flush in place of an older one. */
  void record(String serviceId, Instant at, Map<String, Double> metrics) {
    if (batched) {
      unwritten.put(serviceId, new StoredHeartbeat(serviceId, at, metrics));
    } else {
      store.heartbeat(serviceId, at, metrics);
    }
  }

  /** A service removed here: its unwritten heartbeat goes too. */
  void forget(String serviceId) {
    unwritten.remove(serviceId);
  }

  /**
   * Writes what was recorded since the last flush in one batch; heartbeats a failed write could not
   * store are kept for the next flush unless a newer one of the same service arrived meanwhile.
   *
   * @return how many were written
   * @throws StoreException when the store refuses the batch
   */
  int flush() {
    synchronized (unwritten) { // one flush at a time: an older batch never lands after a newer
      if (unwritten.isEmpty()) {
        return 0;
      }
      List<StoredHeartbeat> batch = new ArrayList<>(unwritten.size());
      for (String id : unwritten.keySet()) {
        StoredHeartbeat b = unwritten.get(id);
        if (b != null && unwritten.remove(id, b)) {
          batch.add(b);
        }
      }
      try {
        store.heartbeats(batch);
      } catch (RuntimeException e) {
        batch.forEach(b -> unwritten.putIfAbsent(b.serviceId(), b));
        throw e;
      }
      return batch.size();
    }
  }
}
