package io.flowctl.client.component;

import io.flowctl.client.component.internal.GoDuration;
import io.flowctl.internal.Require;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How one component runs: its id, the control plane it joins (if any), its heartbeat interval, and
 * the ports of its data-plane and health servers. {@link #fromEnv} reads the variables upstream
 * flowctl's process launcher sets; builder values set in code are the explicit ones. Immutable.
 */
public final class ComponentConfig {
  private final String id;
  private final Optional<String> controlPlane;
  private final Duration heartbeatInterval;
  private final String bindHost;
  private final int port;
  private final int healthPort;
  private final String advertiseHost;
  private final Optional<String> pipeline;
  private final Optional<String> token;
  private final Optional<java.nio.file.Path> controlPlaneCa;
  private final Optional<java.nio.file.Path> certificate;
  private final Optional<java.nio.file.Path> privateKey;
  private final boolean legacyApi;
  private final Optional<String> arrowCompression;
  private final int batchSize;
  private final Duration batchTimeout;
  private final java.util.OptionalInt flightPort;

  private ComponentConfig(Builder b) {
    this.id = b.id;
    this.controlPlane = Optional.ofNullable(b.controlPlane);
    this.heartbeatInterval = b.heartbeatInterval;
    this.bindHost = b.bindHost;
    this.port = b.port;
    this.healthPort = b.healthPort;
    this.advertiseHost = b.advertiseHost;
    this.pipeline = Optional.ofNullable(b.pipeline);
    this.token = Optional.ofNullable(b.token);
    this.controlPlaneCa = Optional.ofNullable(b.controlPlaneCa);
    this.certificate = Optional.ofNullable(b.certificate);
    this.privateKey = Optional.ofNullable(b.privateKey);
    this.legacyApi = b.legacyApi;
    this.arrowCompression = Optional.ofNullable(b.arrowCompression);
    this.batchSize = b.batchSize;
    this.batchTimeout = b.batchTimeout;
    this.flightPort =
        b.flightPort < 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(b.flightPort);
  }

  public static Builder builder(String id) {
    return new Builder(id);
  }

  /**
   * The configuration upstream's launcher gives a component: {@code ENABLE_FLOWCTL=true} with
   * {@code FLOWCTL_ENDPOINT} to join a control plane; the id from {@code FLOWCTL_COMPONENT_ID},
   * else {@code FLOWCTL_SERVICE_ID}, else {@code COMPONENT_ID}, else {@code defaultId}; {@code
   * FLOWCTL_HEARTBEAT_INTERVAL} as a Go duration (default 10 s); {@code PORT} as ":50051" or a
   * number (default: any free port); {@code HEALTH_PORT} (default 8088, as the Go SDK); {@code
   * FLOWCTL_ADVERTISE_HOST} for the registered endpoint (default 127.0.0.1); {@code
   * FLOWCTL_PIPELINE}; {@code FLOWCTL_TOKEN}; {@code FLOWCTL_TLS_CA} (TLS to the control plane,
   * trusting this PEM CA), {@code FLOWCTL_TLS_CERT} and {@code FLOWCTL_TLS_KEY} (the component's
   * certificate: its data plane serves TLS with it, and it is presented to a control plane that
   * asks); {@code FLOWCTL_API=legacy} to register through {@code flowctl.ControlPlane} (default
   * {@code v1}, as upstream's Go SDK); the pipeline's {@code config.arrow} as {@code
   * FLOWCTL_ARROW_COMPRESSION}, {@code FLOWCTL_ARROW_BATCH_SIZE} and {@code
   * FLOWCTL_ARROW_BATCH_TIMEOUT} (a Go duration), which {@code flowctl run} sets; {@code
   * FLIGHT_PORT} for a source that also serves Arrow Flight.
   *
   * @throws IllegalArgumentException naming the variable that is malformed
   */
  public static ComponentConfig fromEnv(Map<String, String> env, String defaultId) {
    String id =
        first(env, "FLOWCTL_COMPONENT_ID", "FLOWCTL_SERVICE_ID", "COMPONENT_ID").orElse(defaultId);
    Builder b = builder(id);
    if ("true".equalsIgnoreCase(env.getOrDefault("ENABLE_FLOWCTL", "false"))) {
      b.controlPlane(env.getOrDefault("FLOWCTL_ENDPOINT", "localhost:8080"));
    }
    if (env.containsKey("FLOWCTL_HEARTBEAT_INTERVAL")) {
      try {
        b.heartbeatInterval(GoDuration.parse(env.get("FLOWCTL_HEARTBEAT_INTERVAL")));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("FLOWCTL_HEARTBEAT_INTERVAL: " + e.getMessage(), e);
      }
    }
    if (env.containsKey("PORT")) {
      String port = env.get("PORT").strip();
      int colon = port.lastIndexOf(':');
      if (colon > 0) {
        b.bindHost(port.substring(0, colon));
      } else if (colon == 0) {
        b.bindHost("0.0.0.0"); // Go's ":50051": every interface
      }
      b.port(parsePort(port.substring(colon + 1), "PORT"));
    }
    if (env.containsKey("FLIGHT_PORT")) {
      b.flightPort(parsePort(env.get("FLIGHT_PORT").strip(), "FLIGHT_PORT"));
    }
    if (env.containsKey("HEALTH_PORT")) {
      b.healthPort(parsePort(env.get("HEALTH_PORT").strip(), "HEALTH_PORT"));
    }
    first(env, "FLOWCTL_ADVERTISE_HOST").ifPresent(b::advertiseHost);
    first(env, "FLOWCTL_PIPELINE").ifPresent(b::pipeline);
    first(env, "FLOWCTL_TOKEN").ifPresent(b::token);
    first(env, "FLOWCTL_TLS_CA").ifPresent(ca -> b.controlPlaneCa(java.nio.file.Path.of(ca)));
    Optional<String> cert = first(env, "FLOWCTL_TLS_CERT");
    Optional<String> key = first(env, "FLOWCTL_TLS_KEY");
    if (cert.isPresent() != key.isPresent()) {
      throw new IllegalArgumentException("FLOWCTL_TLS_CERT and FLOWCTL_TLS_KEY go together");
    }
    cert.ifPresent(c -> b.certificate(java.nio.file.Path.of(c), java.nio.file.Path.of(key.get())));
    first(env, "FLOWCTL_ARROW_COMPRESSION").ifPresent(b::arrowCompression);
    Optional<String> rows = first(env, "FLOWCTL_ARROW_BATCH_SIZE");
    if (rows.isPresent()) {
      try {
        b.batchSize(Integer.parseInt(rows.get()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "FLOWCTL_ARROW_BATCH_SIZE: '" + rows.get() + "' is not a positive row count", e);
      }
    }
    Optional<String> wait = first(env, "FLOWCTL_ARROW_BATCH_TIMEOUT");
    if (wait.isPresent()) {
      try {
        b.batchTimeout(GoDuration.parse(wait.get()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("FLOWCTL_ARROW_BATCH_TIMEOUT: " + e.getMessage(), e);
      }
    }
    Optional<String> api = first(env, "FLOWCTL_API");
    if (api.isPresent()) {
      switch (api.get().toLowerCase(java.util.Locale.ROOT)) {
        case "legacy" -> b.legacyApi(true);
        case "v1" -> b.legacyApi(false);
        default ->
            throw new IllegalArgumentException(
                "FLOWCTL_API: '" + api.get() + "' is neither v1 nor legacy");
      }
    }
    return b.build();
  }

  private static Optional<String> first(Map<String, String> env, String... names) {
    for (String n : names) {
      String v = env.get(n);
      if (v != null && !v.isBlank()) {
        return Optional.of(v.strip());
      }
    }
    return Optional.empty();
  }

  private static int parsePort(String text, String name) {
    try {
      int p = Integer.parseInt(text.startsWith(":") ? text.substring(1) : text);
      if (p < 0 || p > 65535) {
        throw new NumberFormatException();
      }
      return p;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + ": '" + text + "' is not a port (0-65535)", e);
    }
  }

  public String id() {
    return id;
  }

  /** The control plane to register with; empty: the component runs on its own. */
  public Optional<String> controlPlane() {
    return controlPlane;
  }

  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  /** The address the data-plane server binds. */
  public String bindHost() {
    return bindHost;
  }

  /** The data-plane port; 0: any free port. */
  public int port() {
    return port;
  }

  /** The health server's port; 0: any free port. */
  public int healthPort() {
    return healthPort;
  }

  /** The host in the registered endpoint. */
  public String advertiseHost() {
    return advertiseHost;
  }

  public Optional<String> pipeline() {
    return pipeline;
  }

  public Optional<String> token() {
    return token;
  }

  /** The CA the control plane's certificate is checked against; empty: plaintext. */
  public Optional<java.nio.file.Path> controlPlaneCa() {
    return controlPlaneCa;
  }

  /**
   * The component's certificate chain (with {@link #privateKey()}); empty: plaintext data plane.
   */
  public Optional<java.nio.file.Path> certificate() {
    return certificate;
  }

  public Optional<java.nio.file.Path> privateKey() {
    return privateKey;
  }

  /** Whether it registers through the legacy {@code flowctl.ControlPlane}. */
  public boolean legacyApi() {
    return legacyApi;
  }

  /** The pipeline's compression for what it writes ({@code none}, {@code lz4}, {@code zstd}). */
  public Optional<String> arrowCompression() {
    return arrowCompression;
  }

  /** Rows a source puts in one batch; default 10,000 (the pipeline's {@code batch_size}). */
  public int batchSize() {
    return batchSize;
  }

  /** How long a source's first pending row may wait for its batch; default 100 ms. */
  public Duration batchTimeout() {
    return batchTimeout;
  }

  /**
   * The port a source also serves its batches on over Arrow Flight ({@code FLIGHT_PORT}; 0: any
   * free port); empty: no Flight. Needs {@code flowctl-flight} on the class path.
   */
  public java.util.OptionalInt flightPort() {
    return flightPort;
  }

  @Override
  public String toString() {
    return "ComponentConfig{id="
        + id
        + ", controlPlane="
        + controlPlane.orElse("-")
        + ", heartbeatInterval="
        + heartbeatInterval
        + ", port="
        + bindHost
        + ":"
        + port
        + ", healthPort="
        + healthPort
        + "}";
  }

  /** Settings of a {@link ComponentConfig}; setters refuse what cannot work. */
  public static final class Builder {
    private final String id;
    private String controlPlane;
    private Duration heartbeatInterval = Duration.ofSeconds(10);
    private int flightPort = -1;
    private String bindHost = "127.0.0.1";
    private int port;
    private int healthPort = 8088;
    private String advertiseHost = "127.0.0.1";
    private String pipeline;
    private String token;
    private java.nio.file.Path controlPlaneCa;
    private java.nio.file.Path certificate;
    private java.nio.file.Path privateKey;
    private boolean legacyApi;
    private String arrowCompression;
    private int batchSize = 10_000;
    private Duration batchTimeout = Duration.ofMillis(100);

    private Builder(String id) {
      Objects.requireNonNull(id, "id");
      if (id.isBlank()) {
        throw new IllegalArgumentException("a component needs an id");
      }
      this.id = id;
    }

    /** The control plane's {@code host:port}; without it the component registers nowhere. */
    public Builder controlPlane(String target) {
      this.controlPlane = Objects.requireNonNull(target, "target");
      return this;
    }

    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = Require.positive(interval, "the heartbeat interval");
      return this;
    }

    public Builder bindHost(String host) {
      this.bindHost = Objects.requireNonNull(host, "host");
      return this;
    }

    public Builder port(int port) {
      this.port = checkPort(port, "port");
      return this;
    }

    public Builder healthPort(int port) {
      this.healthPort = checkPort(port, "healthPort");
      return this;
    }

    public Builder advertiseHost(String host) {
      this.advertiseHost = Objects.requireNonNull(host, "host");
      return this;
    }

    public Builder pipeline(String name) {
      this.pipeline = Objects.requireNonNull(name, "name");
      return this;
    }

    public Builder token(String token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /** Connects to the control plane over TLS, trusting this PEM CA certificate. */
    public Builder controlPlaneCa(java.nio.file.Path ca) {
      this.controlPlaneCa = Objects.requireNonNull(ca, "ca");
      return this;
    }

    /**
     * The component's PEM certificate chain and PKCS#8 key: its data plane serves TLS with them,
     * and they are presented to a control plane that requires client certificates.
     */
    public Builder certificate(java.nio.file.Path chain, java.nio.file.Path key) {
      this.certificate = Objects.requireNonNull(chain, "chain");
      this.privateKey = Objects.requireNonNull(key, "key");
      return this;
    }

    /** The compression of what it writes, unless its builder sets one. */
    public Builder arrowCompression(String compression) {
      this.arrowCompression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /** Rows a source puts in one batch. */
    public Builder batchSize(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("the batch size must be at least 1, got " + rows);
      }
      this.batchSize = rows;
      return this;
    }

    /** How long a source's first pending row may wait for its batch. */
    public Builder batchTimeout(Duration timeout) {
      this.batchTimeout = Require.positive(timeout, "the batch timeout");
      return this;
    }

    /** Serves a source's batches over Arrow Flight on {@code port} too (0: any free port). */
    public Builder flightPort(int port) {
      this.flightPort = checkPort(port, "FLIGHT_PORT");
      return this;
    }

    /** Registers through the legacy {@code flowctl.ControlPlane} instead of v1. */
    public Builder legacyApi(boolean legacy) {
      this.legacyApi = legacy;
      return this;
    }

    private static int checkPort(int p, String name) {
      if (p < 0 || p > 65535) {
        throw new IllegalArgumentException(name + " must be 0-65535, got " + p);
      }
      return p;
    }

    public ComponentConfig build() {
      return new ComponentConfig(this);
    }
  }
}
