package io.flowctl.server.registry;

import static io.flowctl.server.internal.Names.checkName;
import static io.flowctl.server.internal.Names.checkValue;

import io.flowctl.FlowctlException;
import io.flowctl.internal.Require;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.internal.Names;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The services of a control plane and their health. A service is healthy while its heartbeats
 * arrive within the TTL; {@link #sweep()} (call it every sweep interval) marks the silent ones
 * unhealthy, and a later heartbeat makes a service healthy again. Time comes from the injected
 * clock, so the rules are tested without sleeping. With a {@link ServiceStore} it writes
 * registrations through, heartbeats through or in batches ({@link Builder#heartbeatFlushInterval}),
 * and reads what other replicas wrote. Usable without gRPC; thread-safe.
 *
 * <p>Heartbeats are soft state: a service sends the next one within its interval, so a batch lost
 * to a crash costs nothing a service does not repeat. Registrations are not: they are written
 * before the call returns.
 *
 * <p>Locking: heartbeats and reads share the registry's read lock and change one service's entry
 * under that entry's own lock, so thousands of services heartbeat side by side; registering,
 * removing, adopting what the store holds and sweeping take the write lock. Why this file is long:
 * the entries, the event-type indexes and the byte budget change together under those locks, and
 * splitting them would spread that invariant over classes that each hold half of it. What needs
 * none of it lives elsewhere: name checks ({@code server.internal.Names}), pause tracking ({@link
 * Pauses}).
 */
public final class ServiceRegistry {
  /**
   * Registration metadata naming the running instance of a service (flowctl-java's clients set a
   * random one per process). A registration whose instance differs from that of a live service with
   * the same id is refused: two processes must not silently share one id. Registrations without it
   * (Go components) are taken as upstream takes them.
   */
  public static final String INSTANCE_KEY = "flowctl.instance";

  /** The longest service id, metadata key, event type or metric name, in characters. */
  public static final int MAX_NAME_LENGTH = Names.MAX_NAME_LENGTH;

  /** The longest metadata value or text metric, in characters. */
  public static final int MAX_VALUE_LENGTH = Names.MAX_VALUE_LENGTH;

  /** Event types a service may list as inputs or outputs. */
  public static final int MAX_EVENT_TYPES = 256;

  private static void checkServiceInfo(ServiceInfo info) {
    checkName(info.getServiceId(), "the service id");
    checkName(info.getComponentId(), "the component id");
    if (info.getInputEventTypesCount() > MAX_EVENT_TYPES
        || info.getOutputEventTypesCount() > MAX_EVENT_TYPES) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "service lists more than " + MAX_EVENT_TYPES + " input or output event types");
    }
    for (String t : info.getInputEventTypesList()) {
      checkName(t, "an input event type");
    }
    for (String t : info.getOutputEventTypesList()) {
      checkName(t, "an output event type");
    }
    checkValue(info.getHealthEndpoint(), "the health endpoint");
    for (Map.Entry<String, String> m : info.getMetadataMap().entrySet()) {
      checkName(m.getKey(), "a metadata key");
      checkValue(m.getValue(), "metadata '" + m.getKey() + "'");
    }
  }

  private final Clock clock;
  private final Duration ttl;
  private final Duration sweepInterval;
  private final Duration syncInterval;
  private final int historySize;
  private final int maxServices;
  private final int maxMetadataEntries;
  private final int maxServiceBytes;
  private final int maxHeartbeatBytes;
  private final long historyBytes;
  private final long maxBytes;
  private final ServiceStore store;
  private final Pauses pauses;

  /** Structure (which services exist, the indexes) under the write lock; reads and beats share. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  /** Registrations and removals one at a time, their store writes outside {@link #lock}. */
  private final java.util.concurrent.locks.ReentrantLock registering =
      new java.util.concurrent.locks.ReentrantLock();

  private final Map<String, Entry> services = new HashMap<>();

  /** Event type → ids of the services consuming / producing it, kept with every registration. */
  private final Map<String, Set<String>> consumers = new HashMap<>();

  private final Map<String, Set<String>> producers = new HashMap<>();

  /** Where heartbeats go in the store: through at once, or batched per flush. */
  private final HeartbeatWrites writes;

  /** When this registry started: a service's silence counts from here at the earliest. */
  private final Instant startedAt;

  /** Bumped with every local change of a service's registration; guarded by the write lock. */
  private volatile long changes;

  /** When the store was last read whole ({@link System#nanoTime}). */
  private volatile long syncedAt;

  private volatile boolean synced;

  /** One service; its fields are guarded by the entry itself. */
  private static final class Entry {
    ServiceInfo info;
    Instant registeredAt;
    Instant lastHeartbeat;
    Instant silentSince; // lastHeartbeat, or later when the registry started after it
    long changedAt; // the registry's change count when this registration last changed here
    long storedVersion = -1; // the store's version of the registration this entry holds
    boolean healthy = true; // heartbeats within the TTL
    ServiceState.Reported reported = ServiceState.Reported.HEALTHY;
    Map<String, Double> metrics = Map.of();
    Map<String, String> reportedMetrics = Map.of(); // null: the metrics, as text
    final Deque<ServiceState.Heartbeat> history = new ArrayDeque<>();
    long infoBytes; // estimated heap of info
    long latestBytes; // of metrics and reportedMetrics
    long historyBytes; // of history

    long bytes() {
      return infoBytes + latestBytes + historyBytes;
    }
  }

  /** Estimated heap bytes of a metrics map (keys are UTF-16 strings, values boxed). */
  private static long metricBytes(Map<String, ?> metrics) {
    long n = 64;
    for (Map.Entry<String, ?> m : metrics.entrySet()) {
      n += 80 + 2L * m.getKey().length();
      if (m.getValue() instanceof String v) {
        n += 2L * v.length();
      }
    }
    return n;
  }

  /** Heap the registry's entries hold, estimated. */
  private final AtomicLong totalBytes = new AtomicLong();

  private FlowctlException overBudget(String what, long adding) {
    return new FlowctlException(
        FlowctlException.Code.RESOURCE_EXHAUSTED,
        what
            + " would take the registry to "
            + (totalBytes.get() + adding) / 1024
            + " KiB, over its limit of "
            + maxBytes / 1024
            + " KiB (ServiceRegistry.Builder.maxBytes)");
  }

  private ServiceRegistry(Builder b) {
    this.clock = b.clock;
    this.ttl = b.ttl;
    this.sweepInterval = b.sweepInterval;
    this.writes = new HeartbeatWrites(b.store, b.flushInterval != null);
    this.syncInterval = b.syncInterval;
    this.pauses = new Pauses(b.sweepInterval, b.ttl);
    this.historySize = b.historySize;
    this.maxServices = b.maxServices;
    this.maxMetadataEntries = b.maxMetadataEntries;
    this.maxServiceBytes = b.maxServiceBytes;
    this.maxHeartbeatBytes = b.maxHeartbeatBytes;
    this.historyBytes = b.historyBytes;
    this.maxBytes = b.maxBytes;
    this.store = b.store;
    this.startedAt = clock.instant();
    adopt(store.all(), 0, true); // what an earlier process (or another replica) registered
  }

  /**
   * With a shared store, follows what other replicas wrote, at most once per sync interval: every
   * service's heartbeat time and registration version ({@link ServiceStore#stamps()}), and the rows
   * of registrations that changed. Metrics of heartbeats another replica recorded are read with the
   * one service ({@link #status}).
   */
  private void sync() {
    if (!store.shared()) {
      return;
    }
    if (synced && System.nanoTime() - syncedAt < syncInterval.toNanos()) {
      return;
    }
    long since = changes;
    List<ServiceStamp> stamps = store.stamps(); // outside the lock: heartbeats go on meanwhile
    List<String> changed =
        read(
            () -> {
              List<String> out = new ArrayList<>();
              for (ServiceStamp st : stamps) {
                Entry e = services.get(st.serviceId());
                if (e == null || e.storedVersion != st.version()) {
                  out.add(st.serviceId());
                }
              }
              return out;
            });
    List<StoredService> rows = new ArrayList<>();
    if (changed.size() > 64) {
      rows.addAll(store.all()); // a new replica, or a fleet registering: one read for all
    } else {
      for (String id : changed) {
        store.get(id).ifPresent(rows::add);
      }
    }
    lock.writeLock().lock();
    try {
      adopt(rows, since, false);
      Set<String> present = new HashSet<>();
      Instant deadline = clock.instant().minus(ttl);
      for (ServiceStamp st : stamps) {
        present.add(st.serviceId());
        Entry e = services.get(st.serviceId());
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
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Takes what the store holds: services registered, changed or removed by another replica (or
   * before a restart), and heartbeats newer than the ones seen here. Registrations changed here
   * after {@code since} (while the store was being read) are newer than what was read and stay.
   * Silence counts from this registry's start at the earliest: after a restart, services have a TTL
   * to heartbeat again before they count as silent.
   */
  private void adopt(List<StoredService> stored, long since, boolean whole) {
    Set<String> seen = new HashSet<>();
    for (StoredService s : stored) {
      String id = s.info().getServiceId();
      seen.add(id);
      Entry e = services.get(id);
      if (e == null) {
        e = new Entry();
        e.registeredAt = s.registeredAt();
        e.lastHeartbeat = s.lastHeartbeat();
        e.silentSince = s.lastHeartbeat();
        services.put(id, e);
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
          unindex(e.info);
          e.info = null;
        }
        if (e.info == null) {
          e.info = s.info();
          e.infoBytes = 2L * e.info.getSerializedSize();
          index(e.info);
        }
        e.storedVersion = s.version();
        e.latestBytes = metricBytes(e.metrics);
        totalBytes.addAndGet(e.bytes() - before);
      }
    }
    if (!whole) {
      return;
    }
    forgetMissing(seen, since);
  }

  /**
   * Forgets the services the store no longer holds ({@code present} is what it holds), unless they
   * changed here after {@code since}; under the write lock.
   */
  private void forgetMissing(Set<String> present, long since) {
    List<String> gone = new ArrayList<>();
    services.forEach(
        (id, e) -> {
          if (!present.contains(id) && e.changedAt <= since) {
            gone.add(id);
          }
        });
    gone.forEach(this::forget);
  }

  /**
   * Removes a service here, with its unwritten heartbeat, bytes and index; under the write lock.
   */
  private Entry forget(String serviceId) {
    Entry e = services.remove(serviceId);
    if (e != null) {
      writes.forget(serviceId);
      totalBytes.addAndGet(-e.bytes());
      unindex(e.info);
    }
    return e;
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Hears every heartbeat the registry records (on the recording thread; keep it quick). */
  @FunctionalInterface
  public interface HeartbeatListener {
    void heartbeat(ServiceInfo service, Instant at, Map<String, Double> metrics);
  }

  private final List<HeartbeatListener> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Adds a listener of heartbeats (monitoring). */
  public void addListener(HeartbeatListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** The heartbeat TTL. */
  public Duration heartbeatTtl() {
    return ttl;
  }

  /**
   * Registers a service, or updates its registration (same id). A re-registration keeps the
   * heartbeat history.
   *
   * @throws FlowctlException INVALID_ARGUMENT for a service without id or type, RESOURCE_EXHAUSTED
   *     beyond the service or metadata limits
   */
  public ServiceState register(ServiceInfo info) {
    Objects.requireNonNull(info, "info");
    if (info.getServiceId().isBlank()) {
      throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, "the service id is empty");
    }
    checkServiceInfo(info);
    if (info.getServiceType() == ServiceType.SERVICE_TYPE_UNSPECIFIED
        || info.getServiceType() == ServiceType.UNRECOGNIZED) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "service '" + info.getServiceId() + "' has no service type");
    }
    if (info.getMetadataCount() > maxMetadataEntries) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "service '"
              + info.getServiceId()
              + "' has "
              + info.getMetadataCount()
              + " metadata entries; the limit is "
              + maxMetadataEntries);
    }
    int size = info.getSerializedSize();
    if (size > maxServiceBytes) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "the registration of '"
              + info.getServiceId()
              + "' is "
              + size
              + " bytes; the limit is "
              + maxServiceBytes);
    }
    // Registrations queue here, so that the store's write happens outside the registry's lock:
    // heartbeats go on while a registration waits for the database.
    registering.lock();
    try {
      // Another replica may hold this id: read its row first (one row, not the whole store).
      Optional<StoredService> elsewhere =
          store.shared() ? store.get(info.getServiceId()) : Optional.empty();
      Entry e;
      StoredService row;
      lock.writeLock().lock();
      try {
        elsewhere.ifPresent(
            r -> {
              if (!services.containsKey(r.info().getServiceId())) {
                adopt(List.of(r), Long.MAX_VALUE, false);
              }
            });
        e = admit(info, size);
        synchronized (e) {
          row = new StoredService(info, e.registeredAt, e.lastHeartbeat, e.metrics);
        }
      } finally {
        lock.writeLock().unlock();
      }
      store.put(row); // before anything changes here: a registration refused did not happen
      lock.writeLock().lock();
      try {
        services.putIfAbsent(info.getServiceId(), e);
        synchronized (e) {
          if (e.info != null) {
            unindex(e.info);
          }
          long before = e.bytes();
          e.info = info;
          e.infoBytes = 2L * size;
          e.changedAt = ++changes;
          e.storedVersion = -1; // the store counts its versions; the next sync reads it
          totalBytes.addAndGet(e.bytes() - before);
          e.healthy = true;
          index(info);
          return state(e);
        }
      } finally {
        lock.writeLock().unlock();
      }
    } finally {
      registering.unlock();
    }
  }

  /**
   * The entry a registration goes to (a new one, not yet in the map, for a new service) once the
   * limits and the instance check allow it; under the write lock.
   */
  private Entry admit(ServiceInfo info, int size) {
    Entry e = services.get(info.getServiceId());
    long infoBytes = 2L * size;
    long adding = infoBytes - (e == null ? 0 : e.infoBytes);
    if (adding > 0 && totalBytes.get() + adding > maxBytes) {
      throw overBudget("registering '" + info.getServiceId() + "'", adding);
    }
    if (e != null && e.info != null) {
      String held = e.info.getMetadataMap().get(INSTANCE_KEY);
      String claimed = info.getMetadataMap().get(INSTANCE_KEY);
      Duration silent = Duration.between(e.lastHeartbeat, clock.instant());
      if (held != null
          && claimed != null
          && !held.equals(claimed)
          && e.healthy
          && silent.compareTo(ttl) <= 0) {
        throw new FlowctlException(
            FlowctlException.Code.ALREADY_EXISTS,
            "service '"
                + info.getServiceId()
                + "' is held by another live instance (its last heartbeat "
                + silent.toMillis()
                + " ms ago): stop that one, or this one registers once its heartbeats have lapsed"
                + " for the TTL ("
                + ttl.toSeconds()
                + " s)");
      }
    }
    if (e == null) {
      if (services.size() >= maxServices) {
        throw new FlowctlException(
            FlowctlException.Code.RESOURCE_EXHAUSTED,
            "the registry holds " + services.size() + " services, its limit");
      }
      e = new Entry();
      e.registeredAt = clock.instant();
      e.lastHeartbeat = e.registeredAt;
      e.silentSince = e.registeredAt;
    }
    return e;
  }

  private void index(ServiceInfo info) {
    for (String t : info.getInputEventTypesList()) {
      consumers.computeIfAbsent(t, k -> new java.util.TreeSet<>()).add(info.getServiceId());
    }
    for (String t : info.getOutputEventTypesList()) {
      producers.computeIfAbsent(t, k -> new java.util.TreeSet<>()).add(info.getServiceId());
    }
  }

  private void unindex(ServiceInfo info) {
    for (String t : info.getInputEventTypesList()) {
      Set<String> ids = consumers.get(t);
      if (ids != null && ids.remove(info.getServiceId()) && ids.isEmpty()) {
        consumers.remove(t);
      }
    }
    for (String t : info.getOutputEventTypesList()) {
      Set<String> ids = producers.get(t);
      if (ids != null && ids.remove(info.getServiceId()) && ids.isEmpty()) {
        producers.remove(t);
      }
    }
  }

  /** Removes a service; returns whether it was registered. */
  public boolean unregister(String serviceId) {
    registering.lock();
    try {
      boolean stored = store.remove(serviceId);
      lock.writeLock().lock();
      try {
        if (forget(serviceId) == null) {
          return stored;
        }
        changes++;
        return true;
      } finally {
        lock.writeLock().unlock();
      }
    } finally {
      registering.unlock();
    }
  }

  /**
   * Records a heartbeat: the service is healthy again, its metrics are the ones given.
   *
   * @throws FlowctlException NOT_FOUND for a service that never registered (or was removed)
   */
  public ServiceState heartbeat(String serviceId, Map<String, Double> metrics) {
    Reading reading = new Reading(metrics, null);
    ServiceState state =
        record(serviceId, ServiceState.Reported.HEALTHY, current -> reading, e -> state(e));
    notifyListeners(state.info(), state.lastHeartbeat(), state.metrics());
    return state;
  }

  /**
   * Records a heartbeat like {@link #heartbeat} and returns only its time: the RPC path, which
   * needs no copy of the history.
   */
  public Instant recordHeartbeat(String serviceId, Map<String, Double> metrics) {
    Reading reading = new Reading(metrics, null);
    return record(serviceId, ServiceState.Reported.HEALTHY, current -> reading);
  }

  /** A heartbeat's metrics: the numbers, and every metric as reported (null: the numbers). */
  private record Reading(Map<String, Double> numbers, Map<String, String> text) {}

  /** What a heartbeat recorded, for the listeners, which run outside every lock. */
  private record Beat(ServiceInfo info, Instant at, Map<String, Double> metrics) {}

  private Instant record(
      String serviceId,
      ServiceState.Reported reported,
      java.util.function.Function<Map<String, String>, Reading> text) {
    Beat beat =
        record(serviceId, reported, text, e -> new Beat(e.info, e.lastHeartbeat, e.metrics));
    notifyListeners(beat.info(), beat.at(), beat.metrics());
    return beat.at();
  }

  /** Outside the registry's lock: a slow listener must not hold up other services. */
  private void notifyListeners(ServiceInfo info, Instant at, Map<String, Double> metrics) {
    for (HeartbeatListener l : listeners) {
      l.heartbeat(info, at, metrics);
    }
  }

  private static Map<String, String> asText(Map<String, Double> metrics) {
    Map<String, String> text = new java.util.HashMap<>();
    metrics.forEach((k, v) -> text.put(k, formatNumber(v)));
    return text;
  }

  /** The numeric ones among metrics reported as text. */
  private static Map<String, Double> numbers(Map<String, String> text) {
    Map<String, Double> numbers = new java.util.HashMap<>();
    text.forEach(
        (k, v) -> {
          try {
            numbers.put(k, Double.parseDouble(v));
          } catch (NumberFormatException notANumber) {
            // kept as text only
          }
        });
    return numbers;
  }

  /** A number as text: integral values without a fraction, as a Go client would send them. */
  private static String formatNumber(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  /**
   * Records a heartbeat under the read lock and the entry's lock and returns {@code result} of the
   * entry; {@code text} gives the heartbeat's metrics from the ones reported before.
   */
  private <T> T record(
      String serviceId,
      ServiceState.Reported reported,
      java.util.function.Function<Map<String, String>, Reading> text,
      java.util.function.Function<Entry, T> result) {
    for (int attempt = 0; ; attempt++) {
      lock.readLock().lock();
      try {
        Entry e = services.get(serviceId);
        if (e != null) {
          synchronized (e) {
            Reading reading = text.apply(reported(e));
            record(e, serviceId, reported, reading.numbers(), reading.text());
            return result.apply(e);
          }
        }
      } finally {
        lock.readLock().unlock();
      }
      if (attempt > 0 || !store.shared()) {
        throw new FlowctlException(
            FlowctlException.Code.NOT_FOUND,
            "heartbeat from unknown service '" + serviceId + "': register it first");
      }
      refresh(serviceId); // it may have registered with another replica
    }
  }

  private void record(
      Entry e,
      String serviceId,
      ServiceState.Reported reported,
      Map<String, Double> metrics,
      Map<String, String> text) {
    // Without text, the metrics are numbers as the legacy API sends them: their text is made when
    // asked for (ServiceState.reportedMetrics), not with every heartbeat.
    long sent = 0; // what the heartbeat carries, about
    if (text == null) {
      for (String name : metrics.keySet()) {
        checkName(name, "a metric name");
        sent += name.length() + 12;
      }
    } else {
      for (Map.Entry<String, String> m : text.entrySet()) {
        checkName(m.getKey(), "a metric name");
        checkValue(m.getValue(), "metric '" + m.getKey() + "'");
        sent += m.getKey().length() + m.getValue().length() + 4;
      }
    }
    int count = Math.max(metrics.size(), text == null ? 0 : text.size());
    if (count > maxMetadataEntries) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a heartbeat with " + count + " metrics; the limit is " + maxMetadataEntries);
    }
    long beat = metricBytes(metrics); // what one history entry holds
    long latest = beat + (text == null ? 0 : metricBytes(text));
    if (sent > maxHeartbeatBytes) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a heartbeat of '"
              + serviceId
              + "' with about "
              + sent
              + " bytes of metrics; the limit is "
              + maxHeartbeatBytes);
    }
    long before = e.bytes();
    long adding = latest - e.latestBytes + beat;
    if (adding > 0 && totalBytes.get() + adding > maxBytes) {
      // The history is the first thing to give up; the latest metrics are what the service is.
      while (!e.history.isEmpty() && totalBytes.get() + adding - (before - e.bytes()) > maxBytes) {
        e.historyBytes -= metricBytes(e.history.removeFirst().metrics());
      }
      totalBytes.addAndGet(e.bytes() - before);
      before = e.bytes();
      if (totalBytes.get() + adding > maxBytes) {
        throw overBudget("a heartbeat of '" + serviceId + "'", adding);
      }
    }
    Instant now = clock.instant();
    e.lastHeartbeat = now;
    e.silentSince = now;
    e.healthy = true;
    e.reported = reported;
    e.metrics = sharedNames(metrics);
    e.reportedMetrics = text == null ? null : Map.copyOf(text);
    e.latestBytes = latest;
    e.history.addLast(new ServiceState.Heartbeat(now, e.metrics));
    e.historyBytes += beat;
    writes.record(serviceId, now, e.metrics);
    while (e.history.size() > 1
        && (e.history.size() > historySize || e.historyBytes > historyBytes)) {
      e.historyBytes -= metricBytes(e.history.removeFirst().metrics());
    }
    totalBytes.addAndGet(e.bytes() - before);
  }

  /**
   * Records a heartbeat of the v1 API the way upstream does: its string metrics are merged into the
   * ones reported before and kept verbatim (the numeric ones also feed {@link
   * ServiceState#metrics()}), and its status is what the service says of itself.
   *
   * @param status the reported status; null (v1's UNKNOWN) counts as HEALTHY
   * @throws FlowctlException NOT_FOUND for an unknown service, RESOURCE_EXHAUSTED when the merged
   *     metrics pass the limit
   */
  public Instant recordHeartbeat(
      String serviceId, ServiceState.Reported status, Map<String, String> metrics) {
    return record(
        serviceId,
        status == null ? ServiceState.Reported.HEALTHY : status,
        current -> {
          Map<String, String> merged = new java.util.HashMap<>(current);
          merged.putAll(metrics);
          return new Reading(numbers(merged), merged);
        });
  }

  /**
   * Writes the heartbeats recorded since the last flush to the store, in one batch; with {@link
   * Builder#heartbeatFlushInterval} the host calls this every interval and once when it stops
   * ({@code FlowctlServer} does). Heartbeats a failed write could not store are kept for the next
   * flush, unless a newer one of the same service arrived meanwhile.
   *
   * @return how many heartbeats were written
   * @throws StoreException when the store refuses the batch
   */
  public int flushHeartbeats() {
    return writes.flush();
  }

  /**
   * Reads one service's row from a shared store and takes it: registered, changed or removed by
   * another replica, or a newer heartbeat.
   */
  private void refresh(String serviceId) {
    if (!store.shared()) {
      return;
    }
    long since = changes;
    Optional<StoredService> row = store.get(serviceId);
    lock.writeLock().lock();
    try {
      if (row.isPresent()) {
        adopt(List.of(row.get()), since, false);
      } else {
        Entry e = services.get(serviceId);
        if (e != null && e.changedAt <= since) {
          forget(serviceId);
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Marks unhealthy every service silent for longer than the TTL; returns their ids.
   *
   * <p>Time this process itself did not run is not counted as a service's silence. A sweep that
   * comes later than the sweep interval says so: the process was paused (a long GC, CPU starvation,
   * a suspended VM), and heartbeats that arrived meanwhile may still wait in the server's queues.
   * Without this, every pause longer than a TTL minus a heartbeat interval would turn healthy
   * services unhealthy the moment the process ran again.
   */
  public List<String> sweep() {
    sync();
    lock.writeLock().lock();
    try {
      Instant now = clock.instant();
      pauses.sweptAt(now);
      Instant deadline = now.minus(ttl);
      List<String> turned = new ArrayList<>();
      for (Map.Entry<String, Entry> m : services.entrySet()) {
        Entry e = m.getValue();
        if (e.healthy
            && e.silentSince.isBefore(deadline)
            && pauses.silence(e.silentSince, now).compareTo(ttl) > 0) {
          e.healthy = false;
          turned.add(m.getKey());
        }
      }
      turned.sort(Comparator.naturalOrder());
      return turned;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * The service's state. With a shared store its row is read first, so a heartbeat another replica
   * recorded counts here once that replica has flushed it.
   *
   * @throws FlowctlException NOT_FOUND naming the service when it is not registered
   */
  public ServiceState require(String serviceId) {
    return status(serviceId)
        .orElseThrow(
            () ->
                new FlowctlException(
                    FlowctlException.Code.NOT_FOUND, "unknown service '" + serviceId + "'"));
  }

  /** The service's state, read like {@link #require}; empty when it is not registered. */
  public Optional<ServiceState> status(String serviceId) {
    refresh(serviceId);
    return read(() -> Optional.ofNullable(services.get(serviceId)).map(ServiceRegistry::state));
  }

  /** Every service, by id. */
  public List<ServiceState> list() {
    sync();
    return read(
        () -> {
          List<ServiceState> out = new ArrayList<>(services.size());
          services.values().forEach(e -> out.add(state(e)));
          out.sort(Comparator.comparing(ServiceState::serviceId));
          return out;
        });
  }

  /**
   * The ids of the services not healthy now, sorted: what a health check of a whole fleet needs,
   * without copying every service's history as {@link #list} does.
   */
  public List<String> unhealthy() {
    sync();
    return read(
        () -> {
          List<String> out = new ArrayList<>();
          services.forEach(
              (id, e) -> {
                synchronized (e) {
                  if (!(e.healthy && e.reported.serving())) {
                    out.add(id);
                  }
                }
              });
          out.sort(Comparator.naturalOrder());
          return out;
        });
  }

  /** The ids of every service, sorted. */
  public List<String> ids() {
    sync();
    return read(
        () -> {
          List<String> out = new ArrayList<>(services.keySet());
          out.sort(Comparator.naturalOrder());
          return out;
        });
  }

  /** How many services are registered. */
  public int size() {
    sync();
    return read(services::size);
  }

  /** The services whose inputs take {@code eventType}, by id (from an index, not a scan). */
  public List<ServiceState> consumersOf(String eventType) {
    sync();
    return read(() -> statesOf(consumers.get(eventType)));
  }

  /** The services that produce {@code eventType}, by id. */
  public List<ServiceState> producersOf(String eventType) {
    sync();
    return read(() -> statesOf(producers.get(eventType)));
  }

  private <T> T read(java.util.function.Supplier<T> reading) {
    lock.readLock().lock();
    try {
      return reading.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  private List<ServiceState> statesOf(Set<String> ids) {
    if (ids == null) {
      return List.of();
    }
    List<ServiceState> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      out.add(state(services.get(id)));
    }
    return out;
  }

  /**
   * The type check when services are connected: every input event type of {@code downstream} must
   * be produced by one of {@code upstream}.
   *
   * @return the input types nothing upstream produces (empty: the connection is sound)
   */
  public Set<String> unmatchedInputs(List<String> upstream, String downstream) {
    Set<String> produced = new HashSet<>();
    for (String id : upstream) {
      produced.addAll(require(id).info().getOutputEventTypesList());
    }
    Set<String> missing =
        new java.util.TreeSet<>(require(downstream).info().getInputEventTypesList());
    missing.removeAll(produced);
    return missing;
  }

  /** An immutable copy whose metric names are the shared instances. */
  private static Map<String, Double> sharedNames(Map<String, Double> metrics) {
    Map<String, Double> out = new HashMap<>(metrics.size() * 2);
    metrics.forEach((k, v) -> out.put(Names.shared(k), v));
    return Map.copyOf(out);
  }

  /** The metrics as reported; under the entry's lock. */
  private static Map<String, String> reported(Entry e) {
    return e.reportedMetrics == null ? Map.copyOf(asText(e.metrics)) : e.reportedMetrics;
  }

  /** A copy of the entry's state; takes the entry's lock. */
  private static ServiceState state(Entry e) {
    synchronized (e) {
      return new ServiceState(
          e.info,
          e.healthy && e.reported.serving(),
          e.registeredAt,
          e.lastHeartbeat,
          e.metrics,
          List.copyOf(e.history),
          e.reported,
          reported(e),
          e.healthy);
    }
  }

  /** Settings of a registry. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Duration ttl = Duration.ofSeconds(30);
    private Duration sweepInterval;
    private Duration flushInterval;
    private Duration syncInterval = Duration.ofSeconds(1);
    private int historySize = 8;
    private int maxServices = 10_000;
    private int maxMetadataEntries = 256;
    private int maxServiceBytes = 64 << 10;
    private int maxHeartbeatBytes = 32 << 10;
    private long historyBytes = 256 << 10;
    private long maxBytes = 256L << 20;
    private ServiceStore store = new InMemoryServiceStore();

    private Builder() {}

    /**
     * Keeps services in {@code store}: a restarted registry finds them again, and replicas on one
     * database see each other's services and heartbeats. Default: memory only.
     */
    public Builder store(ServiceStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How long a service stays healthy without a heartbeat; default 30 s. */
    public Builder heartbeatTtl(Duration ttl) {
      this.ttl = Require.positive(ttl, "the TTL");
      return this;
    }

    /**
     * How often the host calls {@link #sweep()} ({@code FlowctlServer} sets its own). Then a sweep
     * much later than this shows that the process was paused, and the pause is not counted against
     * services. Default: unset, for hosts that sweep when they please.
     */
    public Builder sweepInterval(Duration interval) {
      this.sweepInterval = Require.positive(interval, "the sweep interval");
      return this;
    }

    /**
     * Keeps heartbeats in memory and writes them to the store in batches, each service's newest
     * only, when the host calls {@link #flushHeartbeats()} (every {@code interval}: it is also how
     * stale other replicas' view of this one's heartbeats may be). A crash loses at most that
     * window of heartbeat times, which services repeat within their own interval; registrations are
     * written before {@link #register} returns either way. Default: unset, every heartbeat is
     * written as it arrives.
     */
    public Builder heartbeatFlushInterval(Duration interval) {
      this.flushInterval = Require.positive(interval, "the heartbeat flush interval");
      return this;
    }

    /**
     * With a shared store, how often the whole-fleet reads ({@link #list}, {@link #unhealthy},
     * {@link #sweep}) first follow what other replicas wrote; default 1 s. A replica's view of
     * another's heartbeats is this plus that replica's flush interval late, which counts only
     * against the TTL; {@link #status} reads its one service from the store every time.
     */
    public Builder replicaSyncInterval(Duration interval) {
      this.syncInterval = Require.positive(interval, "the replica sync interval");
      return this;
    }

    /** Heartbeats kept per service ({@link ServiceState#history()}); default 8. */
    public Builder historySize(int size) {
      this.historySize = size;
      return this;
    }

    public Builder maxServices(int max) {
      this.maxServices = max;
      return this;
    }

    /** Metadata entries per service and metrics per heartbeat; default 256. */
    public Builder maxMetadataEntries(int max) {
      this.maxMetadataEntries = max;
      return this;
    }

    /** The largest registration (a serialized {@code ServiceInfo}); default 64 KiB. */
    public Builder maxServiceBytes(int bytes) {
      this.maxServiceBytes = positive(bytes, "maxServiceBytes");
      return this;
    }

    /** The most metric names and values one heartbeat may carry, in bytes; default 32 KiB. */
    public Builder maxHeartbeatBytes(int bytes) {
      this.maxHeartbeatBytes = positive(bytes, "maxHeartbeatBytes");
      return this;
    }

    /**
     * Heap one service's heartbeat history may hold (estimated); older heartbeats go first, the
     * newest always stays. Default 256 KiB.
     */
    public Builder historyBytes(long bytes) {
      this.historyBytes = positive(bytes, "historyBytes");
      return this;
    }

    /**
     * Heap the whole registry may hold for registrations, metrics and histories (estimated); beyond
     * it histories are trimmed, then registrations and heartbeats are refused with
     * RESOURCE_EXHAUSTED. Default 256 MiB.
     */
    public Builder maxBytes(long bytes) {
      this.maxBytes = positive(bytes, "maxBytes");
      return this;
    }

    private static <N extends Number> N positive(N n, String what) {
      if (n.longValue() <= 0) {
        throw new IllegalArgumentException(what + " must be positive: " + n);
      }
      return n;
    }

    public ServiceRegistry build() {
      return new ServiceRegistry(this);
    }
  }
}
