package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.FlowctlException;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.monitoring.view.Alert;
import io.flowctl.server.monitoring.view.CompatibilityMatrix;
import io.flowctl.server.monitoring.view.Histogram;
import io.flowctl.server.monitoring.view.Overview;
import io.flowctl.server.monitoring.view.PipelineView;
import io.flowctl.server.monitoring.view.Point;
import io.flowctl.server.monitoring.view.Recommendation;
import io.flowctl.server.monitoring.view.SchemaEvent;
import io.flowctl.server.monitoring.view.ServiceView;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.registry.ServiceState;
import io.flowctl.server.schema.Registration;
import io.flowctl.server.schema.SchemaRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control plane's view of its services' Arrow metrics: every heartbeat's metrics kept per
 * service over a sliding window ({@link ServiceSeries}), with rates and percentiles of batch size
 * and latency, per-pipeline aggregates, the schema registry's registrations and refusals, alerts
 * against {@link AlertThresholds} ({@link AlertEngine}) and recommendations ({@link Recommender}).
 * Everything is also exported as Micrometer meters (Prometheus through {@link MonitoringServer}).
 *
 * <p>Reads change nothing. Time alone changes two things — services that left the registry and the
 * window, and refusals that aged out of the window — so {@link #sweep()} applies them; {@code
 * FlowctlServer} calls it every second, an embedder on a schedule of its own. Thread-safe.
 */
public final class Monitor {
  /** The heartbeat metric names of the Arrow integration, exported as gauges per service. */
  public static final List<String> ARROW_METRICS =
      List.of(
          "arrow_batches_per_second",
          "arrow_rows_per_second",
          "arrow_bytes_per_second",
          "arrow_compression_ratio",
          "arrow_null_percentage",
          "arrow_schema_evolution_events",
          "arrow_serialization_time_ms",
          "arrow_deserialization_time_ms",
          "arrow_memory_usage_bytes",
          "arrow_schema_validation_errors",
          "arrow_compatibility_check_failures",
          "arrow_processing_errors",
          "arrow_batch_size_avg");

  /** Rows and columns of the matrix at most. */
  public static final int MATRIX_MAX = 40;

  /** Services, alerts, recommendations and validation entries in the overview at most. */
  public static final int OVERVIEW_MAX = 100;

  /** Points of one service's series in the overview at most (the newest). */
  public static final int OVERVIEW_POINTS = 150;

  /** Points one service keeps over the window at most: one per window / this. */
  private static final int MAX_SAMPLES = 600;

  private static final int MAX_SCHEMA_EVENTS = 500;

  /** Bucket edges of the batch size histogram, in rows. */
  static final long[] BATCH_BUCKETS = {100, 1_000, 10_000, 100_000};

  private final ServiceRegistry services;
  private final Clock clock;
  private final Duration window;
  private final AlertThresholds thresholds;
  private final Map<String, ServiceSeries> series = new ConcurrentHashMap<>();
  private final Deque<SchemaEvent> schemaEvents = new ArrayDeque<>();
  private final AlertEngine alerts;
  private final MonitorMeters meters;

  private Monitor(Builder b) {
    this.services = b.services;
    this.clock = b.clock;
    this.window = b.window;
    this.thresholds = b.thresholds;
    this.alerts = new AlertEngine(thresholds, clock, window, this::quiet, series);
    if (b.runs != null) {
      // Runs from before a restart first, then every change as it happens.
      for (PipelineRun r : b.runs.list("", RunStatus.RUN_STATUS_UNKNOWN, 100)) {
        onRun(r);
      }
      b.runs.addListener(this::onRun);
    }
    this.meters = new MonitorMeters(b, this, alerts);
    services.addListener(this::heartbeat);
    if (b.schemas != null) {
      b.schemas.addListener(
          new SchemaRegistry.Listener() {
            @Override
            public void registered(String subject, Registration r) {
              onRegistered(subject, r);
            }

            @Override
            public void refused(String subject, FlowctlException reason) {
              onRefused(subject, reason);
            }

            @Override
            public void changed(String subject, String action, int version, String detail) {
              // Deletions, policy and mode changes are part of the subject's history too.
              addSchemaEvent(
                  new SchemaEvent(
                      clock.instant(),
                      subject,
                      action,
                      version,
                      "",
                      action.equals("policy") ? detail.substring("policy ".length()) : "",
                      detail));
            }
          });
    }
  }

  /** A monitor of {@code services}; set the rest on the builder. */
  public static Builder builder(ServiceRegistry services) {
    return new Builder(services);
  }

  public Duration window() {
    return window;
  }

  public AlertThresholds thresholds() {
    return thresholds;
  }

