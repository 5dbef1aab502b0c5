package io.flowctl.client.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * A real client heartbeats Arrow metrics to a real control plane; its Prometheus exposition is read
 * back by the Prometheus project's own text-format parser (Debian's python3-prometheus-client,
 * installed by .ci/run), and its JSON API and dashboard are served.
 */
class MonitoringExpositionTest {
  static final Schema SCHEMA =
      new Schema(List.of(Field.notNullable("n", new ArrowType.Int(64, true))));

  private final HttpClient http = HttpClient.newHttpClient();
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void metricsParseAsPrometheusText_andTheApiAndDashboardAreServed() throws Exception {
    try (BufferAllocator allocator = new RootAllocator();
        FlowctlServer cp =
            FlowctlServer.builder().host("127.0.0.1").port(0).httpPort(0).store("memory").start()) {
      CodecMetrics metrics = CodecMetrics.create(allocator);
      ArrowEventCodec codec =
          ArrowEventCodec.builder().compression(Compression.LZ4).metrics(metrics).build();
      try (VectorSchemaRoot root = VectorSchemaRoot.create(SCHEMA, allocator)) {
        root.allocateNew();
        for (int i = 0; i < 5_000; i++) {
          ((BigIntVector) root.getVector(0)).setSafe(i, i % 7);
        }
        root.setRowCount(5_000);
        for (int i = 0; i < 4; i++) {
          codec.encode(root);
        }
      }
      cp.schemas().register("arrow_data.ArrowBatch", SCHEMA, "src");
      ServiceInfo info =
          ServiceInfo.newBuilder()
              .setServiceId("src")
              .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
              .addOutputEventTypes("arrow_data.ArrowBatch")
              .putMetadata("data_format", "arrow")
              .putMetadata("arrow_compression", "lz4")
              .putMetadata("pipeline", "p1")
              .build();
      try (ControlPlaneClient client =
          ControlPlaneClient.builder("127.0.0.1:" + cp.port(), info)
              .codecMetrics(metrics)
              .heartbeatInterval(Duration.ofMillis(100))
              .build()) {
        client.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (cp.monitor().service("src").map(v -> v.series().size()).orElse(0) < 2) {
          assertThat(System.nanoTime()).as("heartbeats reach the monitor").isLessThan(deadline);
          Thread.sleep(50);
        }

        String base = "http://127.0.0.1:" + cp.httpPort();
        HttpResponse<String> scrape = get(base + "/metrics");
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");

        JsonNode families = parseWithPrometheus(scrape.body());
        assertThat(sample(families, "flowctl_services_registered", "")).isEqualTo(1.0);
        assertThat(sample(families, "flowctl_services_healthy", "")).isEqualTo(1.0);
        assertThat(sample(families, "flowctl_heartbeats_total", "")).isGreaterThanOrEqualTo(2.0);
        assertThat(sample(families, "flowctl_schema_registrations_total", "result=new"))
            .isEqualTo(1.0);
        assertThat(sample(families, "arrow_compression_ratio", "service=src")).isBetween(0.0, 1.0);
        assertThat(sample(families, "arrow_batch_size_avg", "service=src")).isEqualTo(5_000.0);
        assertThat(sample(families, "arrow_memory_usage_bytes", "service=src")).isNotNull();
        assertThat(sample(families, "flowctl_rpc_seconds_count", "code=ok"))
            .as("the control plane's own RPCs are timed")
            .isGreaterThanOrEqualTo(1.0);
        assertThat(families.has("flowctl_alerts_active")).isTrue();

        JsonNode overview = json.readTree(get(base + "/api/overview").body());
        JsonNode src = overview.get("services").get(0);
        assertThat(src.get("id").asText()).isEqualTo("src");
        assertThat(src.get("healthy").asBoolean()).isTrue();
        assertThat(src.get("pipeline").asText()).isEqualTo("p1");
        assertThat(src.get("series").size()).isGreaterThanOrEqualTo(2);
        assertThat(overview.get("schemaEvents").get(0).get("subject").asText())
            .isEqualTo("arrow_data.ArrowBatch");
        assertThat(overview.get("pipelines").get(0).get("name").asText()).isEqualTo("p1");

        assertThat(get(base + "/api/services/src").statusCode()).isEqualTo(200);
        assertThat(get(base + "/api/services/nobody").statusCode()).isEqualTo(404);
        HttpResponse<String> page = get(base + "/");
        assertThat(page.body())
            .contains("flowctl · Arrow monitoring")
            .contains("/assets/dashboard.js");
        assertThat(get(base + "/assets/dashboard.js").body()).contains("/api/overview");
        assertThat(get(base + "/assets/chart.umd.js").body()).contains("Chart");
      }
    }
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /**
   * Every family as {name: [[labels, value], ...]}, from prometheus_client's parser. Counters come
   * back without their _total suffix in the family name, so samples are keyed by sample name.
   */
  private JsonNode parseWithPrometheus(String exposition) throws Exception {
    String script =
        String.join(
            "\n",
            "import json, sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "out = {}",
            "for family in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in family.samples:",
            "        out.setdefault(s.name, []).append([s.labels, s.value])",
            "print(json.dumps(out))");
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", script).start();
    try (var in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("prometheus_client parser: " + err).isZero();
    return json.readTree(out);
  }

  /** The value of the first sample of {@code name} whose labels include {@code label=value}. */
  private static Double sample(JsonNode families, String name, String label) {
    JsonNode samples = families.get(name);
    if (samples == null) {
      return null;
    }
    for (JsonNode s : samples) {
      if (label.isEmpty()) {
        return s.get(1).asDouble();
      }
      String[] kv = label.split("=", 2);
      if (s.get(0).has(kv[0]) && s.get(0).get(kv[0]).asText().equals(kv[1])) {
        return s.get(1).asDouble();
      }
    }
    return null;
  }
}
