package io.flowctl.server.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.flowctl.internal.Require;
import io.flowctl.server.monitoring.view.Overview;
import io.flowctl.server.monitoring.view.ServiceView;
import io.flowctl.server.security.BearerTokenInterceptor;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import javax.net.ssl.SSLContext;

/**
 * The control plane's HTTP side, on its own port: Prometheus exposition at {@code /metrics}, the
 * live dashboard at {@code /}, and the JSON it reads under {@code /api/} (see {@code
 * docs/monitoring.md}). Read-only: every route answers GET alone.
 *
 * <p>With bearer tokens, everything but the page's own static files needs {@code Authorization:
 * Bearer TOKEN} (401 otherwise), as the gRPC side does. Every answer is bounded: the overview is
 * capped (see {@link Overview}) and computed at most once a second however many clients poll it,
 * service lists come in pages. A connection that has not sent its whole request within {@value
 * #REQUEST_SECONDS} s is closed, so slow clients cannot hold the server's threads.
 */
public final class MonitoringServer implements AutoCloseable {
  /** Chart.js, from its webjar on the classpath. */
  static final String CHART_JS = "META-INF/resources/webjars/chartjs/4.4.3/dist/chart.umd.js";

  /** Seconds a client has to send a request (the JDK server's {@code maxReqTime}). */
  static final int REQUEST_SECONDS = 10;

  /**
   * Connections served at once (the JDK server's {@code jdk.httpserver.maxConnections}); more are
   * closed on arrival. Every connection may have a thread, so slow ones never queue the others.
   */
  static final int MAX_CONNECTIONS = 128;

  /** Services in one page of {@code /api/services} at most. */
  public static final int MAX_PAGE = 500;

