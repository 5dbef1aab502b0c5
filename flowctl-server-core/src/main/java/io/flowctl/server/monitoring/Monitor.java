package io.flowctl.server.monitoring;

import io.flowctl.FlowctlException;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.registry.ServiceState;
import io.flowctl.server.schema.Registration;
import io.flowctl.server.schema.SchemaRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The control plane's view of its services' Arrow metrics: every heartbeat's metrics (the plan's
 * §3.1 names) kept per service over a sliding window, with rates and percentiles of batch size and
 * latency, per-pipeline aggregates, the schema registry's registrations and refusals, alerts
 * against {@link AlertThresholds}, and recommendations. Everything is also exported as Micrometer
 * meters (Prometheus through {@link MonitoringServer}). Thread-safe.
 */
public final class Monitor {
  /** The heartbeat metric names of the plan (§3.1), exported as gauges per service. */
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

  /** Points one service keeps over the window at most: one per window / this. */
  private static final int MAX_SAMPLES = 600;

  private static final int MAX_SCHEMA_EVENTS = 500;
  private static final int RECENT = 3;

  private final ServiceRegistry services;
  private final MeterRegistry meters;
  private final Clock clock;
  private final Duration window;
  private final long slotMillis; // a service keeps one point per slot of this length

  private long slot(Instant at) {
    return Math.floorDiv(at.toEpochMilli(), slotMillis);
  }

  private final AlertThresholds thresholds;
  private final Map<String, Series> series = new ConcurrentHashMap<>();
  private final Deque<SchemaEvent> schemaEvents = new ArrayDeque<>();
  private final Map<String, Alert> active = new ConcurrentHashMap<>();
  private final List<AlertListener> listeners = new CopyOnWriteArrayList<>();
  private final Counter heartbeats;
  private final Map<String, Counter> registrations = new ConcurrentHashMap<>();
  private final Map<Alert.Kind, Counter> raised = new EnumMap<>(Alert.Kind.class);

  /**
   * A monitor of {@code services} and {@code schemas}, exporting to {@code meters}.
   *
   * @param window how far back series, percentiles and alerts look
   */
  public Monitor(
      ServiceRegistry services,
      SchemaRegistry schemas,
      MeterRegistry meters,
      Clock clock,
      Duration window,
      AlertThresholds thresholds) {
    this.services = Objects.requireNonNull(services, "services");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.window = Objects.requireNonNull(window, "window");
    this.slotMillis = Math.max(1, window.toMillis() / MAX_SAMPLES);
    this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
    this.heartbeats =
        Counter.builder("flowctl.heartbeats").description("Heartbeats recorded").register(meters);
    Gauge.builder("flowctl.services.registered", services, s -> s.list().size())
        .description("Services registered")
        .register(meters);
    Gauge.builder(
            "flowctl.services.healthy",
            services,
            s -> s.list().stream().filter(ServiceState::healthy).count())
        .description("Services whose heartbeats are within the TTL")
        .register(meters);
    for (Alert.Kind k : Alert.Kind.values()) {
      String kind = k.name().toLowerCase(Locale.ROOT);
      Gauge.builder("flowctl.alerts.active", active, a -> countActive(a.values(), k))
          .tag("kind", kind)
          .description("Alerts active now")
          .register(meters);
      raised.put(
          k,
          Counter.builder("flowctl.alerts.raised")
              .tag("kind", kind)
              .description("Alerts raised")
              .register(meters));
    }
    Gauge.builder("flowctl.recommendations", this, m -> m.recommendations().size())
        .description("Recommendations derived from the metrics now")
        .register(meters);
    services.addListener(this::heartbeat);
    if (schemas != null) {
      schemas.addListener(
          new SchemaRegistry.Listener() {
            @Override
            public void registered(String subject, Registration r) {
              onRegistered(subject, r);
            }

            @Override
            public void refused(String subject, FlowctlException reason) {
              onRefused(subject, reason);
            }
          });
    }
  }

  private static long countActive(Collection<Alert> alerts, Alert.Kind kind) {
    return alerts.stream().filter(a -> a.kind() == kind).count();
  }

  public Duration window() {
    return window;
  }

