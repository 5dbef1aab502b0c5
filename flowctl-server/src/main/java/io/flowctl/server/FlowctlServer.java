package io.flowctl.server;

import io.flowctl.FlowctlException;
import io.flowctl.internal.Require;
import io.flowctl.server.grpc.ControlPlaneService;
import io.flowctl.server.monitoring.AlertListener;
import io.flowctl.server.monitoring.AlertThresholds;
import io.flowctl.server.monitoring.Monitor;
import io.flowctl.server.monitoring.MonitoringServer;
import io.flowctl.server.monitoring.RpcMetrics;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.schema.SchemaRegistry;
import io.flowctl.server.security.BearerTokenInterceptor;
import io.flowctl.server.store.Stores;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A ready-made control plane: the registries, a store, the {@code flowctl.ControlPlane} and {@code
 * flowctl.v1.ControlPlaneService} services over one registry, the standard gRPC health and
 * reflection services, and the heartbeat sweeper. Hosts that run their own server add {@link
 * ControlPlaneService} to their {@code ServerBuilder} instead.
 *
 * <pre>{@code
 * try (FlowctlServer server = FlowctlServer.builder().port(8080).store("sqlite:flowctl-data/flowctl.db").start()) {
 *   server.awaitTermination();
 * }
 * }</pre>
 */
