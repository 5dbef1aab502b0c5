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

/**
 * The services of a control plane and their health. A service is healthy while its heartbeats
 * arrive within the TTL; {@link #sweep()} (call it every sweep interval) marks the silent ones
 * unhealthy, and a later heartbeat makes a service healthy again. Time comes from the injected
 * clock, so the rules are tested without sleeping. With a {@link ServiceStore} it writes every
 * change through and reads what other replicas wrote. Usable without gRPC; thread-safe.
 *
 * <p>Why this file is long: a service's entry, the event-type indexes, the byte budget and the
 * write-through to the store change together under the registry's one lock, and splitting them
 * would spread that invariant over classes that each hold half of it. What needs none of it lives
 * elsewhere: name checks ({@code server.internal.Names}), pause tracking ({@link Pauses}).
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
  private final long maxBytes;
  private final ServiceStore store;
  private final Pauses pauses;
  private final Map<String, Entry> services = new HashMap<>();

  /** Event type → ids of the services consuming / producing it, kept with every registration. */
  private final Map<String, Set<String>> consumers = new HashMap<>();

  private final Map<String, Set<String>> producers = new HashMap<>();

  private static final class Entry {
    ServiceInfo info;
    Instant registeredAt;
    Instant lastHeartbeat;
    boolean healthy = true; // heartbeats within the TTL
    ServiceState.Reported reported = ServiceState.Reported.HEALTHY;
    Map<String, Double> metrics = Map.of();
    Map<String, String> reportedMetrics = Map.of();
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

  /** Heap the registry's entries hold, estimated; guarded by this. */
  private long totalBytes;

  private void account(Entry e, long before) {
    totalBytes += e.bytes() - before;
  }

  private FlowctlException overBudget(String what, long adding) {
    return new FlowctlException(
        FlowctlException.Code.RESOURCE_EXHAUSTED,
        what
            + " would take the registry to "
            + (totalBytes + adding) / 1024
            + " KiB, over its limit of "
            + maxBytes / 1024
            + " KiB (ServiceRegistry.Builder.maxBytes)");
  }

  private ServiceRegistry(Builder b) {
    this.clock = b.clock;
    this.ttl = b.ttl;
    this.sweepInterval = b.sweepInterval;
    this.pauses = new Pauses(b.sweepInterval, b.ttl);
    this.historySize = b.historySize;
    this.maxServices = b.maxServices;
    this.maxMetadataEntries = b.maxMetadataEntries;
    this.maxServiceBytes = b.maxServiceBytes;
    this.maxHeartbeatBytes = b.maxHeartbeatBytes;
    this.historyBytes = b.historyBytes;
    this.maxBytes = b.maxBytes;
    this.store = b.store;
    sync();
  }

  /**
   * With a store, adopts what it holds: services registered, changed or removed by another replica
   * (or before a restart), and heartbeats newer than the ones seen here.
   */
  private void sync() {
    if (!store.shared()) {
      return;
    }
    Instant deadline = clock.instant().minus(ttl);
    Set<String> seen = new HashSet<>();
    for (StoredService stored : store.all()) {
      String id = stored.info().getServiceId();
      seen.add(id);
      Entry e = services.get(id);
      if (e == null) {
        e = new Entry();
        e.registeredAt = stored.registeredAt();
        e.lastHeartbeat = stored.lastHeartbeat();
        e.metrics = stored.metrics();
        e.reportedMetrics = asText(stored.metrics());
        e.healthy = !stored.lastHeartbeat().isBefore(deadline);
        services.put(id, e);
      } else {
        unindex(e.info);
        if (stored.lastHeartbeat().isAfter(e.lastHeartbeat)) {
          e.lastHeartbeat = stored.lastHeartbeat();
          e.metrics = stored.metrics();
          e.reportedMetrics = asText(stored.metrics());
          e.healthy = !stored.lastHeartbeat().isBefore(deadline);
        }
      }
      long before = e.bytes();
      e.info = stored.info();
      e.infoBytes = 2L * e.info.getSerializedSize();
      e.latestBytes = metricBytes(e.metrics) + metricBytes(e.reportedMetrics);
      account(e, before);
      index(e.info);
    }
    for (String id : new ArrayList<>(services.keySet())) {
      if (!seen.contains(id)) {
        Entry gone = services.remove(id);
        totalBytes -= gone.bytes();
        unindex(gone.info);
      }
    }
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
  public synchronized ServiceState register(ServiceInfo info) {
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
    sync();
    Entry e = services.get(info.getServiceId());
    long infoBytes = 2L * size;
    long adding = infoBytes - (e == null ? 0 : e.infoBytes);
    if (adding > 0 && totalBytes + adding > maxBytes) {
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
      services.put(info.getServiceId(), e);
    }
    if (e.info != null) {
      unindex(e.info);
    }
    long before = e.bytes();
    e.info = info;
    e.infoBytes = infoBytes;
    account(e, before);
    e.healthy = true;
    index(info);
    store.put(new StoredService(info, e.registeredAt, e.lastHeartbeat, e.metrics));
    return state(e);
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
  public synchronized boolean unregister(String serviceId) {
    sync();
    Entry e = services.remove(serviceId);
    if (e == null) {
      return false;
    }
    totalBytes -= e.bytes();
    unindex(e.info);
    store.remove(serviceId);
    return true;
  }

  /**
   * Records a heartbeat: the service is healthy again, its metrics are the ones given.
   *
   * @throws FlowctlException NOT_FOUND for a service that never registered (or was removed)
   */
  public ServiceState heartbeat(String serviceId, Map<String, Double> metrics) {
    ServiceState state;
    synchronized (this) {
      state = state(record(serviceId, metrics));
    }
    notifyListeners(state.info(), state.lastHeartbeat(), state.metrics());
    return state;
  }

  /**
   * Records a heartbeat like {@link #heartbeat} and returns only its time: the RPC path, which
   * needs no copy of the history.
   */
  public Instant recordHeartbeat(String serviceId, Map<String, Double> metrics) {
    ServiceInfo info;
    Instant at;
    Map<String, Double> recorded;
    synchronized (this) {
      Entry e = record(serviceId, metrics);
      info = e.info;
      at = e.lastHeartbeat;
      recorded = e.metrics;
    }
    notifyListeners(info, at, recorded);
    return at;
  }

  /** Outside the registry's lock: a slow listener must not hold up other services. */
  private void notifyListeners(ServiceInfo info, Instant at, Map<String, Double> metrics) {
    for (HeartbeatListener l : listeners) {
      l.heartbeat(info, at, metrics);
    }
  }

  private Entry record(String serviceId, Map<String, Double> metrics) {
    return record(serviceId, ServiceState.Reported.HEALTHY, metrics, asText(metrics));
  }

  private static Map<String, String> asText(Map<String, Double> metrics) {
    Map<String, String> text = new java.util.HashMap<>();
    metrics.forEach((k, v) -> text.put(k, formatNumber(v)));
    return text;
  }

  /** A number as text: integral values without a fraction, as a Go client would send them. */
  private static String formatNumber(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  private Entry record(
      String serviceId,
      ServiceState.Reported reported,
      Map<String, Double> metrics,
      Map<String, String> text) {
    Entry e = services.get(serviceId);
    if (e == null) {
      sync(); // it may have registered with another replica
      e = services.get(serviceId);
    }
    if (e == null) {
      throw new FlowctlException(
          FlowctlException.Code.NOT_FOUND,
          "heartbeat from unknown service '" + serviceId + "': register it first");
    }
    for (Map.Entry<String, String> m : text.entrySet()) {
      checkName(m.getKey(), "a metric name");
      checkValue(m.getValue(), "metric '" + m.getKey() + "'");
    }
    if (metrics.size() > maxMetadataEntries || text.size() > maxMetadataEntries) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a heartbeat with "
              + Math.max(metrics.size(), text.size())
              + " metrics; the limit is "
              + maxMetadataEntries);
    }
    long beat = metricBytes(metrics); // what one history entry holds
    long latest = beat + metricBytes(text);
    long sent = 0; // what the heartbeat carries, about
    for (Map.Entry<String, String> m : text.entrySet()) {
      sent += m.getKey().length() + m.getValue().length() + 4;
    }
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
    if (adding > 0 && totalBytes + adding > maxBytes) {
      // The history is the first thing to give up; the latest metrics are what the service is.
      while (!e.history.isEmpty() && totalBytes + adding - (before - e.bytes()) > maxBytes) {
        e.historyBytes -= metricBytes(e.history.removeFirst().metrics());
      }
      account(e, before);
      before = e.bytes();
      if (totalBytes + adding > maxBytes) {
        throw overBudget("a heartbeat of '" + serviceId + "'", adding);
      }
    }
    Instant now = clock.instant();
    e.lastHeartbeat = now;
    e.healthy = true;
    e.reported = reported;
    e.metrics = Map.copyOf(metrics);
    e.reportedMetrics = Map.copyOf(text);
    e.latestBytes = latest;
    e.history.addLast(new ServiceState.Heartbeat(now, e.metrics));
    e.historyBytes += beat;
    store.heartbeat(serviceId, now, e.metrics);
    while (e.history.size() > 1
        && (e.history.size() > historySize || e.historyBytes > historyBytes)) {
      e.historyBytes -= metricBytes(e.history.removeFirst().metrics());
    }
    account(e, before);
    return e;
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
    ServiceInfo info;
    Instant at;
    Map<String, Double> numeric;
    synchronized (this) {
      Entry current = services.get(serviceId);
      Map<String, String> merged =
          new java.util.HashMap<>(current == null ? Map.of() : current.reportedMetrics);
      merged.putAll(metrics);
      Map<String, Double> numbers = new java.util.HashMap<>();
      merged.forEach(
          (k, v) -> {
            try {
              numbers.put(k, Double.parseDouble(v));
            } catch (NumberFormatException notANumber) {
              // kept as text only
            }
          });
      Entry e =
          record(
              serviceId, status == null ? ServiceState.Reported.HEALTHY : status, numbers, merged);
      info = e.info;
      at = e.lastHeartbeat;
      numeric = e.metrics;
    }
    notifyListeners(info, at, numeric);
    return at;
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
  public synchronized List<String> sweep() {
    sync();
    Instant now = clock.instant();
    pauses.sweptAt(now);
    Instant deadline = now.minus(ttl);
    List<String> turned = new ArrayList<>();
    for (Map.Entry<String, Entry> m : services.entrySet()) {
      Entry e = m.getValue();
      if (e.healthy && e.lastHeartbeat.isBefore(deadline) && silence(e, now).compareTo(ttl) > 0) {
        e.healthy = false;
        turned.add(m.getKey());
      }
    }
    turned.sort(Comparator.naturalOrder());
    return turned;
  }

  /** A span during which this process did not run, as late sweeps show it. */
  /** How long a service has been silent, leaving out the pauses since its last heartbeat. */
  private Duration silence(Entry e, Instant now) {
    return pauses.silence(e.lastHeartbeat, now);
  }

  /**
   * The service's state.
   *
   * @throws FlowctlException NOT_FOUND naming the service when it is not registered
   */
  public synchronized ServiceState require(String serviceId) {
    sync();
    return state(entry(serviceId));
  }

  private Entry entry(String serviceId) {
    Entry e = services.get(serviceId);
    if (e == null) {
      throw new FlowctlException(
          FlowctlException.Code.NOT_FOUND, "unknown service '" + serviceId + "'");
    }
    return e;
  }

  public synchronized Optional<ServiceState> status(String serviceId) {
    sync();
    Entry e = services.get(serviceId);
    return e == null ? Optional.empty() : Optional.of(state(e));
  }

  /** Every service, by id. */
  public synchronized List<ServiceState> list() {
    sync();
    List<ServiceState> out = new ArrayList<>();
    services.values().forEach(e -> out.add(state(e)));
    out.sort(Comparator.comparing(ServiceState::serviceId));
    return out;
  }

  /** The services whose inputs take {@code eventType}, by id (from an index, not a scan). */
  public synchronized List<ServiceState> consumersOf(String eventType) {
    sync();
    return statesOf(consumers.get(eventType));
  }

  /** The services that produce {@code eventType}, by id. */
  public synchronized List<ServiceState> producersOf(String eventType) {
    sync();
    return statesOf(producers.get(eventType));
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
  public synchronized Set<String> unmatchedInputs(List<String> upstream, String downstream) {
    sync();
    Entry d = entry(downstream);
    Set<String> produced = new HashSet<>();
    for (String id : upstream) {
      produced.addAll(entry(id).info.getOutputEventTypesList());
    }
    Set<String> missing = new java.util.TreeSet<>(d.info.getInputEventTypesList());
    missing.removeAll(produced);
    return missing;
  }

  private static ServiceState state(Entry e) {
    return new ServiceState(
        e.info,
        e.healthy && e.reported.serving(),
        e.registeredAt,
        e.lastHeartbeat,
        e.metrics,
        List.copyOf(e.history),
        e.reported,
        e.reportedMetrics,
        e.healthy);
  }

  /** Settings of a registry. */
  public static final class Builder {
    private Clock clock = Clock.systemUTC();
    private Duration ttl = Duration.ofSeconds(30);
    private Duration sweepInterval;
    private int historySize = 32;
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

    /** Heartbeats kept per service for rates; default 32. */
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