  public AlertThresholds thresholds() {
    return thresholds;
  }

  /** Adds a receiver of raised and cleared alerts. */
  public void addListener(AlertListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  // ---- input ------------------------------------------------------------------------------

  private void heartbeat(ServiceInfo info, Instant at, Map<String, Double> metrics) {
    heartbeats.increment();
    Series s = series.computeIfAbsent(info.getServiceId(), id -> new Series(id));
    s.add(info, at, metrics);
    evaluate(s);
  }

  private void onRegistered(String subject, Registration r) {
    counter(r.alreadyRegistered() ? "existing" : "new").increment();
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
    counter("refused").increment();
    addSchemaEvent(
        new SchemaEvent(
            clock.instant(), subject, "refused", 0, "", "", firstLine(reason.getMessage())));
    evaluateRefusals();
  }

  private Counter counter(String result) {
    return registrations.computeIfAbsent(
        result,
        r ->
            Counter.builder("flowctl.schema.registrations")
                .tag("result", r)
                .description("Schema registrations by result: new, existing or refused")
                .register(meters));
  }

  private void addSchemaEvent(SchemaEvent e) {
    synchronized (schemaEvents) {
      schemaEvents.addLast(e);
      while (schemaEvents.size() > MAX_SCHEMA_EVENTS) {
        schemaEvents.removeFirst();
      }
    }
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }

  // ---- alerts ----------------------------------------------------------------------------

  private void evaluate(Series s) {
    Map<String, Double> m = s.latest();
    String id = s.id;
    check(
        Alert.Kind.COMPATIBILITY_FAILURES,
        id,
        value(m, "arrow_compatibility_check_failures"),
        thresholds.compatibilityFailures(),
        v -> String.format(Locale.ROOT, "%s reports %.0f compatibility check failures", id, v));
    check(
        Alert.Kind.PROCESSING_ERRORS,
        id,
        value(m, "arrow_processing_errors"),
        thresholds.processingErrors(),
        v -> String.format(Locale.ROOT, "%s reports %.0f processing errors", id, v));
    double memory = value(m, "arrow_memory_usage_bytes");
    boolean overMemory = memory > thresholds.memoryBytes();
    update(
        Alert.Kind.MEMORY,
        id,
        overMemory,
        memory,
        thresholds.memoryBytes(),
        String.format(
            Locale.ROOT,
            "%s holds %s of Arrow memory, over the %s threshold",
            id,
            bytes(memory),
            bytes(thresholds.memoryBytes())));
    double[] split = s.baselineAndRecent();
    if (split != null) {
      double baseline = split[0];
      double recent = split[1];
      double floor = baseline * (1 - thresholds.throughputDrop());
      update(
          Alert.Kind.THROUGHPUT_DEGRADATION,
          id,
          baseline > 0 && recent < floor,
          recent,
          floor,
          String.format(
              Locale.ROOT,
              "%s moves %.0f rows/s, down from a baseline of %.0f (alert below %.0f)",
              id,
              recent,
              baseline,
              floor));
    }
  }

  private void evaluateRefusals() {
    Instant since = clock.instant().minus(window);
    Map<String, Integer> bySubject = new TreeMap<>();
    synchronized (schemaEvents) {
      for (SchemaEvent e : schemaEvents) {
        if (e.action().equals("refused") && !e.at().isBefore(since)) {
          bySubject.merge(e.subject(), 1, Integer::sum);
        }
      }
    }
    for (String key : Set.copyOf(active.keySet())) {
      Alert a = active.get(key);
      if (a != null && a.source().startsWith("schema:")) {
        String subject = a.source().substring("schema:".length());
        if (bySubject.getOrDefault(subject, 0) < thresholds.compatibilityFailures()) {
          clear(key);
        }
      }
    }
    bySubject.forEach(
        (subject, count) ->
            update(
                Alert.Kind.COMPATIBILITY_FAILURES,
                "schema:" + subject,
                count >= thresholds.compatibilityFailures(),
                count,
                thresholds.compatibilityFailures(),
                String.format(
                    Locale.ROOT,
                    "the registry refused %d registration(s) of '%s' within %ds",
                    count,
                    subject,
                    window.toSeconds())));
  }

  private interface Message {
    String of(double value);
  }

  private void check(Alert.Kind kind, String source, double value, long threshold, Message m) {
    update(kind, source, value >= threshold, value, threshold, m.of(value));
  }

  private void update(
      Alert.Kind kind,
      String source,
      boolean firing,
      double value,
      double threshold,
      String message) {
    String key = kind + "|" + source;
    if (firing) {
      Alert[] fresh = {null};
      active.compute(
          key,
          (k, old) -> {
            if (old == null) {
              fresh[0] = new Alert(kind, source, message, value, threshold, clock.instant());
              return fresh[0];
            }
            return new Alert(kind, source, message, value, threshold, old.since());
          });
      if (fresh[0] != null) {
        raised.get(kind).increment();
        for (AlertListener l : listeners) {
          l.raised(fresh[0]);
        }
      }
    } else {
      clear(key);
    }
  }

  private void clear(String key) {
    Alert gone = active.remove(key);
    if (gone != null) {
      for (AlertListener l : listeners) {
        l.cleared(gone);
      }
    }
  }

  /** The alerts active now, oldest first. */
  public List<Alert> alerts() {
    evaluateRefusals();
    List<Alert> out = new ArrayList<>(active.values());
    out.sort(Comparator.comparing(Alert::since).thenComparing(Alert::source));
    return out;
  }

  // ---- views -----------------------------------------------------------------------------

  /** One point of a service's series. */
  public record Point(
      Instant at,
      double rowsPerSecond,
      double batchSize,
      double compressionRatio,
      double latencyMs,
      double memoryBytes) {}

  /** p50, p95 and p99 over the window (nearest rank); zeros without samples. */
  public record Percentiles(double p50, double p95, double p99) {}

  /** A service as the dashboard shows it. */
  public record ServiceView(
      String id,
      String type,
      String pipeline,
      String dataFormat,
      String compression,
      boolean healthy,
      Instant lastHeartbeat,
      Map<String, Double> latest,
      double rowsPerSecondMean,
      Percentiles batchSize,
      Percentiles latencyMs,
      List<Point> series) {}

  /**
   * A pipeline's services taken together; {@code series} has one point per second of the window
   * with the sum of its sources' rows/s, its worst latency and its total Arrow memory.
   */
  public record PipelineView(
      String name,
      List<String> services,
      int healthy,
      double rowsPerSecond,
      double latencyP95Ms,
      double errors,
      double memoryBytes,
      List<Point> series) {}

  /** A schema registration or refusal. */
  public record SchemaEvent(
      Instant at,
      String subject,
      String action,
      int version,
      String fingerprint,
      String policy,
      String detail) {}

  /**
   * Whether each producer's outputs feed each consumer's inputs, and how: the producers and
   * consumers with at least one such link, at most {@value #MATRIX_MAX} of each (the totals say how
   * many there are).
   */
  public record CompatibilityMatrix(
      List<String> producers,
      List<String> consumers,
      List<List<String>> cells,
      int producersTotal,
      int consumersTotal) {}

  /** Rows and columns of the matrix at most. */
  public static final int MATRIX_MAX = 40;

  /** Services, alerts, recommendations and validation entries in the overview at most. */
  public static final int OVERVIEW_MAX = 100;

  /** Points of one service's series in the overview at most (the newest). */
  public static final int OVERVIEW_POINTS = 150;

  /** Batch sizes (rows) of every sample in the window, in buckets. */
  public record Histogram(List<String> buckets, List<Long> counts) {}

  /** Every registered service (and services seen in the window), by id. */
  public List<ServiceView> services() {
    Map<String, ServiceState> registered = new TreeMap<>();
    for (ServiceState s : services.list()) {
      registered.put(s.serviceId(), s);
    }
    Set<String> ids = new TreeSet<>(registered.keySet());
    Instant since = clock.instant().minus(window);
    for (Series s : series.values()) {
      if (s.lastAt() != null && !s.lastAt().isBefore(since)) {
        ids.add(s.id);
      } else if (!registered.containsKey(s.id)) {
        s.removeMeters();
        series.remove(s.id);
      }
    }
    List<ServiceView> out = new ArrayList<>();
    for (String id : ids) {
      out.add(view(id, registered.get(id)));
    }
    return out;
  }

  /** One service's view. */
  public java.util.Optional<ServiceView> service(String id) {
    ServiceState state = services.status(id).orElse(null);
    Series s = series.get(id);
    if (state == null && (s == null || s.lastAt() == null)) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(view(id, state));
  }

  private ServiceView view(String id, ServiceState state) {
    Series s = series.get(id);
    ServiceInfo info = state != null ? state.info() : s != null ? s.info : null;
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
        mean(rates, 0, rates.length),
        percentiles(sizes),
        percentiles(latencies),
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
    return pipelines(services());
  }

  private List<PipelineView> pipelines(List<ServiceView> views) {
    Map<String, List<ServiceView>> by = new TreeMap<>();
    for (ServiceView v : views) {
      by.computeIfAbsent(v.pipeline(), k -> new ArrayList<>()).add(v);
    }
    List<PipelineView> out = new ArrayList<>();
    by.forEach(
        (name, vs) -> {
          double rows = 0;
          double p95 = 0;
          double errors = 0;
          double memory = 0;
          int healthy = 0;
          for (ServiceView v : vs) {
            if (v.type().equals("source")) {
              rows += value(v.latest(), "arrow_rows_per_second");
            }
            p95 = Math.max(p95, v.latencyMs().p95());
            errors +=
                value(v.latest(), "arrow_processing_errors")
                    + value(v.latest(), "arrow_schema_validation_errors")
                    + value(v.latest(), "arrow_compatibility_check_failures");
            memory += value(v.latest(), "arrow_memory_usage_bytes");
            healthy += v.healthy() ? 1 : 0;
          }
          out.add(
              new PipelineView(
                  name,
                  vs.stream().map(ServiceView::id).toList(),
                  healthy,
                  rows,
                  p95,
                  errors,
                  memory,
                  pipelineSeries(vs)));
        });
    return out;
  }

  /** The services' points per second: sources' rows/s summed, latency maxed, memory summed. */
  private static List<Point> pipelineSeries(List<ServiceView> services) {
    TreeMap<Long, double[]> bySecond = new TreeMap<>();
    for (ServiceView v : services) {
      boolean source = v.type().equals("source");
      Map<Long, Point> last = new TreeMap<>();
      for (Point p : v.series()) {
        last.put(p.at().getEpochSecond(), p); // one point per service and second
      }
      last.forEach(
          (second, p) -> {
            double[] a = bySecond.computeIfAbsent(second, k -> new double[3]);
            if (source) {
              a[0] += p.rowsPerSecond();
            }
            a[1] = Math.max(a[1], p.latencyMs());
            a[2] += p.memoryBytes();
          });
    }
    List<Point> out = new ArrayList<>(bySecond.size());
    bySecond.forEach(
        (second, a) -> out.add(new Point(Instant.ofEpochSecond(second), a[0], 0, 0, a[1], a[2])));
    return out;
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
   * Producers (services with outputs) against the consumers they feed (services with inputs). Links
   * can be quadratic in the services (everyone feeding everyone), so only the shown rows and
   * columns are computed; which services have a link at all takes one pass over the event types.
   */
  public CompatibilityMatrix matrix() {
    List<ServiceState> all = services.list();
    Map<String, List<String>> consumersOf = new HashMap<>();
    Map<String, List<String>> producersOf = new HashMap<>();
    for (ServiceState s : all) {
      for (String t : s.info().getInputEventTypesList()) {
        consumersOf.computeIfAbsent(t, k -> new ArrayList<>()).add(s.serviceId());
      }
      for (String t : s.info().getOutputEventTypesList()) {
        producersOf.computeIfAbsent(t, k -> new ArrayList<>()).add(s.serviceId());
      }
    }
    List<ServiceState> producers =
        all.stream()
            .filter(s -> linked(s.info().getOutputEventTypesList(), consumersOf, s.serviceId()))
            .sorted(Comparator.comparing(ServiceState::serviceId))
            .toList();
    List<ServiceState> consumers =
        all.stream()
            .filter(s -> linked(s.info().getInputEventTypesList(), producersOf, s.serviceId()))
            .sorted(Comparator.comparing(ServiceState::serviceId))
            .toList();
    List<ServiceState> rows = producers.subList(0, Math.min(MATRIX_MAX, producers.size()));
    List<ServiceState> columns = consumers.subList(0, Math.min(MATRIX_MAX, consumers.size()));
    List<List<String>> cells = new ArrayList<>();
    for (ServiceState p : rows) {
      String pf = p.info().getMetadataOrDefault("data_format", "");
      List<String> out = new ArrayList<>();
      for (ServiceState c : columns) {
        Set<String> shared = new TreeSet<>(p.info().getOutputEventTypesList());
        shared.retainAll(c.info().getInputEventTypesList());
        if (shared.isEmpty() || p.serviceId().equals(c.serviceId())) {
          out.add("");
        } else {
          String cf = c.info().getMetadataOrDefault("data_format", "");
          String how =
              pf.equals(cf) || pf.isEmpty() || cf.isEmpty() ? "" : " (" + pf + " → " + cf + ")";
          out.add(String.join(", ", shared) + how);
        }
      }
      cells.add(out);
    }
    return new CompatibilityMatrix(
        rows.stream().map(ServiceState::serviceId).toList(),
        columns.stream().map(ServiceState::serviceId).toList(),
        cells,
        producers.size(),
        consumers.size());
  }

  /** Whether one of {@code types} has a service other than {@code self} on the other side. */
  private static boolean linked(
      List<String> types, Map<String, List<String>> otherSide, String self) {
    for (String t : types) {
      List<String> ids = otherSide.get(t);
      if (ids != null && (ids.size() > 1 || !ids.get(0).equals(self))) {
        return true;
      }
    }
    return false;
  }

  /** Bucket edges of the batch size histogram, in rows. */
  static final long[] BATCH_BUCKETS = {100, 1_000, 10_000, 100_000};

  /** Batch sizes of every service's samples in the window. */
  public Histogram batchSizes() {
    long[] counts = new long[BATCH_BUCKETS.length + 1];
    Instant since = clock.instant().minus(window);
    for (Series s : series.values()) {
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
    return recommendations(services());
  }

  private List<Recommendation> recommendations(List<ServiceView> views) {
    List<Recommendation> out = new ArrayList<>();
    for (ServiceView v : views) {
      Map<String, Double> m = v.latest();
      if (m.isEmpty()) {
        continue;
      }
      String codec = v.compression();
      // Batch size and compression are the producer's choice: sinks only read them.
      boolean compressed =
          (codec.equals("lz4") || codec.equals("zstd")) && !v.type().equals("sink");
      double size = value(m, "arrow_batch_size_avg");
      if (compressed && size > 0 && size < 1_000) {
        out.add(
            new Recommendation(
                v.id(),
                Recommendation.Kind.SMALL_BATCHES,
                String.format(
                    Locale.ROOT,
                    "batches average %.0f rows: too few for %s to pay off; raise batch_size toward"
                        + " 10,000 or set compression none",
                    size,
                    codec)));
      }
      double ratio = value(m, "arrow_compression_ratio");
      if (compressed && ratio >= 0.9 && value(m, "arrow_bytes_per_second") > 0) {
        out.add(
            new Recommendation(
                v.id(),
                Recommendation.Kind.POOR_COMPRESSION,
                String.format(
                    Locale.ROOT,
                    "%s leaves payloads at %.0f%% of their Arrow size: try %s",
                    codec,
                    ratio * 100,
                    codec.equals("zstd") ? "lz4 or none (cheaper for the same size)" : "none")));
      }
      double memory = value(m, "arrow_memory_usage_bytes");
      if (memory > 0.8 * thresholds.memoryBytes()) {
        out.add(
            new Recommendation(
                v.id(),
                Recommendation.Kind.MEMORY_NEAR_LIMIT,
                String.format(
                    Locale.ROOT,
                    "Arrow memory at %.0f%% of the %s threshold: lower batch_size or"
                        + " max_inflight",
                    100 * memory / thresholds.memoryBytes(),
                    bytes(thresholds.memoryBytes()))));
      }
      if (v.latencyMs().p95() > thresholds.latencyMs()) {
        out.add(
            new Recommendation(
                v.id(),
                Recommendation.Kind.SLOW_BATCHES,
                String.format(
                    Locale.ROOT,
                    "batches take %.0f ms to (de)serialize at p95: lower batch_size%s",
                    v.latencyMs().p95(),
                    codec.equals("zstd") ? " or use lz4" : "")));
      }
    }
    return out;
  }

  // ---- helpers ---------------------------------------------------------------------------

  static double value(Map<String, Double> m, String key) {
    Double v = m.get(key);
    return v == null || v.isNaN() ? 0 : v;
  }

  private static double mean(double[] xs, int from, int to) {
    if (to <= from) {
      return 0;
    }
    double sum = 0;
    for (int i = from; i < to; i++) {
      sum += xs[i];
    }
    return sum / (to - from);
  }

  static Percentiles percentiles(double[] xs) {
    if (xs.length == 0) {
      return new Percentiles(0, 0, 0);
    }
    double[] sorted = xs.clone();
    java.util.Arrays.sort(sorted);
    return new Percentiles(rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99));
  }

  private static double rank(double[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static String bytes(double b) {
    if (b >= 1 << 30) {
      return String.format(Locale.ROOT, "%.1f GiB", b / (1 << 30));
    }
    if (b >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
    }
    return String.format(Locale.ROOT, "%.0f KiB", b / 1024);
  }

  /** One service's samples, and its meters. */
  private final class Series {
    final String id;
    volatile ServiceInfo info;
    private final Deque<Point> points = new ArrayDeque<>();
    private volatile Map<String, Double> latest = Map.of();
    private volatile Instant lastAt;
    private final List<Meter> meterList = new ArrayList<>();
    private double rowSum; // rows/s summed over the points kept

    Series(String id) {
      this.id = id;
    }

    synchronized void add(ServiceInfo info, Instant at, Map<String, Double> metrics) {
      boolean first = this.info == null;
      this.info = info;
      this.latest = Map.copyOf(metrics);
      this.lastAt = at;
      Point last = points.peekLast();
      if (last != null && slot(last.at()) == slot(at)) {
        // Faster than the window's resolution: a newer sample in the same slot replaces the one
        // before, so a service heartbeating in a loop keeps as many points as one beating once a
        // slot.
        rowSum -= points.removeLast().rowsPerSecond();
      }
      points.addLast(
          new Point(
              at,
              value(metrics, "arrow_rows_per_second"),
              value(metrics, "arrow_batch_size_avg"),
              value(metrics, "arrow_compression_ratio"),
              value(metrics, "arrow_serialization_time_ms")
                  + value(metrics, "arrow_deserialization_time_ms"),
              value(metrics, "arrow_memory_usage_bytes")));
      rowSum += points.peekLast().rowsPerSecond();
      Instant since = at.minus(window);
      while (!points.isEmpty()
          && (points.size() > MAX_SAMPLES || points.peekFirst().at().isBefore(since))) {
        rowSum -= points.removeFirst().rowsPerSecond();
      }
      if (first) {
        registerMeters(info);
      }
    }

    private void registerMeters(ServiceInfo info) {
      Tags tags = Tags.of("service", id, "pipeline", pipelineOf(info));
      for (String name : ARROW_METRICS) {
        meterList.add(
            Gauge.builder(name.replace('_', '.'), this, s -> value(s.latest, name))
                .tags(tags)
                .description("The plan's " + name + ", from the service's last heartbeat")
                .register(meters));
      }
      for (String q : List.of("0.5", "0.95", "0.99")) {
        meterList.add(
            Gauge.builder(
                    "arrow.window.latency.ms", this, s -> quantile(s.window(Point::latencyMs), q))
                .tags(tags.and("quantile", q))
                .description("Serialization plus deserialization time per batch over the window")
                .register(meters));
        meterList.add(
            Gauge.builder(
                    "arrow.window.batch.size", this, s -> quantile(s.window(Point::batchSize), q))
                .tags(tags.and("quantile", q))
                .description("Rows per batch over the window")
                .register(meters));
      }
    }

    /** Percentiles of one measure over the window, computed when asked (a scrape), not per beat. */
    private synchronized Percentiles window(java.util.function.ToDoubleFunction<Point> measure) {
      Instant since = clock.instant().minus(window);
      return percentiles(
          points.stream()
              .filter(p -> !p.at().isBefore(since))
              .mapToDouble(measure)
              .filter(v -> v > 0)
              .toArray());
    }

    private double quantile(Percentiles p, String q) {
      return switch (q) {
        case "0.5" -> p.p50();
        case "0.95" -> p.p95();
        default -> p.p99();
      };
    }

    void removeMeters() {
      for (Meter m : meterList) {
        meters.remove(m);
      }
      meterList.clear();
    }

    Map<String, Double> latest() {
      return latest;
    }

    Instant lastAt() {
      return lastAt;
    }

    synchronized List<Point> points(Instant since) {
      List<Point> out = new ArrayList<>();
      for (Point p : points) {
        if (!p.at().isBefore(since)) {
          out.add(p);
        }
      }
      return out;
    }

    /**
     * The mean rows/s of the window's samples before the last {@value #RECENT}, and of those last
     * ones; null with fewer samples than the baseline needs. Constant time: a heartbeat pays for
     * its own sample only.
     */
    synchronized double[] baselineAndRecent() {
      int n = points.size();
      if (n < thresholds.minBaselineSamples()) {
        return null;
      }
      double recent = 0;
      var it = points.descendingIterator();
      for (int i = 0; i < RECENT; i++) {
        recent += it.next().rowsPerSecond();
      }
      return new double[] {(rowSum - recent) / (n - RECENT), recent / RECENT};
    }
  }

  /**
   * Everything the dashboard shows, in one object of bounded size whatever the registry holds: at
   * most {@value #OVERVIEW_MAX} services (unhealthy ones first), each with its plan metrics and
   * newest {@value #OVERVIEW_POINTS} points; at most {@value #OVERVIEW_MAX} alerts, recommendations
   * and validation entries; the capped matrix. The totals count everything.
   */
  public record Overview(
      Instant at,
      long windowSeconds,
      int servicesTotal,
      int servicesHealthy,
      List<ServiceView> services,
      List<PipelineView> pipelines,
      int alertsTotal,
      List<Alert> alerts,
      List<Recommendation> recommendations,
      List<SchemaEvent> schemaEvents,
      Map<String, Double> validationErrors,
      CompatibilityMatrix matrix,
      Histogram batchSizes) {}

  public Overview overview() {
    List<ServiceView> all = services();
    int healthy = (int) all.stream().filter(ServiceView::healthy).count();
    List<ServiceView> shown =
        all.stream()
            .sorted(Comparator.comparing(ServiceView::healthy).thenComparing(ServiceView::id))
            .limit(OVERVIEW_MAX)
            .map(Monitor::trimmed)
            .toList();
    List<Alert> alerts = alerts();
    Map<String, Double> validation = new TreeMap<>();
    for (Map.Entry<String, Double> e : validationErrors(all).entrySet()) {
      if (validation.size() == OVERVIEW_MAX) {
        break;
      }
      validation.put(e.getKey(), e.getValue());
    }
    List<PipelineView> pipelines =
        pipelines(all).stream().limit(OVERVIEW_MAX).map(Monitor::trimmed).toList();
    return new Overview(
        clock.instant(),
        window.toSeconds(),
        all.size(),
        healthy,
        shown,
        pipelines,
        alerts.size(),
        alerts.stream().limit(OVERVIEW_MAX).toList(),
        recommendations(all).stream().limit(OVERVIEW_MAX).toList(),
        schemaEvents(),
        validation,
        matrix(),
        batchSizes());
  }

  private static ServiceView trimmed(ServiceView v) {
    Map<String, Double> plan = new TreeMap<>();
    for (String name : ARROW_METRICS) {
      Double x = v.latest().get(name);
      if (x != null) {
        plan.put(name, x);
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
        plan,
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

  /** Metrics names of the plan mapped to their latest value per service, for the API. */
  Map<String, Map<String, Double>> latestByService() {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    series.forEach((id, s) -> out.put(id, s.latest()));
    return out;
  }
}
