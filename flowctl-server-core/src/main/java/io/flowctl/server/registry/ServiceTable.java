package io.flowctl.server.registry;

import io.flowctl.FlowctlException;
import io.flowctl.proto.ServiceInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The registry's services, the event-type indexes over them and the heap they hold: what changes
 * together, under one read-write lock. Structure (which services exist, the indexes) changes under
 * the write lock; heartbeats and reads share the read lock and change one entry under that entry's
 * own lock, so thousands of services heartbeat side by side.
 */
final class ServiceTable {
  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  final Map<String, ServiceEntry> services = new HashMap<>();

  /** Event type → ids of the services consuming / producing it, kept with every registration. */
  private final Map<String, Set<String>> consumers = new HashMap<>();

  private final Map<String, Set<String>> producers = new HashMap<>();

  /** Heap the entries hold, estimated, against {@link #maxBytes}. */
  final AtomicLong totalBytes = new AtomicLong();

  final long maxBytes;

  /** Where a forgotten service's unwritten heartbeat is dropped. */
  private final HeartbeatWrites writes;

  /** Bumped with every local change of a service's registration; guarded by the write lock. */
  volatile long changes;

  ServiceTable(long maxBytes, HeartbeatWrites writes) {
    this.maxBytes = maxBytes;
    this.writes = writes;
  }

  /** Adds what {@code e} now holds beyond {@code before} (its bytes then) to the total. */
  void account(ServiceEntry e, long before) {
    totalBytes.addAndGet(e.bytes() - before);
  }

  /** Whether adding {@code bytes} stays within the budget. */
  boolean fits(long bytes) {
    return bytes <= 0 || totalBytes.get() + bytes <= maxBytes;
  }

  FlowctlException overBudget(String what, long adding) {
    return new FlowctlException(
        FlowctlException.Code.RESOURCE_EXHAUSTED,
        what
            + " would take the registry to "
            + (totalBytes.get() + adding) / 1024
            + " KiB, over its limit of "
            + maxBytes / 1024
            + " KiB (ServiceRegistry.Builder.maxBytes)");
  }

  void index(ServiceInfo info) {
    for (String t : info.getInputEventTypesList()) {
      consumers.computeIfAbsent(t, k -> new TreeSet<>()).add(info.getServiceId());
    }
    for (String t : info.getOutputEventTypesList()) {
      producers.computeIfAbsent(t, k -> new TreeSet<>()).add(info.getServiceId());
    }
  }

  void unindex(ServiceInfo info) {
    unindex(consumers, info.getInputEventTypesList(), info.getServiceId());
    unindex(producers, info.getOutputEventTypesList(), info.getServiceId());
  }

  private static void unindex(Map<String, Set<String>> index, List<String> types, String id) {
    for (String t : types) {
      Set<String> ids = index.get(t);
      if (ids != null && ids.remove(id) && ids.isEmpty()) {
        index.remove(t);
      }
    }
  }

  /**
   * Removes a service here, with its unwritten heartbeat, bytes and index; under the write lock.
   */
  ServiceEntry forget(String serviceId) {
    ServiceEntry e = services.remove(serviceId);
    if (e != null) {
      writes.forget(serviceId);
      totalBytes.addAndGet(-e.bytes());
      unindex(e.info);
    }
    return e;
  }

  <T> T read(Supplier<T> reading) {
    lock.readLock().lock();
    try {
      return reading.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  void write(Runnable change) {
    lock.writeLock().lock();
    try {
      change.run();
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** The services consuming ({@code inputs}) or producing an event type, by id; read-locked. */
  List<ServiceState> of(String eventType, boolean inputs) {
    return read(
        () -> {
          Set<String> ids = (inputs ? consumers : producers).get(eventType);
          if (ids == null) {
            return List.of();
          }
          List<ServiceState> out = new ArrayList<>(ids.size());
          for (String id : ids) {
            out.add(services.get(id).state());
          }
          return out;
        });
  }
}
