package io.flowctl.server.monitoring;

import static io.flowctl.server.monitoring.Stats.bytes;
import static io.flowctl.server.monitoring.Stats.value;

import io.flowctl.server.monitoring.view.Alert;
import io.flowctl.server.monitoring.view.SchemaEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Which alerts are active: each service's latest metrics against {@link AlertThresholds}, its
 * throughput against its own baseline, and the registry's refusals per subject over the window.
 * Listeners hear of an alert once when it is raised and once when it clears. Thread-safe.
 */
final class AlertEngine {
  private final AlertThresholds thresholds;
  private final Clock clock;
  private final Duration window;
  private final Map<String, Alert> active = new ConcurrentHashMap<>();
  private final List<AlertListener> listeners = new CopyOnWriteArrayList<>();

  /**
   * Services of which no throughput is expected now (their run finished, nobody reads them): a drop
   * there is not a degradation.
   */
  private final java.util.function.Predicate<ServiceSeries> quiet;

  private final Map<String, ServiceSeries> seriesById;

  AlertEngine(
      AlertThresholds thresholds,
      Clock clock,
      Duration window,
      java.util.function.Predicate<ServiceSeries> quiet,
      Map<String, ServiceSeries> seriesById) {
    this.thresholds = thresholds;
    this.clock = clock;
    this.window = window;
    this.quiet = quiet;
    this.seriesById = seriesById;
  }

  /** Clears the throughput alerts of services that became quiet without a heartbeat since. */
  void clearQuiet() {
    for (Alert a : active.values()) {
      if (a.kind() == Alert.Kind.THROUGHPUT_DEGRADATION) {
        ServiceSeries s = seriesById.get(a.source());
        if (s == null || quiet.test(s)) {
          clear(Alert.Kind.THROUGHPUT_DEGRADATION + "|" + a.source());
        }
      }
    }
  }

  void addListener(AlertListener listener) {
    listeners.add(listener);
  }

  /** The alerts active now, oldest first. */
  List<Alert> active() {
    List<Alert> out = new ArrayList<>(active.values());
    out.sort(Comparator.comparing(Alert::since).thenComparing(Alert::source));
    return out;
  }

  long count(Alert.Kind kind) {
    return active.values().stream().filter(a -> a.kind() == kind).count();
  }

  /** Re-judges one service after its heartbeat. */
  void evaluate(ServiceSeries s) {
    Map<String, Double> m = s.latest();
    String id = s.id;
    atLeast(
        Alert.Kind.COMPATIBILITY_FAILURES,
        id,
        value(m, "arrow_compatibility_check_failures"),
        thresholds.compatibilityFailures(),
        "compatibility check failures");
    atLeast(
        Alert.Kind.PROCESSING_ERRORS,
        id,
        value(m, "arrow_processing_errors"),
        thresholds.processingErrors(),
        "processing errors");
    double memory = value(m, "arrow_memory_usage_bytes");
    update(
        Alert.Kind.MEMORY,
        id,
        memory > thresholds.memoryBytes(),
        memory,
        thresholds.memoryBytes(),
        () ->
            String.format(
                Locale.ROOT,
                "%s holds %s of Arrow memory, over the %s threshold",
                id,
                bytes(memory),
                bytes(thresholds.memoryBytes())));
    double[] split = s.baselineAndRecent(thresholds.minBaselineSamples());
    if (split != null) {
      double baseline = split[0];
      double recent = split[1];
      double floor = baseline * (1 - thresholds.throughputDrop());
      update(
          Alert.Kind.THROUGHPUT_DEGRADATION,
          id,
          baseline > 0 && recent < floor && !quiet.test(s), // quiet: judged only when it would fire
          recent,
          floor,
          () ->
              String.format(
                  Locale.ROOT,
                  "%s moves %.0f rows/s, down from a baseline of %.0f (alert below %.0f)",
                  id,
                  recent,
                  baseline,
                  floor));
    }
  }

  /** A count the service reports, firing from {@code threshold} on. */
  private void atLeast(Alert.Kind kind, String id, double count, long threshold, String what) {
    update(
        kind,
        id,
        count >= threshold,
        count,
        threshold,
        () -> String.format(Locale.ROOT, "%s reports %.0f %s", id, count, what));
  }

  /** Re-judges the registry's refusals in the window: raises, updates and clears per subject. */
  void evaluateRefusals(List<SchemaEvent> events) {
    Instant since = clock.instant().minus(window);
    Map<String, Integer> bySubject = new TreeMap<>();
    for (SchemaEvent e : events) {
      if (e.action().equals("refused") && !e.at().isBefore(since)) {
        bySubject.merge(e.subject(), 1, Integer::sum);
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
                () ->
                    String.format(
                        Locale.ROOT,
                        "the registry refused %d registration(s) of '%s' within %ds",
                        count,
                        subject,
                        window.toSeconds())));
  }

  /** Clears every alert of a service that is gone. */
  void forget(String serviceId) {
    for (Alert.Kind k : Alert.Kind.values()) {
      clear(k + "|" + serviceId);
    }
  }

  private void update(
      Alert.Kind kind,
      String source,
      boolean firing,
      double value,
      double threshold,
      java.util.function.Supplier<String> describe) {
    if (!firing) {
      if (!active.isEmpty()) { // the common case costs no key
        clear(kind + "|" + source);
      }
      return;
    }
    String key = kind + "|" + source;
    String message = describe.get();
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
      for (AlertListener l : listeners) {
        l.raised(fresh[0]);
      }
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
}
