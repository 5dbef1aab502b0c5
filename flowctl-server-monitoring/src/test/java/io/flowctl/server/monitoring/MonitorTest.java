package io.flowctl.server.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.server.monitoring.view.Alert;
import io.flowctl.server.monitoring.view.CompatibilityMatrix;
import io.flowctl.server.monitoring.view.Percentiles;
import io.flowctl.server.monitoring.view.Recommendation;
import io.flowctl.server.monitoring.view.SchemaEvent;
import io.flowctl.server.monitoring.view.ServiceView;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.runs.InMemoryPipelineRunStore;
import io.flowctl.server.runs.PipelineRuns;
import io.flowctl.server.schema.InMemorySchemaStore;
import io.flowctl.server.schema.SchemaRegistry;
import io.flowctl.testing.ManualClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MonitorTest {
  private final ManualClock clock = new ManualClock();
  private ServiceRegistry services;
  private SchemaRegistry schemas;
  private PrometheusMeterRegistry meters;
  private Monitor monitor;
  private PipelineRuns runs;
  private final List<String> delivered = new ArrayList<>();

  @BeforeEach
  void setUp() {
    services = ServiceRegistry.builder().clock(clock).heartbeatTtl(Duration.ofSeconds(30)).build();
    schemas = SchemaRegistry.builder(new InMemorySchemaStore()).clock(clock).build();
    meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    runs = new PipelineRuns(new InMemoryPipelineRunStore(), clock);
    monitor =
        Monitor.builder(services)
            .schemas(schemas)
            .runs(runs)
            .meters(meters)
            .clock(clock)
            .window(Duration.ofMinutes(5))
            .thresholds(AlertThresholds.builder().memoryBytes(100L << 20).build())
            .build();
    monitor.addListener(
        new AlertListener() {
          @Override
          public void raised(Alert a) {
            delivered.add("raised " + a.kind() + " " + a.source());
          }

          @Override
          public void cleared(Alert a) {
            delivered.add("cleared " + a.kind() + " " + a.source());
          }
        });
  }

  private void register(
      String id, ServiceType type, String compression, List<String> in, List<String> out) {
    services.register(
        ServiceInfo.newBuilder()
            .setServiceId(id)
            .setServiceType(type)
            .putMetadata("data_format", "arrow")
            .putMetadata("arrow_compression", compression)
            .putMetadata("pipeline", "ttp")
            .addAllInputEventTypes(in)
            .addAllOutputEventTypes(out)
            .build());
  }

  private static Map<String, Double> metrics(
      double rows, double batch, double latency, double memory) {
    Map<String, Double> m = new HashMap<>();
    m.put("arrow_rows_per_second", rows);
    m.put("arrow_batch_size_avg", batch);
    m.put("arrow_serialization_time_ms", latency / 2);
    m.put("arrow_deserialization_time_ms", latency / 2);
    m.put("arrow_memory_usage_bytes", memory);
    m.put("arrow_compression_ratio", 0.5);
    m.put("arrow_bytes_per_second", rows * 100);
    return m;
  }

  @Test
  void heartbeats_becomeSeriesWithPercentiles_overTheWindowOnly() {
    register("src", ServiceType.SERVICE_TYPE_SOURCE, "lz4", List.of(), List.of("a"));
    for (int i = 1; i <= 100; i++) {
      services.heartbeat("src", metrics(1000 * i, i, i, 1 << 20));
      clock.advance(Duration.ofSeconds(1));
    }
    ServiceView v = monitor.service("src").orElseThrow();
    assertThat(v.series()).hasSize(100);
    assertThat(v.batchSize()).isEqualTo(new Percentiles(50, 95, 99));
    assertThat(v.latencyMs().p95()).isEqualTo(95);
    assertThat(v.rowsPerSecondMean()).isEqualTo(50_500);
    assertThat(v.pipeline()).isEqualTo("ttp");

    clock.advance(Duration.ofMinutes(4)); // now 340 s in: the samples of the first 40 s fall out
    services.heartbeat("src", metrics(1, 1, 1, 1 << 20));
    v = monitor.service("src").orElseThrow();
    assertThat(v.series()).hasSize(61);
    assertThat(monitor.pipelines())
        .singleElement()
        .satisfies(p -> assertThat(p.rowsPerSecond()).isEqualTo(1));
  }

  @Test
  void alerts_areRaisedAndCleared_andDeliveredToListeners() {
    register("proc", ServiceType.SERVICE_TYPE_PROCESSOR, "zstd", List.of("a"), List.of("b"));
    Map<String, Double> m = metrics(1000, 10_000, 5, 200L << 20);
    m.put("arrow_processing_errors", 2.0);
    services.heartbeat("proc", m);

    assertThat(monitor.alerts())
        .extracting(Alert::kind)
        .containsExactlyInAnyOrder(Alert.Kind.MEMORY, Alert.Kind.PROCESSING_ERRORS);
    assertThat(delivered).contains("raised MEMORY proc", "raised PROCESSING_ERRORS proc");
    assertThat(meters.scrape())
        .contains("flowctl_alerts_active{kind=\"memory\"} 1")
        .contains("flowctl_alerts_raised_total{kind=\"memory\"} 1.0");

    services.heartbeat("proc", metrics(1000, 10_000, 5, 10L << 20));
    assertThat(monitor.alerts()).isEmpty();
    assertThat(delivered).contains("cleared MEMORY proc");
  }

  /** Six heartbeats at 10,000 rows/s (the baseline), then {@code n} at {@code rows}. */
  private void throughput(String id, double rows, int n) {
    for (int i = 0; i < 6; i++) {
      services.heartbeat(id, metrics(10_000, 10_000, 5, 1 << 20));
      clock.advance(Duration.ofSeconds(1));
    }
    for (int i = 0; i < n; i++) {
      services.heartbeat(id, metrics(rows, 10_000, 5, 1 << 20));
      clock.advance(Duration.ofSeconds(1));
    }
  }

  @Test
  void aThroughputDrop_againstTheBaseline_raisesAnAlert() {
    register("src", ServiceType.SERVICE_TYPE_SOURCE, "none", List.of(), List.of("a"));
    register("sink", ServiceType.SERVICE_TYPE_SINK, "none", List.of("a"), List.of());
    throughput("src", 10_000, 0);
    assertThat(monitor.alerts()).isEmpty();
    throughput("src", 2_000, 3);
    assertThat(monitor.alerts())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind()).isEqualTo(Alert.Kind.THROUGHPUT_DEGRADATION);
              assertThat(a.message()).contains("2000 rows/s").contains("baseline of 10000");
            });
  }

  @Test
  void aSourceNobodyReads_isNotDegraded_andItsAlertClearsWhenItsReaderLeaves() {
    register("waiting", ServiceType.SERVICE_TYPE_SOURCE, "none", List.of(), List.of("a"));
    throughput("waiting", 0, 3);
    assertThat(monitor.alerts()).as("nobody reads 'a': waiting is not degraded").isEmpty();

    register("reader", ServiceType.SERVICE_TYPE_SINK, "none", List.of("a"), List.of());
    throughput("waiting", 0, 3);
    assertThat(monitor.alerts())
        .extracting(Alert::kind)
        .containsExactly(Alert.Kind.THROUGHPUT_DEGRADATION);

    services.unregister("reader");
    monitor.sweep();
    assertThat(monitor.alerts()).isEmpty();
  }

  @Test
  void aFinishedRun_isNotDegraded_andFinishingClearsItsAlerts() {
    register("src", ServiceType.SERVICE_TYPE_SOURCE, "none", List.of(), List.of("a"));
    register("sink", ServiceType.SERVICE_TYPE_SINK, "none", List.of("a"), List.of());
    var run =
        runs.create(
            io.flowctl.proto.CreatePipelineRunRequest.newBuilder()
                .setPipelineName("ttp")
                .addComponentIds("src")
                .addComponentIds("sink")
                .build());
    throughput("src", 1_000, 3);
    assertThat(monitor.alerts()).as("running, and slow").hasSize(1);

    runs.update(
        io.flowctl.proto.UpdatePipelineRunRequest.newBuilder()
            .setRunId(run.getRunId())
            .setStatus(io.flowctl.proto.RunStatus.RUN_STATUS_COMPLETED)
            .build());
    assertThat(monitor.alerts()).as("cleared when the run completed").isEmpty();
    assertThat(delivered).contains("cleared THROUGHPUT_DEGRADATION src");
    throughput("src", 0, 3);
    assertThat(monitor.alerts()).isEmpty();

    // The next run of the pipeline expects throughput again.
    runs.create(
        io.flowctl.proto.CreatePipelineRunRequest.newBuilder()
            .setPipelineName("ttp")
            .addComponentIds("src")
            .build());
    throughput("src", 0, 3);
    assertThat(monitor.alerts()).hasSize(1);
    runs.stop(
        runs.list("ttp", io.flowctl.proto.RunStatus.RUN_STATUS_STARTING, 1).get(0).getRunId());
    assertThat(monitor.alerts()).as("a stopped run is not degraded either").isEmpty();
  }

  @Test
  void refusedRegistrations_reachTheTimeline_theCounters_andAnAlert() {
    Schema v1 = new Schema(List.of(Field.notNullable("id", new ArrowType.Int(64, true))));
    Schema v2 =
        new Schema(
            List.of(
                Field.notNullable("id", new ArrowType.Int(64, true)),
                Field.notNullable("memo", ArrowType.Utf8.INSTANCE)));
    schemas.setPolicy("t", EvolutionPolicy.BACKWARD);
    schemas.register("t", v1, "src");
    assertThatThrownBy(() -> schemas.register("t", v2, "src"));

    assertThat(monitor.schemaEvents())
        .extracting(SchemaEvent::action)
        .containsExactly("policy", "registered", "refused");
    assertThat(monitor.alerts())
        .singleElement()
        .satisfies(a -> assertThat(a.source()).isEqualTo("schema:t"));
    assertThat(monitor.validationErrors()).containsEntry("schema:t", 1.0);
    assertThat(meters.scrape())
        .contains("flowctl_schema_registrations_total{result=\"new\"} 1")
        .contains("flowctl_schema_registrations_total{result=\"refused\"} 1");

    schemas.delete("t", 1, false);
    schemas.setMode("t", io.flowctl.server.schema.SubjectMode.READONLY);
    assertThat(monitor.schemaEvents())
        .extracting(e -> e.action() + " " + e.version())
        .endsWith("deleted 1", "mode 0");

    clock.advance(Duration.ofMinutes(6)); // out of the window: the alert clears at the sweep
    assertThat(monitor.alerts()).hasSize(1); // reads change nothing
    monitor.sweep();
    assertThat(monitor.alerts()).isEmpty();
  }

  @Test
  void recommendations_followTheMetrics() {
    register("small", ServiceType.SERVICE_TYPE_SOURCE, "zstd", List.of(), List.of("a"));
    Map<String, Double> m = metrics(500, 200, 400, 90L << 20);
    m.put("arrow_compression_ratio", 0.97);
    services.heartbeat("small", m);

    assertThat(monitor.recommendations())
        .extracting(Recommendation::kind)
        .containsExactlyInAnyOrder(
            Recommendation.Kind.SMALL_BATCHES,
            Recommendation.Kind.POOR_COMPRESSION,
            Recommendation.Kind.MEMORY_NEAR_LIMIT,
            Recommendation.Kind.SLOW_BATCHES);

    assertThat(monitor.recommendations())
        .allSatisfy(
            r -> {
              assertThat(r.expectedGain()).isNotBlank();
              assertThat(r.message()).containsAnyOf("threshold", "threshold for");
            });
    Recommendation slow =
        monitor.recommendations().stream()
            .filter(r -> r.kind() == Recommendation.Kind.SLOW_BATCHES)
            .findFirst()
            .orElseThrow();
    assertThat(slow.measured()).isGreaterThan(slow.threshold());
    assertThat(slow.expectedGain()).contains("200 ms");

    register("good", ServiceType.SERVICE_TYPE_SOURCE, "lz4", List.of(), List.of("a"));
    services.heartbeat("good", metrics(100_000, 10_000, 20, 8L << 20));
    assertThat(monitor.recommendations()).noneMatch(r -> r.serviceId().equals("good"));
  }

  @Test
  void aSinkIsNotToldToChangeWhatItsProducerChooses_andNothingBelowAThreshold() {
    register("sink", ServiceType.SERVICE_TYPE_SINK, "zstd", List.of("a"), List.of());
    Map<String, Double> m = metrics(500, 200, 400, 8L << 20);
    m.put("arrow_compression_ratio", 0.97);
    services.heartbeat("sink", m);
    assertThat(monitor.recommendations())
        .as("small, poorly compressed, slow: not its choice")
        .isEmpty();

    // Just under each threshold: 1,000 rows, a ratio of 0.89, 80% of memory, 250 ms.
    register("edge", ServiceType.SERVICE_TYPE_SOURCE, "zstd", List.of(), List.of("a"));
    Map<String, Double> e = metrics(5_000, 1_000, 249, (long) (0.8 * (100L << 20)));
    e.put("arrow_compression_ratio", 0.89);
    services.heartbeat("edge", e);
    assertThat(monitor.recommendations()).isEmpty();
  }

  @Test
  void theMatrix_showsWhichProducersFeedWhichConsumers() {
    register("src", ServiceType.SERVICE_TYPE_SOURCE, "lz4", List.of(), List.of("a"));
    register("proc", ServiceType.SERVICE_TYPE_PROCESSOR, "lz4", List.of("a"), List.of("b"));
    register("sink", ServiceType.SERVICE_TYPE_SINK, "none", List.of("b"), List.of());

    CompatibilityMatrix m = monitor.matrix();
    assertThat(m.producers()).containsExactly("proc", "src");
    assertThat(m.consumers()).containsExactly("proc", "sink");
    assertThat(m.cells()).containsExactly(List.of("", "b"), List.of("a", ""));
  }

  @Test
  void everyPlanMetric_isExportedPerService() {
    register("src", ServiceType.SERVICE_TYPE_SOURCE, "lz4", List.of(), List.of("a"));
    services.heartbeat("src", metrics(1234, 10_000, 5, 1 << 20));
    String text = meters.scrape();
    for (String name : Monitor.ARROW_METRICS) {
      assertThat(text).contains(name + "{pipeline=\"ttp\",service=\"src\"}");
    }
    assertThat(text)
        .contains("arrow_rows_per_second{pipeline=\"ttp\",service=\"src\"} 1234")
        .contains("flowctl_services_registered 1")
        .contains("flowctl_heartbeats_total 1");
  }
}