  /** Adds a receiver of raised and cleared alerts. */
  public void addListener(AlertListener listener) {
    alerts.addListener(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Applies what time alone changed: forgets services that left the registry and whose last
   * heartbeat left the window (their meters and alerts go too), and clears refusal alerts whose
   * refusals aged out of the window.
   */
  public void sweep() {
    Set<String> registered = new HashSet<>(services.ids());
    Instant since = clock.instant().minus(window);
    for (ServiceSeries s : series.values()) {
      if (!registered.contains(s.id) && (s.lastAt() == null || s.lastAt().isBefore(since))) {
        series.remove(s.id);
        meters.remove(s.id);
        alerts.forget(s.id);
      }
    }
    alerts.evaluateRefusals(schemaEvents());
    alerts.clearQuiet();
  }

  // ---- input ------------------------------------------------------------------------------

  /** The status of the latest run each pipeline, and each component, took part in. */
  private final Map<String, RunStatus> pipelineRuns = new ConcurrentHashMap<>();

  private final Map<String, RunStatus> componentRuns = new ConcurrentHashMap<>();

  private void onRun(PipelineRun r) {
    pipelineRuns.put(r.getPipelineName(), r.getStatus());
    for (String c : r.getComponentIdsList()) {
      componentRuns.put(c, r.getStatus());
    }
    if (finished(r.getStatus())) {
      alerts.clearQuiet();
    }
  }

  private static boolean finished(RunStatus s) {
    return s == RunStatus.RUN_STATUS_COMPLETED
        || s == RunStatus.RUN_STATUS_STOPPED
        || s == RunStatus.RUN_STATUS_FAILED;
  }

  /**
   * Whether no throughput is expected of a service now, so that a drop is no degradation: the run
   * it belongs to finished (completed, stopped or failed), or it is a source none of whose outputs
   * a live service reads (it waits for its consumer).
   */
  boolean quiet(ServiceSeries s) {
    ServiceInfo info = s.info();
    if (info == null) {
      return false;
    }
    String component =
        info.getComponentId().isEmpty() ? info.getServiceId() : info.getComponentId();
    RunStatus run = componentRuns.get(component);
    if (run == null) {
      String pipeline = info.getMetadataOrDefault("pipeline", "");
      run = pipeline.isEmpty() ? null : pipelineRuns.get(pipeline);
    }
    if (run != null && finished(run)) {
      return true;
    }
    if (info.getServiceType() == ServiceType.SERVICE_TYPE_SOURCE
        && info.getOutputEventTypesCount() > 0) {
      for (String out : info.getOutputEventTypesList()) {
        for (ServiceState reader : services.consumersOf(out)) {
          if (reader.beating()) {
            return false;
          }
        }
      }
      return true;
    }
    return false;
  }

  private void heartbeat(ServiceInfo info, Instant at, Map<String, Double> metrics) {
    meters.heartbeat();
    ServiceSeries s =
        series.computeIfAbsent(
            info.getServiceId(), id -> new ServiceSeries(id, window.toMillis(), MAX_SAMPLES));
    if (s.add(info, at, metrics)) {
      meters.add(s, pipelineOf(info));
    }
    alerts.evaluate(s);
  }

  private void onRegistered(String subject, Registration r) {
    meters.registration(r.alreadyRegistered() ? "existing" : "new");
    if (!r.alreadyRegistered()) {
      addSchemaEvent(
          new SchemaEvent(
              r.schema().registeredAt(),
              subject,
              "registered",
              r.schema().version(),
              r.schema().fingerprint().toString(),
              r.policy().name().toLowerCase(Locale.ROOT),
              "by " + (r.schema().registeredBy().isEmpty() ? "-" : r.schema().registeredBy())));
    }
  }

  private void onRefused(String subject, FlowctlException reason) {
    meters.registration("refused");
    String message = reason.getMessage() == null ? "" : reason.getMessage();
    addSchemaEvent(
        new SchemaEvent(
            clock.instant(),
            subject,
            "refused",
            0,
            "",
            "",
            message.lines().findFirst().orElse("")));
    alerts.evaluateRefusals(schemaEvents());
  }

  private void addSchemaEvent(SchemaEvent e) {
    synchronized (schemaEvents) {
      schemaEvents.addLast(e);
      while (schemaEvents.size() > MAX_SCHEMA_EVENTS) {
        schemaEvents.removeFirst();
      }
    }
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The alerts active now, oldest first. */
  public List<Alert> alerts() {
    return alerts.active();
  }

  /** Every registered service, and every service heard from within the window, by id. */
  public List<ServiceView> services() {
    Map<String, ServiceState> registered = new TreeMap<>();
    for (ServiceState s : services.list()) {
      registered.put(s.serviceId(), s);
    }
    Set<String> ids = new TreeSet<>(registered.keySet());
    Instant since = clock.instant().minus(window);
    for (ServiceSeries s : series.values()) {
      if (s.lastAt() != null && !s.lastAt().isBefore(since)) {
        ids.add(s.id);
      }
    }
    List<ServiceView> out = new ArrayList<>();
    for (String id : ids) {
      out.add(view(id, registered.get(id)));
    }
    return out;
  }

  /** One service's view. */
  public Optional<ServiceView> service(String id) {
    ServiceState state = services.status(id).orElse(null);
    ServiceSeries s = series.get(id);
    if (state == null && (s == null || s.lastAt() == null)) {
      return Optional.empty();
    }
    return Optional.of(view(id, state));
  }

  private ServiceView view(String id, ServiceState state) {
    ServiceSeries s = series.get(id);
    ServiceInfo info = state != null ? state.info() : s != null ? s.info() : null;
    List<Point> points = s == null ? List.of() : s.points(clock.instant().minus(window));
    double[] sizes = points.stream().mapToDouble(Point::batchSize).filter(v -> v > 0).toArray();
    double[] latencies = points.stream().mapToDouble(Point::latencyMs).filter(v -> v > 0).toArray();
    double[] rates = points.stream().mapToDouble(Point::rowsPerSecond).toArray();
    return new ServiceView(
        id,
        info == null ? "" : typeName(info),
        info == null ? "" : pipelineOf(info),
        info == null ? "" : info.getMetadataOrDefault("data_format", ""),
        info == null ? "" : info.getMetadataOrDefault("arrow_compression", ""),
        state != null && state.healthy(),
        state != null ? state.lastHeartbeat() : s == null ? null : s.lastAt(),
        s == null ? Map.of() : s.latest(),
        Stats.mean(rates),
        Stats.percentiles(sizes),
        Stats.percentiles(latencies),
        points);
  }

  private static String typeName(ServiceInfo info) {
    return info.getServiceType().name().replace("SERVICE_TYPE_", "").toLowerCase(Locale.ROOT);
  }

  private static String pipelineOf(ServiceInfo info) {
    return info.getMetadataOrDefault("pipeline", "");
  }

  /** Per pipeline (services without a {@code pipeline} metadata entry form the "" pipeline). */
  public List<PipelineView> pipelines() {
    return Pipelines.of(services());
  }

  /** Registrations and refusals, newest last. */
  public List<SchemaEvent> schemaEvents() {
    synchronized (schemaEvents) {
      return List.copyOf(schemaEvents);
    }
  }

  /** Schema validation errors reported by services plus refused registrations in the window. */
  public Map<String, Double> validationErrors() {
    return validationErrors(services());
  }

  private Map<String, Double> validationErrors(List<ServiceView> views) {
    Map<String, Double> out = new TreeMap<>();
    for (ServiceView v : views) {
      double n =
          value(v.latest(), "arrow_schema_validation_errors")
              + value(v.latest(), "arrow_compatibility_check_failures");
      if (n > 0) {
        out.put(v.id(), n);
      }
    }
    Instant since = clock.instant().minus(window);
    for (SchemaEvent e : schemaEvents()) {
      if (e.action().equals("refused") && !e.at().isBefore(since)) {
        out.merge("schema:" + e.subject(), 1.0, Double::sum);
      }
    }
    return out;
  }

  /**
   * Producers against the consumers they feed, at most {@value #MATRIX_MAX} of each (the totals say
   * how many there are).
   */
  public CompatibilityMatrix matrix() {
    return Matrices.of(services.list(), MATRIX_MAX);
  }

  /** Batch sizes of every service's samples in the window. */
  public Histogram batchSizes() {
    long[] counts = new long[BATCH_BUCKETS.length + 1];
    Instant since = clock.instant().minus(window);
    for (ServiceSeries s : series.values()) {
      for (Point p : s.points(since)) {
        if (p.batchSize() <= 0) {
          continue;
        }
        int b = 0;
        while (b < BATCH_BUCKETS.length && p.batchSize() >= BATCH_BUCKETS[b]) {
          b++;
        }
        counts[b]++;
      }
    }
    List<String> names = List.of("< 100", "100 – 1k", "1k – 10k", "10k – 100k", "≥ 100k");
    List<Long> out = new ArrayList<>();
    for (long c : counts) {
      out.add(c);
    }
    return new Histogram(names, out);
  }

  /** Advice for every service from its latest metrics. */
  public List<Recommendation> recommendations() {
    return Recommender.of(services(), thresholds);
  }

  /**
   * Everything the dashboard shows, bounded whatever the registry holds: at most {@value
   * #OVERVIEW_MAX} services (unhealthy ones first), each with its heartbeat metrics and newest
   * {@value #OVERVIEW_POINTS} points; at most {@value #OVERVIEW_MAX} alerts, recommendations and
   * validation entries; the capped matrix. The totals count everything.
   */
  public Overview overview() {
    List<ServiceView> all = services();
    int healthy = (int) all.stream().filter(ServiceView::healthy).count();
    List<ServiceView> shown =
        all.stream()
            .sorted(Comparator.comparing(ServiceView::healthy).thenComparing(ServiceView::id))
            .limit(OVERVIEW_MAX)
            .map(Monitor::trimmed)
            .toList();
    List<Alert> active = alerts();
    Map<String, Double> validation = new TreeMap<>();
    for (Map.Entry<String, Double> e : validationErrors(all).entrySet()) {
      if (validation.size() == OVERVIEW_MAX) {
        break;
      }
      validation.put(e.getKey(), e.getValue());
    }
    List<PipelineView> pipelines =
        Pipelines.of(all).stream().limit(OVERVIEW_MAX).map(Monitor::trimmed).toList();
    return new Overview(
        clock.instant(),
        window.toSeconds(),
        all.size(),
        healthy,
        shown,
        pipelines,
        active.size(),
        active.stream().limit(OVERVIEW_MAX).toList(),
        Recommender.of(all, thresholds).stream().limit(OVERVIEW_MAX).toList(),
        schemaEvents(),
        validation,
        matrix(),
        batchSizes());
  }

  private static ServiceView trimmed(ServiceView v) {
    Map<String, Double> known = new TreeMap<>();
    for (String name : ARROW_METRICS) {
      Double x = v.latest().get(name);
      if (x != null) {
        known.put(name, x);
      }
    }
    return new ServiceView(
        v.id(),
        v.type(),
        v.pipeline(),
        v.dataFormat(),
        v.compression(),
        v.healthy(),
        v.lastHeartbeat(),
        known,
        v.rowsPerSecondMean(),
        v.batchSize(),
        v.latencyMs(),
        newest(v.series()));
  }

  private static PipelineView trimmed(PipelineView p) {
    return new PipelineView(
        p.name(),
        p.services().stream().limit(OVERVIEW_MAX).toList(),
        p.healthy(),
        p.rowsPerSecond(),
        p.latencyP95Ms(),
        p.errors(),
        p.memoryBytes(),
        newest(p.series()));
  }

  private static List<Point> newest(List<Point> points) {
    return points.size() <= OVERVIEW_POINTS
        ? points
        : List.copyOf(points.subList(points.size() - OVERVIEW_POINTS, points.size()));
  }

  /** Settings of a monitor; only the service registry is required. */
  public static final class Builder {
    final ServiceRegistry services;
    private SchemaRegistry schemas;
    private io.flowctl.server.runs.PipelineRuns runs;
    MeterRegistry meters = new SimpleMeterRegistry();
    Clock clock = Clock.systemUTC();
    Duration window = Duration.ofMinutes(5);
    private AlertThresholds thresholds = AlertThresholds.defaults();
    int servicesWithMeters = 1_000;

    private Builder(ServiceRegistry services) {
      this.services = Objects.requireNonNull(services, "services");
    }

    /** The schema registry whose registrations and refusals to follow; default none. */
    public Builder schemas(SchemaRegistry schemas) {
      this.schemas = Objects.requireNonNull(schemas, "schemas");
      return this;
    }

    /** Where the meters go; default a {@link SimpleMeterRegistry} of the monitor's own. */
    public Builder meters(MeterRegistry meters) {
      this.meters = Objects.requireNonNull(meters, "meters");
      return this;
    }

    /** Default the system UTC clock. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How far back series, percentiles and alerts look; 1 s to 1 day, default 5 minutes. */
    public Builder window(Duration window) {
      Objects.requireNonNull(window, "window");
      if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("the window is 1 s to 1 day: " + window);
      }
      this.window = window;
      return this;
    }

    /**
     * How many services get their own meters (the Arrow gauges and window quantiles, nineteen
     * series each), the first to heartbeat; default 1,000. Beyond it services are still on the
     * dashboard, in alerts and in the fleet-wide meters.
     */
    public Builder servicesWithMeters(int max) {
      this.servicesWithMeters = io.flowctl.internal.Require.positive(max, "servicesWithMeters");
      return this;
    }

    /**
     * The pipeline runs to follow; default none. A service whose run finished is expected to move
     * nothing, so its drop in throughput raises no alert.
     */
    public Builder runs(io.flowctl.server.runs.PipelineRuns runs) {
      this.runs = Objects.requireNonNull(runs, "runs");
      return this;
    }

    /** Default {@link AlertThresholds#defaults()}. */
    public Builder thresholds(AlertThresholds thresholds) {
      this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
      return this;
    }

    public Monitor build() {
      return new Monitor(this);
    }
  }
}
