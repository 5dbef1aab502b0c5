package io.flowctl.server.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The control plane's HTTP side, on its own port: Prometheus exposition at {@code /metrics}, the
 * live dashboard at {@code /}, and the JSON it reads under {@code /api/} (see {@code
 * docs/monitoring.md}). Read-only: every route answers GET alone.
 */
public final class MonitoringServer implements AutoCloseable {
  /** Chart.js, from its webjar on the classpath. */
  static final String CHART_JS = "META-INF/resources/webjars/chartjs/4.4.3/dist/chart.umd.js";

  private final HttpServer http;
  private final ExecutorService executor;
  private final Monitor monitor;
  private final PrometheusMeterRegistry prometheus;
  private final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private MonitoringServer(HttpServer http, Monitor monitor, PrometheusMeterRegistry prometheus) {
    this.http = http;
    this.monitor = monitor;
    this.prometheus = prometheus;
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "flowctl-monitoring-http");
              t.setDaemon(true);
              return t;
            });
    http.setExecutor(executor);
    http.createContext("/", this::handle);
  }

  /**
   * Serves {@code monitor} and {@code prometheus} on {@code host:port} (port 0: a free one).
   *
   * @throws IOException when the port cannot be bound
   */
  public static MonitoringServer start(
      String host, int port, Monitor monitor, PrometheusMeterRegistry prometheus)
      throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
    MonitoringServer s =
        new MonitoringServer(
            http,
            Objects.requireNonNull(monitor, "monitor"),
            Objects.requireNonNull(prometheus, "prometheus"));
    http.start();
    return s;
  }

  /** The port it listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        send(ex, 405, "text/plain; charset=utf-8", "GET only\n");
        return;
      }
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/", "/index.html" ->
            send(ex, 200, "text/html; charset=utf-8", resource("dashboard.html"));
        case "/assets/chart.umd.js" ->
            send(ex, 200, "text/javascript; charset=utf-8", classpath(CHART_JS));
        case "/metrics" ->
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape());
        case "/api/overview" -> sendJson(ex, monitor.overview());
        case "/api/services" -> sendJson(ex, monitor.services());
        case "/api/pipelines" -> sendJson(ex, monitor.pipelines());
        case "/api/alerts" -> sendJson(ex, monitor.alerts());
        case "/api/recommendations" -> sendJson(ex, monitor.recommendations());
        case "/api/schemas" -> sendJson(ex, monitor.schemaEvents());
        case "/api/matrix" -> sendJson(ex, monitor.matrix());
        default -> {
          if (path.startsWith("/api/services/")) {
            String id =
                URLDecoder.decode(
                    path.substring("/api/services/".length()), StandardCharsets.UTF_8);
            var view = monitor.service(id);
            if (view.isPresent()) {
              sendJson(ex, view.get());
            } else {
              sendJson(ex, 404, Map.of("error", "no service '" + id + "'"));
            }
          } else {
            sendJson(ex, 404, Map.of("error", "no route " + path));
          }
        }
      }
    } catch (RuntimeException e) {
      // the exchange is closed; the next request is served normally
    }
  }

  private byte[] resource(String name) throws IOException {
    try (InputStream in = MonitoringServer.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return in.readAllBytes();
    }
  }

  private static byte[] classpath(String name) throws IOException {
    try (InputStream in = MonitoringServer.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return in.readAllBytes();
    }
  }

  private void sendJson(HttpExchange ex, Object body) throws IOException {
    sendJson(ex, 200, body);
  }

  private void sendJson(HttpExchange ex, int status, Object body) throws IOException {
    send(ex, status, "application/json", json.writeValueAsBytes(body));
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
