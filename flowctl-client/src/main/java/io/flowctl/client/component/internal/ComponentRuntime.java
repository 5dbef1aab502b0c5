package io.flowctl.client.component.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flowctl.FlowctlException;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.control.ControlPlaneChannel;
import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.schema.ReaderModel;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Runs one component the way upstream's launcher and runner expect it to: its data-plane service on
 * a gRPC server ({@code PORT}, 50 MiB messages, reflection), an HTTP health server ({@code
 * HEALTH_PORT}: {@code /health}, {@code /ready}, {@code /live}, and {@code /metrics} as JSON like
 * the Go SDK), registration through {@code flowctl.v1} with the data endpoint (retried with
 * backoff), a heartbeat at once and then every interval with the component's true status (STARTING,
 * HEALTHY, STOPPING), its output schemas registered, and on {@link #close()} a drain: STOPPING
 * reported, no new calls taken, running ones finished, unregistered.
 *
 * <p>No shutdown hook is installed: a program calls {@link #close()} from its own (the {@code
 * flowctl component} command does on SIGTERM). Thread-safe.
 */
public final class ComponentRuntime implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ComponentRuntime.class);

  /** The largest message a component takes or sends: what upstream's runner dials with. */
  public static final int MAX_MESSAGE_BYTES = 50 << 20;

  private final ComponentConfig config;
  private final ServiceType type;
  private final List<String> inputs;
  private final List<String> outputs;
  private final Map<String, String> metadata;
  private final io.grpc.ManagedChannel controlPlaneChannel; // the caller's, or null
  private volatile ManagedChannel ownedChannel; // a TLS channel it made, closed after the client
  private final BindableService service;
  private final ComponentHealth health;
  private final CodecMetrics codecMetrics;
  private final Supplier<Map<String, String>> metrics;
  private final Map<String, Schema> schemas;
  private final Map<String, Schema> readerSchemas;
  private final Map<String, ReaderModel> readerModels;
  private final Duration drainTimeout;
  private Server server;
  private HttpServer http;
  private final io.grpc.protobuf.services.HealthStatusManager grpcHealth =
      new io.grpc.protobuf.services.HealthStatusManager();
  private ControlPlaneClient client;
  private boolean closed;
  private final java.util.concurrent.CountDownLatch terminated =
      new java.util.concurrent.CountDownLatch(1);

  private ComponentRuntime(Builder b) {
    this.config = b.config;
    this.type = b.type;
    this.inputs = List.copyOf(b.inputs);
    this.outputs = List.copyOf(b.outputs);
    this.metadata = new java.util.concurrent.ConcurrentHashMap<>(b.metadata);
    this.controlPlaneChannel = b.controlPlaneChannel;
    if (config.certificate().isPresent()) {
      // a runner reaches this data plane with TLS only when the registration says so
      metadata.put("data_plane_tls", "true");
    }
    this.service = b.service;
    this.health = b.health;
    this.codecMetrics = b.codecMetrics;
    this.metrics = b.metrics;
    this.schemas = Map.copyOf(b.schemas);
    this.readerSchemas = Map.copyOf(b.readerSchemas);
    this.readerModels = Map.copyOf(b.readerModels);
    this.drainTimeout = b.drainTimeout;
  }

  /** A component of {@code type} serving {@code service} (one of the v1 data-plane services). */
  public static Builder builder(ComponentConfig config, ServiceType type, BindableService service) {
    return new Builder(config, type, service);
  }

  /**
   * Adds registration metadata known only once something else binds (a Flight endpoint's port);
   * before {@link #start()}.
   */
  public synchronized void putMetadata(String key, String value) {
    if (server != null) {
      throw new IllegalStateException("metadata is registered at start");
    }
    metadata.put(key, value);
  }

  /**
   * Binds both servers and starts registering in the background; returns once they serve.
   *
   * @throws FlowctlException UNAVAILABLE naming {@code PORT} or {@code HEALTH_PORT} when a port is
   *     in use
   */
  public synchronized ComponentRuntime start() {
    if (server != null || closed) {
      throw new IllegalStateException("a runtime starts once");
    }
    health.set(HealthStatus.HEALTH_STATUS_STARTING, "starting");
    io.flowctl.proto.internal.GrpcLogging.install(); // refused calls: one line, not a trace
    try {
      NettyServerBuilder sb =
          NettyServerBuilder.forAddress(new InetSocketAddress(config.bindHost(), config.port()))
              .maxInboundMessageSize(MAX_MESSAGE_BYTES)
              .addService(service)
              .addService(ProtoReflectionServiceV1.newInstance())
              .addService(grpcHealth.getHealthService()); // grpc.health.v1, for probes
      if (config.certificate().isPresent()) {
        sb.sslContext(serverTls(config.certificate().get(), config.privateKey().orElseThrow()));
      }
      server = sb.build().start();
    } catch (IOException e) {
      throw new FlowctlException(
          FlowctlException.Code.UNAVAILABLE,
          "PORT " + config.bindHost() + ":" + config.port() + " cannot be bound: " + reason(e),
          e);
    }
    try {
      http = HttpServer.create(new InetSocketAddress(config.bindHost(), config.healthPort()), 16);
    } catch (IOException e) {
      server.shutdownNow();
      throw new FlowctlException(
          FlowctlException.Code.UNAVAILABLE,
          "HEALTH_PORT " + config.healthPort() + " cannot be bound: " + reason(e),
          e);
    }
    http.createContext(
        "/health",
        x -> answer(x, health.status() != HealthStatus.HEALTH_STATUS_UNHEALTHY, healthJson()));
    http.createContext(
        "/ready",
        x -> answer(x, health.status() == HealthStatus.HEALTH_STATUS_HEALTHY, healthJson()));
    http.createContext("/live", x -> answer(x, true, "{\"status\":\"alive\"}"));
    // JSON as the Go SDK serves it; Prometheus' text format for scrapers that ask for it.
    http.createContext(
        "/metrics",
        x -> {
          String accept = x.getRequestHeaders().getFirst("Accept");
          if (accept != null && (accept.contains("text/plain") || accept.contains("openmetrics"))) {
            answer(x, true, prometheus(allMetrics()), "text/plain; version=0.0.4; charset=utf-8");
          } else {
            answer(x, true, json(allMetrics()));
          }
        });
    http.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "flowctl-health-" + config.id());
              t.setDaemon(true);
              return t;
            }));
    http.start();
    health.set(HealthStatus.HEALTH_STATUS_HEALTHY, "serving");
    grpcHealth.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    LOG.info(
        "{} serving on {} (health on :{}){}",
        config.id(),
        endpoint(),
        http.getAddress().getPort(),
        config
            .controlPlane()
            .or(() -> Optional.ofNullable(controlPlaneChannel).map(io.grpc.Channel::authority))
            .map(cp -> ", registering with " + cp)
            .orElse(""));
    if (controlPlaneChannel != null) {
      register(controlPlaneChannel.authority());
    } else {
      config.controlPlane().ifPresent(this::register);
    }
    return this;
  }

  private static String reason(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      // a BindException, or Netty's native epoll error saying "Address already in use"
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("already in use"))) {
        return "the port is in use (" + e.getMessage() + ")";
      }
    }
    return e.getMessage();
  }

  private void register(String target) {
    ServiceInfo.Builder info =
        ServiceInfo.newBuilder()
            .setServiceId(config.id())
            .setComponentId(config.id())
            .setServiceType(type)
            .addAllInputEventTypes(inputs)
            .addAllOutputEventTypes(outputs)
            .setHealthEndpoint(config.advertiseHost() + ":" + http.getAddress().getPort())
            .putAllMetadata(metadata);
    config.pipeline().ifPresent(p -> info.putMetadata("pipeline", p));
    // What it reads each input with: the registry refuses producer versions it could not read.
    readerSchemas.forEach(
        (eventType, schema) ->
            info.addSupportedSchemas(
                ControlPlaneClient.schemaInfo(eventType, schema).toBuilder()
                    .setReaderModel(
                        readerModels
                            .getOrDefault(eventType, ReaderModel.PROJECTING)
                            .name()
                            .toLowerCase(java.util.Locale.ROOT))));
    ManagedChannel channel = controlPlaneChannel;
    if (channel == null && config.controlPlaneCa().isPresent()) {
      ControlPlaneChannel.Builder tls =
          ControlPlaneChannel.builder(target).tls(config.controlPlaneCa().get());
      if (config.certificate().isPresent()) {
        tls.clientCertificate(config.certificate().get(), config.privateKey().orElseThrow());
      }
      channel = ownedChannel = tls.build();
    }
    ControlPlaneClient.Builder b =
        (channel != null
                ? ControlPlaneClient.builder(channel, info.build())
                : ControlPlaneClient.builder(target, info.build()))
            .api(config.legacyApi() ? ControlPlaneClient.Api.LEGACY : ControlPlaneClient.Api.V1)
            .dataEndpoint(endpoint())
            .heartbeatInterval(config.heartbeatInterval())
            .status(health::status)
            .textMetrics(metrics);
    if (codecMetrics != null) {
      b.codecMetrics(codecMetrics);
    }
    config.token().ifPresent(b::bearerToken);
    if (!schemas.isEmpty()) {
      // Registered before the first heartbeat, so whoever waits for it healthy finds them.
      b.onRegistered(() -> schemas.forEach(this::registerSchema));
    }
    client = b.build();
    client.start();
  }

  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext serverTls(
      java.nio.file.Path chain, java.nio.file.Path key) {
    try {
      return io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.configure(
              io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder.forServer(
                  chain.toFile(), key.toFile()))
          .build();
    } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "FLOWCTL_TLS_CERT/FLOWCTL_TLS_KEY "
              + chain
              + ", "
              + key
              + " cannot be used: "
              + e.getMessage(),
          e);
    }
  }

  private void registerSchema(String eventType, Schema schema) {
    try {
      client.registerSchema(eventType, schema);
    } catch (io.flowctl.FlowctlException refused) {
      // an upstream control plane has no schema registry (UNIMPLEMENTED); a refusal is counted
      if (refused.getCause() instanceof io.grpc.StatusRuntimeException s
          && s.getStatus().getCode() == io.grpc.Status.Code.UNIMPLEMENTED) {
        LOG.info(
            "{}: the control plane has no schema registry; {} not registered",
            config.id(),
            eventType);
      } else {
        LOG.warn("{}: schema of {} refused: {}", config.id(), eventType, refused.getMessage());
        // Its output would break its readers: say so in every heartbeat and on /health.
        health.set(
            HealthStatus.HEALTH_STATUS_UNHEALTHY,
            "the schema of output " + eventType + " was refused: " + refused.getMessage());
        if (codecMetrics != null) {
          codecMetrics.compatibilityCheckFailure();
        }
      }
    }
  }

  /** The data-plane endpoint as registered: {@code advertiseHost:port}. */
  public String endpoint() {
    return config.advertiseHost() + ":" + port();
  }

  /** The data-plane port bound. */
  public int port() {
    return server.getPort();
  }

  /** The health server's port bound. */
  public int healthPort() {
    return http.getAddress().getPort();
  }

  public ComponentHealth health() {
    return health;
  }

  /** Waits until the control plane acknowledged the registration (true at once without one). */
  public boolean awaitRegistered(Duration timeout) throws InterruptedException {
    ControlPlaneClient c;
    synchronized (this) {
      c = client;
    }
    return c == null || c.awaitRegistered(timeout);
  }

  /** Whether {@link #close()} has begun. */
  public synchronized boolean isClosed() {
    return closed;
  }

  private Map<String, String> allMetrics() {
    Map<String, String> m = new TreeMap<>(health.metricsNow());
    m.putAll(metrics.get());
    if (codecMetrics != null) {
      codecMetrics.heartbeatMetrics().forEach((k, v) -> m.put(k, Double.toString(v)));
    }
    return m;
  }

  private String healthJson() {
    String status = health.status().name().substring("HEALTH_STATUS_".length()).toLowerCase();
    return "{\"status\":"
        + quote(status)
        + ",\"component\":"
        + quote(config.id())
        + ",\"message\":"
        + quote(health.message())
        + "}";
  }

  private static String json(Map<String, String> m) {
    StringBuilder b = new StringBuilder("{");
    m.forEach(
        (k, v) ->
            b.append(b.length() > 1 ? "," : "").append(quote(k)).append(':').append(quote(v)));
    return b.append('}').toString();
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** The metrics in Prometheus' text format: numeric ones as gauges, the rest as info labels. */
  private String prometheus(Map<String, String> m) {
    StringBuilder b = new StringBuilder();
    String component = config.id().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    m.forEach(
        (k, v) -> {
          String name = "flowctl_" + k.replaceAll("[^a-zA-Z0-9_]", "_");
          try {
            double d = Double.parseDouble(v);
            b.append("# TYPE ").append(name).append(" gauge\n");
            b.append(name).append("{component=\"").append(component).append("\"} ");
            b.append(Double.isFinite(d) ? Double.toString(d) : "NaN").append('\n');
          } catch (NumberFormatException text) {
            // text metrics (times, durations) are not samples
          }
        });
    return b.toString();
  }

  private static void answer(HttpExchange x, boolean ok, String body) throws IOException {
    answer(x, ok, body, "application/json");
  }

  private static void answer(HttpExchange x, boolean ok, String body, String type)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", type);
    x.sendResponseHeaders(ok ? 200 : 503, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * Drains and stops: reports STOPPING (a heartbeat at once), takes no new calls, lets running
   * calls finish within the drain timeout, unregisters, and stops both servers. Calling it again
   * does nothing.
   */
  @Override
  public void close() {
    Server s;
    HttpServer h;
    ControlPlaneClient c;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      s = server;
      h = http;
      c = client;
    }
    health.set(HealthStatus.HEALTH_STATUS_STOPPING, "draining");
    grpcHealth.enterTerminalState();
    LOG.info("{} stopping: draining for up to {}", config.id(), drainTimeout);
    if (c != null) {
      c.heartbeatNow();
    }
    if (s != null) {
      s.shutdown();
      try {
        if (!s.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
          s.shutdownNow(); // cancels the calls left: their handlers and feeds are closed
          s.awaitTermination(2, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        s.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (service instanceof AutoCloseable owned) {
      try {
        owned.close(); // the service's own threads (a processor's workers)
      } catch (Exception e) {
        LOG.warn("{}: closing its data-plane service failed: {}", config.id(), e.toString());
      }
    }
    if (c != null) {
      c.close(); // unregisters
    }
    ManagedChannel owned = ownedChannel;
    if (owned != null) {
      owned.shutdownNow();
    }
    if (h != null) {
      h.stop(0);
      ((java.util.concurrent.ExecutorService) h.getExecutor()).shutdownNow();
    }
    terminated.countDown();
  }

  /** Waits until a {@link #close()} (on any thread) has finished; false on timeout. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Settings of a runtime. */
  public static final class Builder {
    private final ComponentConfig config;
    private final ServiceType type;
    private final BindableService service;
    private List<String> inputs = List.of();
    private List<String> outputs = List.of();
    private Map<String, String> metadata = Map.of();
    private io.grpc.ManagedChannel controlPlaneChannel;
    private ComponentHealth health = new ComponentHealth();
    private CodecMetrics codecMetrics;
    private Supplier<Map<String, String>> metrics = Map::of;
    private Map<String, Schema> schemas = Map.of();
    private Map<String, Schema> readerSchemas = Map.of();
    private Map<String, ReaderModel> readerModels = Map.of();
    private Duration drainTimeout = Duration.ofSeconds(8);

    private Builder(ComponentConfig config, ServiceType type, BindableService service) {
      this.config = Objects.requireNonNull(config, "config");
      this.type = Objects.requireNonNull(type, "type");
      this.service = Objects.requireNonNull(service, "service");
    }

    /** The event types it reads; a sink gets only these from upstream's runner. */
    public Builder inputs(List<String> eventTypes) {
      this.inputs = List.copyOf(eventTypes);
      return this;
    }

    public Builder outputs(List<String> eventTypes) {
      this.outputs = List.copyOf(eventTypes);
      return this;
    }

    /**
     * Registers through the caller's channel (built with {@code ControlPlaneChannel}, with TLS and
     * credentials of the caller's) instead of one made from the configuration; the caller owns it.
     */
    public Builder controlPlaneChannel(io.grpc.ManagedChannel channel) {
      this.controlPlaneChannel = java.util.Objects.requireNonNull(channel, "channel");
      return this;
    }

    public Builder metadata(Map<String, String> metadata) {
      this.metadata = Map.copyOf(metadata);
      return this;
    }

    /** The health its service reports too (share it with the service's builder). */
    public Builder health(ComponentHealth health) {
      this.health = Objects.requireNonNull(health, "health");
      return this;
    }

    /** The codecs' metrics, sent as the {@code arrow_*} heartbeat metrics. */
    public Builder codecMetrics(CodecMetrics metrics) {
      this.codecMetrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Further text metrics for heartbeats and {@code /metrics}. */
    public Builder metrics(Supplier<Map<String, String>> metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Output schemas registered as versions of their subjects once the component registered. */
    public Builder schemas(Map<String, Schema> schemas) {
      this.schemas = Map.copyOf(schemas);
      return this;
    }

    /**
     * The schemas it reads its inputs with, declared with its registration, so that the registry
     * refuses a producer's version this component could not read.
     */
    public Builder readerSchemas(Map<String, Schema> schemas) {
      this.readerSchemas = Map.copyOf(schemas);
      return this;
    }

    /**
     * How it reads each input whose reader schema it declared; default projecting (by name), which
     * the registry then judges it by.
     */
    public Builder readerModels(Map<String, ReaderModel> models) {
      this.readerModels = Map.copyOf(models);
      return this;
    }

    /** How long {@link ComponentRuntime#close()} lets running calls finish; default 8 s. */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    public ComponentRuntime build() {
      return new ComponentRuntime(this);
    }
  }
}