  static {
    // Read once, when the JDK's HTTP server is first used in this JVM: without them a client
    // sending its headers slowly holds a thread for as long as it likes. A host that set its own
    // values keeps them.
    setIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_SECONDS));
    setIfAbsent("sun.net.httpserver.maxRspTime", "60");
    setIfAbsent("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    setIfAbsent("sun.net.httpserver.maxReqHeaders", "100");
    setIfAbsent("sun.net.httpserver.maxReqHeaderSize", Integer.toString(32 << 10));
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  private static final Map<String, String> SECURITY_HEADERS = securityHeaders();

  private static Map<String, String> securityHeaders() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    h.put("X-Content-Type-Options", "nosniff");
    h.put("X-Frame-Options", "DENY");
    h.put("Referrer-Policy", "no-referrer");
    h.put("Cache-Control", "no-store");
    return Map.copyOf(h);
  }

  private final HttpServer http;
  private final ExecutorService executor;
  private final Monitor monitor;
  private final PrometheusMeterRegistry prometheus;
  private final BearerTokenInterceptor tokens;
  private final ObjectMapper json =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final Object overviewLock = new Object();
  private Overview overview;
  private byte[] overviewJson;
  private long overviewAt;

  private MonitoringServer(Builder b, HttpServer http) {
    this.http = http;
    this.monitor = b.monitor;
    this.prometheus = b.prometheus;
    this.tokens = b.tokens;
    // A thread per busy connection at most (idle ones end after 30 s): a slow client holds its
    // own thread, never the others'. Idle threads are reused before new ones are made.
    java.util.concurrent.ThreadPoolExecutor pool =
        new java.util.concurrent.ThreadPoolExecutor(
            2,
            MAX_CONNECTIONS + 8,
            30,
            java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "flowctl-monitoring-http");
              t.setDaemon(true);
              return t;
            },
            // only when every thread is busy, which the connection limit rules out but for a race
            new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
    this.executor = pool;
    http.setExecutor(executor);
    http.createContext("/", this::handle);
  }

  /**
   * Serves {@code monitor} and {@code prometheus} on {@code host:port} (port 0: a free one), plain
   * HTTP without tokens.
   *
   * @throws IOException when the port cannot be bound
   */
  public static MonitoringServer start(
      String host, int port, Monitor monitor, PrometheusMeterRegistry prometheus)
      throws IOException {
    return builder(monitor, prometheus).host(host).port(port).start();
  }

  public static Builder builder(Monitor monitor, PrometheusMeterRegistry prometheus) {
    return new Builder(monitor, prometheus);
  }

  /** The port it listens on. */
  public int port() {
    return http.getAddress().getPort();
  }

  /** Whether it serves HTTPS. */
  public boolean secure() {
    return http instanceof HttpsServer;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      SECURITY_HEADERS.forEach(ex.getResponseHeaders()::set);
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        send(ex, 405, "text/plain; charset=utf-8", "GET only\n");
        return;
      }
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/", "/index.html" -> {
          send(ex, 200, "text/html; charset=utf-8", resource("dashboard.html"));
          return;
        }
        case "/assets/dashboard.js" -> {
          send(ex, 200, "text/javascript; charset=utf-8", resource("dashboard.js"));
          return;
        }
        case "/assets/dashboard.css" -> {
          send(ex, 200, "text/css; charset=utf-8", resource("dashboard.css"));
          return;
        }
        case "/assets/chart.umd.js" -> {
          send(ex, 200, "text/javascript; charset=utf-8", classpath(CHART_JS));
          return;
        }
        default -> {
          // data: authorized below
        }
      }
      if (tokens != null
          && tokens.principal(ex.getRequestHeaders().getFirst("Authorization")).isEmpty()) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"flowctl\"");
        sendJson(ex, 401, Map.of("error", "this control plane needs Authorization: Bearer TOKEN"));
        return;
      }
      switch (path) {
        case "/metrics" ->
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape());
        case "/api/overview" -> send(ex, 200, "application/json", overviewJson());
        case "/api/services" -> sendJson(ex, page(ex));
        case "/api/pipelines" -> sendJson(ex, overview().pipelines());
        case "/api/alerts" -> sendJson(ex, overview().alerts());
        case "/api/recommendations" -> sendJson(ex, overview().recommendations());
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
    } catch (RuntimeException | OutOfMemoryError e) {
      // the exchange is closed; the next request is served normally
    }
  }

  /**
   * The overview, computed at most once a second for every poller together: the routes that show
   * part of it read the same one.
   */
  private Overview overview() throws IOException {
    synchronized (overviewLock) {
      long now = System.nanoTime();
      if (overview == null || now - overviewAt > 1_000_000_000L) {
        overview = monitor.overview();
        overviewJson = json.writeValueAsBytes(overview);
        overviewAt = now;
      }
      return overview;
    }
  }

  private byte[] overviewJson() throws IOException {
    synchronized (overviewLock) {
      overview();
      return overviewJson;
    }
  }

  /** One page of services. */
  public record ServicePage(int offset, int total, List<ServiceView> services) {}

  private ServicePage page(HttpExchange ex) {
    Map<String, String> q = query(ex.getRequestURI().getRawQuery());
    int offset = intParam(q, "offset", 0, Integer.MAX_VALUE, 0);
    int limit = intParam(q, "limit", 1, MAX_PAGE, 100);
    List<ServiceView> all = monitor.services();
    int from = Math.min(offset, all.size());
    int to = Math.min(all.size(), from + limit);
    return new ServicePage(from, all.size(), List.copyOf(all.subList(from, to)));
  }

  private static int intParam(Map<String, String> q, String name, int min, int max, int dflt) {
    String v = q.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Math.max(min, Math.min(max, Integer.parseInt(v)));
    } catch (NumberFormatException e) {
      return dflt;
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.length() > 1_000) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
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

  /** Settings of the HTTP side. */
  public static final class Builder {
    private final Monitor monitor;
    private final PrometheusMeterRegistry prometheus;
    private String host = "0.0.0.0";
    private int port;
    private BearerTokenInterceptor tokens;
    private SSLContext tls;
    private boolean clientAuth;

    private Builder(Monitor monitor, PrometheusMeterRegistry prometheus) {
      this.monitor = Objects.requireNonNull(monitor, "monitor");
      this.prometheus = Objects.requireNonNull(prometheus, "prometheus");
    }

    /** The address to listen on; default every interface. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port; 0 picks a free one. */
    public Builder port(int port) {
      this.port = Require.port(port);
      return this;
    }

    /** Requires these bearer tokens on {@code /metrics} and {@code /api/*}. */
    public Builder bearerTokens(BearerTokenInterceptor tokens) {
      this.tokens = Objects.requireNonNull(tokens, "tokens");
      return this;
    }

    /** Serves HTTPS; with {@code requireClientCertificates}, mutual TLS. */
    public Builder tls(SSLContext context, boolean requireClientCertificates) {
      this.tls = Objects.requireNonNull(context, "context");
      this.clientAuth = requireClientCertificates;
      return this;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException when the port cannot be bound
     */
    public MonitoringServer start() throws IOException {
      InetSocketAddress at = new InetSocketAddress(host, port);
      HttpServer http;
      if (tls == null) {
        http = HttpServer.create(at, 64);
      } else {
        HttpsServer https = HttpsServer.create(at, 64);
        boolean need = clientAuth;
        https.setHttpsConfigurator(
            new HttpsConfigurator(tls) {
              @Override
              public void configure(HttpsParameters params) {
                var p = getSSLContext().getDefaultSSLParameters();
                p.setNeedClientAuth(need);
                params.setSSLParameters(p);
              }
            });
        http = https;
      }
      MonitoringServer s = new MonitoringServer(this, http);
      http.start();
      return s;
    }
  }
}
