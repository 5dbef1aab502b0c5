package io.flowctl.server.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Follows what other control-plane replicas (or an earlier process) wrote to the store: services
 * registered, changed or removed elsewhere, and heartbeats newer than the ones seen here. A
 * registration changed here while the store was being read is newer than what was read and stays;
 * silence counts from this registry's start at the earliest, so after a restart services have a TTL
 * to heartbeat again before they count as silent.
 */
final class ReplicaSync {
  /** Above this many changed rows, one read of the whole store beats one read per row. */
  private static final int WHOLE_READ = 64;

  private final ServiceTable table;
  private final ServiceStore store;
  private final Clock clock;
  private final Duration ttl;
  private final Duration interval;
  private final Instant startedAt;

  /** When the store was last read whole ({@link System#nanoTime}). */
  private volatile long syncedAt;

  private volatile boolean synced;

  ReplicaSync(
      ServiceTable table, ServiceStore store, Clock clock, Duration ttl, Duration interval) {
    this.table = table;
    this.store = store;
    this.clock = clock;
    this.ttl = ttl;
    this.interval = interval;
    this.startedAt = clock.instant();
  }

  /**
   * With a shared store, at most once per interval: reads every service's heartbeat time and
   * registration version ({@link ServiceStore#stamps()}) and the rows of registrations that
   * changed. Metrics of heartbeats another replica recorded are read with the one service ({@link
   * #refresh}).
   */
  void sync() {
    if (!store.shared() || (synced && System.nanoTime() - syncedAt < interval.toNanos())) {
      return;
    }
    long since = table.changes;
    List<ServiceStamp> stamps = store.stamps(); // outside the lock: heartbeats go on meanwhile
    List<String> changed =
        table.read(
            () -> {
              List<String> out = new ArrayList<>();
              for (ServiceStamp st : stamps) {
                ServiceEntry e = table.services.get(st.serviceId());
                if (e == null || e.storedVersion != st.version()) {
                  out.add(st.serviceId());
                }
              }
              return out;
            });
    List<StoredService> rows = new ArrayList<>();
    if (changed.size() > WHOLE_READ) {
      rows.addAll(store.all()); // a new replica, or a fleet registering: one read for all
    } else {
      for (String id : changed) {
        store.get(id).ifPresent(rows::add);
      }
    }
    table.write(
        () -> {
          adopt(rows, since, false);
          Set<String> present = new HashSet<>();
          Instant deadline = clock.instant().minus(ttl);
          for (ServiceStamp st : stamps) {
            present.add(st.serviceId());
            ServiceEntry e = table.services.get(st.serviceId());
            if (e != null && e.changedAt <= since) {
              synchronized (e) {
                if (st.lastHeartbeat().isAfter(e.lastHeartbeat)) {
                  e.lastHeartbeat = st.lastHeartbeat();
                  e.silentSince = later(st.lastHeartbeat(), startedAt);
                  e.healthy |= !e.silentSince.isBefore(deadline);
                }
              }
            }
          }
          forgetMissing(present, since);
          synced = true;
          syncedAt = System.nanoTime();
        });
  }

  /**
   * Reads one service's row from a shared store and takes it: registered, changed or removed by
   * another replica, or a newer heartbeat.
   */
  void refresh(String serviceId) {
    if (!store.shared()) {
      return;
    }
    long since = table.changes;
    Optional<StoredService> row = store.get(serviceId);
    table.write(
        () -> {
          if (row.isPresent()) {
            adopt(List.of(row.get()), since, false);
          } else {
            ServiceEntry e = table.services.get(serviceId);
            if (e != null && e.changedAt <= since) {
              table.forget(serviceId);
            }
          }
        });
  }

  /**
   * Takes {@code stored} rows, except registrations changed here after {@code since}; with {@code
   * whole} (the store read whole) also forgets the services it no longer holds. Under the write
   * lock.
   */
  void adopt(List<StoredService> stored, long since, boolean whole) {
    Set<String> seen = new HashSet<>();
    for (StoredService s : stored) {
      String id = s.info().getServiceId();
      seen.add(id);
      ServiceEntry e = table.services.get(id);
      if (e == null) {
        e = ServiceEntry.at(s.registeredAt(), s.lastHeartbeat());
        table.services.put(id, e);
      } else if (e.changedAt > since) {
        continue;
      }
      synchronized (e) {
        long before = e.bytes();
        if (e.info == null || s.lastHeartbeat().isAfter(e.lastHeartbeat)) {
          e.lastHeartbeat = s.lastHeartbeat();
          e.silentSince = later(s.lastHeartbeat(), startedAt);
          e.metrics = s.metrics();
          e.reportedMetrics = null;
          e.healthy = !e.silentSince.isBefore(clock.instant().minus(ttl));
        }
        if (e.info != null && !e.info.equals(s.info())) {
          table.unindex(e.info);
          e.info = null;
        }
        if (e.info == null) {
          e.info = s.info();
          e.infoBytes = 2L * e.info.getSerializedSize();
          table.index(e.info);
        }
        e.storedVersion = s.version();
        e.latestBytes = ServiceEntry.metricBytes(e.metrics);
        table.account(e, before);
      }
    }
    if (whole) {
      forgetMissing(seen, since);
    }
  }

  /** Forgets the services not in {@code present}, unless they changed here after {@code since}. */
  private void forgetMissing(Set<String> present, long since) {
    List<String> gone = new ArrayList<>();
    table.services.forEach(
        (id, e) -> {
          if (!present.contains(id) && e.changedAt <= since) {
            gone.add(id);
          }
        });
    gone.forEach(table::forget);
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
