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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

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
 * <p>Its parts: the services, their event-type indexes and byte budget under one read-write lock
 * ({@code ServiceTable}: heartbeats and reads share the read lock and change one entry under its
 * own lock, so thousands of services heartbeat side by side), following other replicas through a
 * shared store ({@code ReplicaSync}), heartbeats written through or batched ({@link
 * HeartbeatWrites}), pause tracking ({@link Pauses}) and name checks ({@code
 * server.internal.Names}). This class holds the rules: admission, limits, the instance check,
 * heartbeat accounting against the byte budget, health. Why it is still long: each rule is applied
 * under the table's locks in the same step as the change it judges, so a registration or heartbeat
 * is checked, accounted and applied at once.
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
  private final int historySize;
  private final int maxServices;
  private final int maxMetadataEntries;
  private final int maxServiceBytes;
  private final int maxHeartbeatBytes;
  private final long historyBytes;
  private final ServiceStore store;
  private final Pauses pauses;

  /** Registrations and removals one at a time, their store writes outside {@link #lock}. */
  private final java.util.concurrent.locks.ReentrantLock registering =
      new java.util.concurrent.locks.ReentrantLock();

  /** The services, their indexes and their bytes, under one read-write lock. */
  private final ServiceTable table;

  /** Follows what other replicas write to a shared store. */
  private final ReplicaSync replicas;

  /** Where heartbeats go in the store: through at once, or batched per flush. */
  private final HeartbeatWrites writes;

  private ServiceRegistry(Builder b) {
    this.clock = b.clock;
    this.ttl = b.ttl;
    this.sweepInterval = b.sweepInterval;
    this.writes = new HeartbeatWrites(b.store, b.flushInterval != null);
    this.table = new ServiceTable(b.maxBytes, writes);
    this.replicas = new ReplicaSync(table, b.store, clock, b.ttl, b.syncInterval);
    this.pauses = new Pauses(b.sweepInterval, b.ttl);
    this.historySize = b.historySize;
    this.maxServices = b.maxServices;
    this.maxMetadataEntries = b.maxMetadataEntries;
    this.maxServiceBytes = b.maxServiceBytes;
    this.maxHeartbeatBytes = b.maxHeartbeatBytes;
    this.historyBytes = b.historyBytes;
    this.store = b.store;
    // What an earlier process (or another replica) registered.
    table.write(() -> replicas.adopt(store.all(), 0, true));
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
      ServiceEntry e;
      StoredService row;
      table.lock.writeLock().lock();
      try {
        elsewhere.ifPresent(
            r -> {
              if (!table.services.containsKey(r.info().getServiceId())) {
                replicas.adopt(List.of(r), Long.MAX_VALUE, false);
              }
            });
        e = admit(info, size);
        synchronized (e) {
          row = new StoredService(info, e.registeredAt, e.lastHeartbeat, e.metrics);
        }
      } finally {
        table.lock.writeLock().unlock();
      }
      store.put(row); // before anything changes here: a registration refused did not happen
      table.lock.writeLock().lock();
      try {
        table.services.putIfAbsent(info.getServiceId(), e);
        synchronized (e) {
          if (e.info != null) {
            table.unindex(e.info);
          }
          long before = e.bytes();
          e.info = info;
          e.infoBytes = 2L * size;
          e.changedAt = ++table.changes;
          e.storedVersion = -1; // the store counts its versions; the next sync reads it
          table.account(e, before);
          e.healthy = true;
          table.index(info);
        }
      } finally {
        table.lock.writeLock().unlock();
      }
      return e.state();
    } finally {
      registering.unlock();
    }
  }

  /**
   * The entry a registration goes to (a new one, not yet in the map, for a new service) once the
   * limits and the instance check allow it; under the write lock.
   */
  private ServiceEntry admit(ServiceInfo info, int size) {
    ServiceEntry e = table.services.get(info.getServiceId());
    long infoBytes = 2L * size;
    long adding = infoBytes - (e == null ? 0 : e.infoBytes);
    if (!table.fits(adding)) {
      throw table.overBudget("registering '" + info.getServiceId() + "'", adding);
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
      if (table.services.size() >= maxServices) {
        throw new FlowctlException(
            FlowctlException.Code.RESOURCE_EXHAUSTED,
            "the registry holds " + table.services.size() + " services, its limit");
      }
      Instant now = clock.instant();
      e = ServiceEntry.at(now, now);
    }
    return e;
  }

  /** Removes a service; returns whether it was registered. */
  public boolean unregister(String serviceId) {
    registering.lock();
    try {
      boolean stored = store.remove(serviceId);
      table.lock.writeLock().lock();
      try {
        if (table.forget(serviceId) == null) {
          return stored;
        }
        table.changes++;
        return true;
      } finally {
        table.lock.writeLock().unlock();
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
        record(serviceId, ServiceState.Reported.HEALTHY, current -> reading, ServiceEntry::state);
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

  /**
   * Records a heartbeat under the read lock and the entry's lock and returns {@code result} of the
   * entry; {@code text} gives the heartbeat's metrics from the ones reported before.
   */
  private <T> T record(
      String serviceId,
      ServiceState.Reported reported,
      java.util.function.Function<Map<String, String>, Reading> text,
      java.util.function.Function<ServiceEntry, T> result) {
    for (int attempt = 0; ; attempt++) {
      table.lock.readLock().lock();
      try {
        ServiceEntry e = table.services.get(serviceId);
        if (e != null) {
          synchronized (e) {
            Reading reading = text.apply(e.reportedMetrics());
            record(e, serviceId, reported, reading.numbers(), reading.text());
            return result.apply(e);
          }
        }
      } finally {
        table.lock.readLock().unlock();
      }
      if (attempt > 0 || !store.shared()) {
        throw new FlowctlException(
            FlowctlException.Code.NOT_FOUND,
            "heartbeat from unknown service '" + serviceId + "': register it first");
      }
      replicas.refresh(serviceId); // it may have registered with another replica
    }
  }

  private void record(
      ServiceEntry e,
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
    long beat = ServiceEntry.metricBytes(metrics); // what one history entry holds
    long latest = beat + (text == null ? 0 : ServiceEntry.metricBytes(text));
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
    if (!table.fits(adding)) {
      // The history is the first thing to give up; the latest metrics are what the service is.
      while (!e.history.isEmpty() && !table.fits(adding - (before - e.bytes()))) {
        e.historyBytes -= ServiceEntry.metricBytes(e.history.removeFirst().metrics());
      }
      table.account(e, before);
      before = e.bytes();
      if (!table.fits(adding)) {
        throw table.overBudget("a heartbeat of '" + serviceId + "'", adding);
      }
    }
    Instant now = clock.instant();
    e.lastHeartbeat = now;
    e.silentSince = now;
    e.healthy = true;
    e.reported = reported;
    e.metrics = ServiceEntry.sharedNames(metrics);
    e.reportedMetrics = text == null ? null : Map.copyOf(text);
    e.latestBytes = latest;
    e.history.addLast(new ServiceState.Heartbeat(now, e.metrics));
    e.historyBytes += beat;
    writes.record(serviceId, now, e.metrics);
    while (e.history.size() > 1
        && (e.history.size() > historySize || e.historyBytes > historyBytes)) {
      e.historyBytes -= ServiceEntry.metricBytes(e.history.removeFirst().metrics());
    }
    table.account(e, before);
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
          return new Reading(ServiceEntry.numbers(merged), merged);
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
   * Marks unhealthy every service silent for longer than the TTL; returns their ids.
   *
   * <p>Time this process itself did not run is not counted as a service's silence. A sweep that
   * comes later than the sweep interval says so: the process was paused (a long GC, CPU starvation,
   * a suspended VM), and heartbeats that arrived meanwhile may still wait in the server's queues.
   * Without this, every pause longer than a TTL minus a heartbeat interval would turn healthy
   * services unhealthy the moment the process ran again.
   */
  public List<String> sweep() {
    replicas.sync();
    table.lock.writeLock().lock();
    try {
      Instant now = clock.instant();
      pauses.sweptAt(now);
      Instant deadline = now.minus(ttl);
      List<String> turned = new ArrayList<>();
      for (Map.Entry<String, ServiceEntry> m : table.services.entrySet()) {
        ServiceEntry e = m.getValue();
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
      table.lock.writeLock().unlock();
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
    replicas.refresh(serviceId);
    return table.read(
        () -> Optional.ofNullable(table.services.get(serviceId)).map(ServiceEntry::state));
  }

  /** Every service, by id. */
  public List<ServiceState> list() {
    replicas.sync();
    return table.read(
        () -> {
          List<ServiceState> out = new ArrayList<>(table.services.size());
          table.services.values().forEach(e -> out.add(e.state()));
          out.sort(Comparator.comparing(ServiceState::serviceId));
          return out;
        });
  }

  /**
   * The ids of the services not healthy now, sorted: what a health check of a whole fleet needs,
   * without copying every service's history as {@link #list} does.
   */
  public List<String> unhealthy() {
    replicas.sync();
    return table.read(
        () -> {
          List<String> out = new ArrayList<>();
          table.services.forEach(
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
    replicas.sync();
    return table.read(
        () -> {
          List<String> out = new ArrayList<>(table.services.keySet());
          out.sort(Comparator.naturalOrder());
          return out;
        });
  }

  /** How many services are registered. */
  public int size() {
    replicas.sync();
    return table.read(table.services::size);
  }

  /** The services whose inputs take {@code eventType}, by id (from an index, not a scan). */
  public List<ServiceState> consumersOf(String eventType) {
    replicas.sync();
    return table.of(eventType, true);
  }

  /** The services that produce {@code eventType}, by id. */
  public List<ServiceState> producersOf(String eventType) {
    replicas.sync();
    return table.of(eventType, false);
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
      this.ttl = Require.positive(ttl, "the heartbeat TTL");
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
      this.maxServices = Require.positive(max, "maxServices");
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