public final class FlowctlServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(FlowctlServer.class);

  private final Server server;
  private final Stores stores;
  private final boolean ownsStores;
  private final ScheduledExecutorService sweeper;

  /**
   * Writes heartbeats to the store in batches, apart from the sweeps: a slow database delays no
   * sweep.
   */
  private final ScheduledExecutorService writer;

  private final ServiceRegistry services;
  private final SchemaRegistry schemas;
  private final io.flowctl.server.runs.PipelineRuns runs;
  private final String storeName;
  private final PrometheusMeterRegistry meters;
  private final Monitor monitor;
  private final MonitoringServer http;
  private final boolean plaintext; // no TLS, no tokens: loopback clients need nothing
  private io.grpc.ManagedChannel loopback; // guarded by this

  private FlowctlServer(Builder b) throws IOException {
    this.ownsStores = b.stores == null;
    this.stores = ownsStores ? Stores.open(b.store, b.dbUser, b.dbPassword) : b.stores;
    this.storeName = stores.description();
    this.services = b.registry.store(stores.services()).clock(b.clock).build();
    this.schemas =
        SchemaRegistry.builder(stores.schemas())
            .clock(b.clock)
            .readers(new io.flowctl.server.schema.LiveReaders(services))
            .build();
    this.runs = new io.flowctl.server.runs.PipelineRuns(stores.runs(), b.clock);
    this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.monitor =
        Monitor.builder(services)
            .schemas(schemas)
            .runs(runs)
            .meters(meters)
            .clock(b.clock)
            .window(b.monitorWindow)
            .thresholds(b.alertThresholds)
            .build();
    for (AlertListener l : b.alertListeners) {
      monitor.addListener(l);
    }
    HealthStatusManager health = new HealthStatusManager();
    this.writer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "flowctl-heartbeat-writer");
              t.setDaemon(true);
              return t;
            });
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "flowctl-heartbeat-sweeper");
              t.setDaemon(true);
              return t;
            });
    io.flowctl.proto.internal.GrpcLogging.install(); // refused calls: one line, not a trace
    NettyServerBuilder nb =
        NettyServerBuilder.forAddress(new InetSocketAddress(b.host, b.port))
            .maxInboundMessageSize(b.maxMessageBytes)
            .maxConcurrentCallsPerConnection(b.maxConcurrentCalls)
            .maxConnectionIdle(5, TimeUnit.MINUTES)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .keepAliveTime(1, TimeUnit.MINUTES)
            .keepAliveTimeout(20, TimeUnit.SECONDS)
            .callExecutor(new io.flowctl.server.grpc.InlineHeartbeats())
            .intercept(new io.flowctl.server.grpc.RequestTimeout(sweeper, b.requestTimeout))
            .addService(new ControlPlaneService(services, schemas, runs))
            .addService(new io.flowctl.server.grpc.ControlPlaneV1Service(services))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance());
    this.plaintext = b.sslContext == null && b.tokens == null;
    if (b.sslContext != null) {
      nb.sslContext(b.sslContext);
    }
    if (b.tokens != null) {
      nb.intercept(b.tokens);
    }
    nb.intercept(new RpcMetrics(meters)); // outermost: refused calls are timed too
    this.server = nb.build();
    try {
      server.start();
    } catch (IOException e) {
      closeStore();
      sweeper.shutdownNow();
      writer.shutdownNow();
      throw e;
    }
    try {
      if (b.httpPort < 0) {
        this.http = null;
      } else {
        MonitoringServer.Builder hb =
            MonitoringServer.builder(monitor, meters).host(b.host).port(b.httpPort);
        if (b.tokens != null) {
          hb.bearerTokens(b.tokens);
        }
        if (b.httpTls != null) {
          hb.tls(b.httpTls, b.httpClientAuth);
        }
        this.http = hb.start();
      }
    } catch (IOException e) {
      server.shutdownNow();
      closeStore();
      sweeper.shutdownNow();
      writer.shutdownNow();
      throw e;
    }
    long every = b.sweepInterval.toMillis();
    sweeper.scheduleAtFixedRate(
        guarded("the heartbeat sweep", services::sweep), every, every, TimeUnit.MILLISECONDS);
    sweeper.scheduleAtFixedRate(
        guarded("the monitor's sweep", monitor::sweep), 1, 1, TimeUnit.SECONDS);
    long flush = b.flushInterval.toMillis();
    writer.scheduleWithFixedDelay(
        guarded("writing heartbeats to the store", services::flushHeartbeats),
        flush,
        flush,
        TimeUnit.MILLISECONDS);
  }

  /**
   * {@code task}, which keeps its schedule through a failure: a scheduled task that throws is never
   * run again, and a sweep fails whenever the store is unreachable (it reads what other replicas
   * wrote). The failure is logged once until the task succeeds again.
   */
  static Runnable guarded(String what, Runnable task) {
    boolean[] failing = {false};
    return () -> {
      try {
        task.run();
        if (failing[0]) {
          LOG.info("{} runs again", what);
          failing[0] = false;
        }
      } catch (RuntimeException e) {
        if (!failing[0]) {
          LOG.warn("{} failed, retrying on its schedule: {}", what, e.getMessage());
          failing[0] = true;
        }
      }
    };
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The port the server listens on (the real one when 0 was asked for). */
  public int port() {
    return server.getPort();
  }

  public String storeName() {
    return storeName;
  }

  public ServiceRegistry services() {
    return services;
  }

  public SchemaRegistry schemas() {
    return schemas;
  }

  /** Arrow metrics, alerts and recommendations from this control plane's services. */
  public Monitor monitor() {
    return monitor;
  }

  /** The Micrometer registry of the control plane's meters (scraped at {@code /metrics}). */
  public PrometheusMeterRegistry meters() {
    return meters;
  }

  /** The port of the monitoring HTTP server, or -1 when it is off. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /**
   * A runner of pipelines on this control plane: the components register here and runs are recorded
   * through this server's pipeline-run RPCs over loopback, the way an outside runner records them
   * (with TLS or tokens on, directly in {@link #runs()}). Set the rest on the builder.
   */
  public io.flowctl.server.pipeline.PipelineRunner.Builder runner(
      io.flowctl.server.pipeline.Launcher launcher) {
    io.flowctl.server.pipeline.RunRecorder recorder;
    if (plaintext) {
      synchronized (this) {
        if (loopback == null) {
          loopback =
              NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        }
        recorder = io.flowctl.server.pipeline.RunRecorder.grpc(loopback);
      }
    } else {
      recorder = runs;
    }
    return io.flowctl.server.pipeline.PipelineRunner.builder(
            services, recorder, launcher, "127.0.0.1:" + server.getPort())
        .schemas(schemas); // every link checked before data flows
  }

  /** The pipeline runs this control plane records. */
  public io.flowctl.server.runs.PipelineRuns runs() {
    return runs;
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /** Stops accepting calls, lets running ones finish briefly, then closes the store. */
  @Override
  public void close() {
    synchronized (this) {
      if (loopback != null) {
        loopback.shutdownNow();
      }
    }
    if (http != null) {
      http.close();
    }
    sweeper.shutdownNow();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      writer.shutdownNow();
      guarded("writing the last heartbeats", services::flushHeartbeats).run();
      closeStore();
    }
  }

  private void closeStore() {
    if (!ownsStores) {
      return; // the caller's stores, closed by the caller
    }
    try {
      stores.close();
    } catch (RuntimeException ignored) {
      // closing the store on the way out; what was acknowledged is already committed
    }
  }

  /** Settings of a server. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int port = 8080;
    private String store = "sqlite:flowctl-data/flowctl.db";
    private boolean storeGiven;
    private Stores stores;
    private String dbUser = "postgres";
    private String dbPassword = "";
    // The registry's own settings are validated by its builder; the server adds the store it
    // opens and schedules the sweep and the heartbeat writes at these intervals.
    private Duration sweepInterval = Duration.ofSeconds(10);
    private Duration flushInterval = Duration.ofMillis(250);
    private final ServiceRegistry.Builder registry =
        ServiceRegistry.builder()
            .sweepInterval(sweepInterval)
            .heartbeatFlushInterval(flushInterval)
            .maxServices(10_000);
    private int maxMessageBytes = 4 << 20;
    private int maxConcurrentCalls = 64;
    private Duration requestTimeout = Duration.ofSeconds(15);
    private javax.net.ssl.SSLContext httpTls;
    private boolean httpClientAuth;
    private Clock clock = Clock.systemUTC();
    private SslContext sslContext;
    private BearerTokenInterceptor tokens;
    private int httpPort = -1;
    private Duration monitorWindow = Duration.ofMinutes(10);
    private AlertThresholds alertThresholds = AlertThresholds.defaults();
    private final java.util.List<AlertListener> alertListeners = new java.util.ArrayList<>();

    private Builder() {}

    /**
     * Serves Prometheus metrics ({@code /metrics}), the dashboard ({@code /}) and its JSON API
     * ({@code /api/...}) on this port of the same host (0: a free one); default off.
     */
    public Builder httpPort(int port) {
      this.httpPort = Require.port(port);
      return this;
    }

    /** How far back the monitor's series, percentiles and alerts look; default 10 minutes. */
    public Builder monitorWindow(Duration window) {
      if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("the window is 1 s to 1 day: " + window);
      }
      this.monitorWindow = window;
      return this;
    }

    /** When alerts are raised; default {@link AlertThresholds#defaults()}. */
    public Builder alerts(AlertThresholds thresholds) {
      this.alertThresholds = java.util.Objects.requireNonNull(thresholds, "thresholds");
      return this;
    }

    /** Where raised and cleared alerts are delivered (several may be added). */
    public Builder alertListener(AlertListener listener) {
      this.alertListeners.add(java.util.Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Serves TLS with a PEM certificate chain and PKCS#8 PEM private key; with {@code clientCa}
     * (may be null) every client must present a certificate signed by it (mutual TLS). The HTTP
     * side (when on) serves HTTPS from the same files.
     */
    public Builder tls(Path certChain, Path privateKey, Path clientCa) {
      try {
        SslContextBuilder ssl =
            GrpcSslContexts.configure(
                SslContextBuilder.forServer(certChain.toFile(), privateKey.toFile()));
        if (clientCa != null) {
          ssl.trustManager(clientCa.toFile()).clientAuth(ClientAuth.REQUIRE);
        }
        this.httpTls = io.flowctl.server.security.PemTls.context(certChain, privateKey, clientCa);
        this.httpClientAuth = clientCa != null;
        return sslContext(ssl.build());
      } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "cannot use the TLS files " + certChain + ", " + privateKey + ": " + e.getMessage());
      }
    }

    /**
     * Serves the HTTP side over TLS with a ready JDK context (the gRPC side: {@link #sslContext}).
     */
    public Builder httpSslContext(javax.net.ssl.SSLContext context, boolean requireClientCerts) {
      this.httpTls = Objects.requireNonNull(context, "context");
      this.httpClientAuth = requireClientCerts;
      return this;
    }

    /** Serves TLS with a ready context (for keys that do not live in files). */
    public Builder sslContext(SslContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** Requires bearer tokens on every call (health and reflection excepted). */
    public Builder bearerTokens(BearerTokenInterceptor interceptor) {
      this.tokens = Objects.requireNonNull(interceptor, "interceptor");
      return this;
    }

    /** The address gRPC and HTTP listen on; default {@code 0.0.0.0} (every interface). */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("the host is empty");
      }
      this.host = host;
      return this;
    }

    /** The port; 0 picks a free one. Default 8080. */
    public Builder port(int port) {
      this.port = Require.port(port);
      return this;
    }

    /**
     * The stores to open, which the server closes: {@code memory}, {@code sqlite:PATH} (default
     * {@code sqlite:flowctl-data/flowctl.db}) or a PostgreSQL JDBC URL (see {@link
     * #storeCredentials}).
     */
    public Builder store(String store) {
      Objects.requireNonNull(store, "store");
      if (!store.equals("memory")
          && !(store.startsWith("sqlite:") && store.length() > "sqlite:".length())
          && !store.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException(
            "unknown store '"
                + store
                + "' (expected memory, sqlite:PATH or jdbc:postgresql://...)");
      }
      if (stores != null) {
        throw new IllegalStateException(
            "store(\"" + store + "\") and stores(...) override each other: give one");
      }
      this.store = store;
      this.storeGiven = true;
      return this;
    }

    /** Who the server signs in to PostgreSQL as; default {@code postgres} with no password. */
    public Builder storeCredentials(String user, String password) {
      this.dbUser = Objects.requireNonNull(user, "user");
      this.dbPassword = Objects.requireNonNull(password, "password");
      return this;
    }

    /** Stores the caller opened and closes; the server uses them instead of opening its own. */
    public Builder stores(Stores stores) {
      Objects.requireNonNull(stores, "stores");
      if (storeGiven) {
        throw new IllegalStateException(
            "stores(...) and store(\"" + store + "\") override each other: give one");
      }
      this.stores = stores;
      return this;
    }

    /** How long a service stays healthy without a heartbeat; default 30 s. */
    public Builder heartbeatTtl(Duration ttl) {
      registry.heartbeatTtl(ttl);
      return this;
    }

    /** How often services past their TTL are marked unhealthy; default 10 s. */
    public Builder sweepInterval(Duration interval) {
      registry.sweepInterval(interval);
      this.sweepInterval = interval;
      return this;
    }

    /**
     * How often heartbeats are written to the store, in one batch; default 250 ms. Heartbeats are
     * soft state: a crash loses at most this window of heartbeat times, which services repeat
     * within their own interval, and other replicas see a heartbeat at most this much later.
     * Registrations, schema versions and runs are written before their calls return.
     */
    public Builder heartbeatFlushInterval(Duration interval) {
      registry.heartbeatFlushInterval(interval);
      this.flushInterval = interval;
      return this;
    }

    /** The most services the registry holds; default 10,000. */
    public Builder maxServices(int max) {
      registry.maxServices(max);
      return this;
    }

    /** The largest request accepted; default 4 MiB (what gRPC clients accept by default). */
    public Builder maxMessageBytes(int bytes) {
      this.maxMessageBytes = Require.positive(bytes, "maxMessageBytes");
      return this;
    }

    /**
     * Calls one connection may have open at once (HTTP/2 concurrent streams); default 64. With
     * {@link #maxMessageBytes} it bounds what one connection can make the server buffer.
     */
    public Builder maxConcurrentCallsPerConnection(int calls) {
      this.maxConcurrentCalls = Require.positive(calls, "the concurrent call limit");
      return this;
    }

    /**
     * How long a unary call's request may take to arrive whole; later it is closed with
     * DEADLINE_EXCEEDED and what was buffered is freed. Default 15 s.
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = Require.positive(timeout, "the request timeout");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Opens the store and starts serving. */
    public FlowctlServer start() throws IOException {
      return new FlowctlServer(this);
    }
  }
}
