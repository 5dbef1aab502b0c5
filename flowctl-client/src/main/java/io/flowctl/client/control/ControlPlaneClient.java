package io.flowctl.client.control;

import com.google.protobuf.ByteString;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.control.internal.GrpcErrors;
import io.flowctl.client.control.internal.V1Messages;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.ReaderSchemas;
import io.flowctl.proto.SchemaAck;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.internal.MetricText;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.HeartbeatRequest;
import io.flowctl.schema.SchemaFingerprints;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Joins a service to a flowctl control plane: registers it, sends heartbeats with the Arrow
 * metrics, and keeps doing so across control-plane restarts (reconnect with exponential backoff and
 * jitter, re-register when the control plane no longer knows the service). All of it runs on a
 * background scheduler; the service's own work never waits for the control plane.
 *
 * <pre>{@code
 * try (ControlPlaneClient cp = ControlPlaneClient.builder("localhost:8080", serviceInfo)
 *         .codecMetrics(metrics).heartbeatInterval(Duration.ofSeconds(10)).build()) {
 *   cp.start();
 *   ... the service's work ...
 * }                                             // close(): stop heartbeats, close the channel
 * }</pre>
 */
public final class ControlPlaneClient implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ControlPlaneClient.class);

  /** Which wire API to speak: the legacy {@code flowctl.ControlPlane} or {@code flowctl.v1}. */
  public enum Api {
    LEGACY,
    V1
  }

  /** The registration metadata naming this process's instance of the service. */
  static final String INSTANCE_KEY = "flowctl.instance";

  /** What the client is doing, for health pages and tests. */
  public record State(boolean registered, long heartbeats, long registrations, String lastError) {}

  private final ManagedChannel channel;
  private final boolean ownsChannel;
  private final ControlPlaneGrpc.ControlPlaneBlockingStub stub;
  private final ControlPlaneServiceGrpc.ControlPlaneServiceBlockingStub v1;
  private final Api api;
  private final ServiceInfo service;
  private final Duration interval;
  private final Duration deadline;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final CodecMetrics codecMetrics;
  private final Supplier<Map<String, Double>> extraMetrics;
  private final Supplier<Map<String, String>> textMetrics;
  private final Supplier<HealthStatus> status;
  private final String dataEndpoint;
  private final Runnable onRegistered;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();

  private volatile boolean registered;
  private volatile boolean declaresReaders = true;
  private volatile long heartbeats;
  private volatile long registrations;
  private volatile String lastError = "";
  private Duration backoff;

  private ControlPlaneClient(Builder b) {
    // A random instance id: the control plane refuses a second live process under the same id.
    this.service =
        b.service.getMetadataMap().containsKey(INSTANCE_KEY)
            ? b.service
            : b.service.toBuilder()
                .putMetadata(INSTANCE_KEY, java.util.UUID.randomUUID().toString())
                .build();
    this.interval = b.heartbeatInterval;
    this.deadline = b.deadline;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.backoff = b.initialBackoff;
    this.codecMetrics = b.codecMetrics;
    this.extraMetrics = b.extraMetrics;
    this.textMetrics = b.textMetrics;
    this.status = b.status;
    this.dataEndpoint = b.dataEndpoint;
    this.onRegistered = b.onRegistered;
    this.ownsScheduler = b.scheduler == null;
    this.scheduler =
        b.scheduler != null
            ? b.scheduler
            : Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "flowctl-control-plane-client");
                  t.setDaemon(true);
                  return t;
                });
    this.ownsChannel = b.given == null;
    this.channel = ownsChannel ? b.channel() : b.given;
    this.api = b.api;
    ControlPlaneGrpc.ControlPlaneBlockingStub s = ControlPlaneGrpc.newBlockingStub(channel);
    var s1 = ControlPlaneServiceGrpc.newBlockingStub(channel);
    if (b.token != null) {
      s = s.withCallCredentials(bearer(b.token));
      s1 = s1.withCallCredentials(bearer(b.token));
    }
    this.stub = s;
    this.v1 = s1;
  }

  /**
   * A client for {@code target} registering {@code service}: {@code host:port}, several replicas as
   * {@code host1:port1,host2:port2}, or a gRPC target such as {@code dns:///flowctl.internal:8080}
   * whose name has several addresses. With several replicas calls go round-robin, and a replica
   * that stops is skipped within a reconnect attempt. Plaintext; for TLS build the channel with
   * {@link ControlPlaneChannel} and use {@link #builder(ManagedChannel, ServiceInfo)}.
   */
  public static Builder builder(String target, ServiceInfo service) {
    return new Builder(target, service, null);
  }

  /**
   * A client registering {@code service} over the caller's channel (built with {@link
   * ControlPlaneChannel}, or any gRPC channel with its own TLS and credentials): the caller owns
   * it, and the client never shuts it down. The builder's {@code tls} and {@code clientCertificate}
   * do not apply to it; {@code bearerToken} still adds the token to every call.
   */
  public static Builder builder(ManagedChannel channel, ServiceInfo service) {
    return new Builder(channel.authority(), service, Objects.requireNonNull(channel, "channel"));
  }

  /**
   * Registers {@code schema} (message format) as the next version of {@code eventType} under the
   * subject's evolution policy; an identical schema returns its existing version.
   *
   * @throws io.flowctl.FlowctlException FAILED_PRECONDITION with every breaking change when the
   *     policy refuses it; the status's own code otherwise (its cause is the gRPC status)
   */
  public SchemaAck registerSchema(String eventType, Schema schema) {
    SchemaRegistration registration =
        SchemaRegistration.newBuilder()
            .setServiceId(service.getServiceId())
            .setSchemaInfo(schemaInfo(eventType, schema))
            .build();
    try {
      return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .registerSchema(registration);
    } catch (StatusRuntimeException e) {
      throw GrpcErrors.toException(e, "registering the schema of '" + eventType + "'");
    }
  }

  /**
   * {@code schema} as the wire carries it for {@code eventType}: an {@code arrow_ipc} definition
   * with its structural fingerprint (for registrations, and the reader schemas a service declares).
   */
  public static SchemaInfo schemaInfo(String eventType, Schema schema) {
    return SchemaInfo.newBuilder()
        .setEventType(eventType)
        .setSchemaFormat("arrow_ipc")
        .setSchemaFingerprint(SchemaFingerprints.structural(schema).toString())
        .setSchemaDefinition(ByteString.copyFrom(ArrowIpc.schemaStream(schema)))
        .build();
  }

  /** The channel, for other stubs on the same connection (schema lookups, streaming). */
  public ManagedChannel channel() {
    return channel;
  }

  /** Starts registering and heart-beating in the background; returns at once. */
  public void start() {
    if (closed.get()) {
      throw new IllegalStateException("the client is closed");
    }
    if (started.compareAndSet(false, true)) {
      scheduler.execute(this::tick);
    }
  }

  public State state() {
    return new State(registered, heartbeats, registrations, lastError);
  }

  /** One step of the loop: register if needed, else heartbeat; then schedule the next step. */
  private void tick() {
    if (closed.get()) {
      return;
    }
    Duration next = interval;
    try {
      if (!registered) {
        register();
        registered = true;
        registrations++;
        LOG.info(
            "{} registered with the control plane ({} API, registration {})",
            service.getServiceId(),
            api,
            registrations);
        if (onRegistered != null) {
          try {
            onRegistered.run(); // before the first heartbeat: a runner sees it done
          } catch (RuntimeException e) {
            lastError = "after registering: " + e;
          }
        }
      }
      heartbeat();
      heartbeats++;
      backoff = initialBackoff;
      if (!lastError.isEmpty()) {
        LOG.info("{}: control plane reachable again", service.getServiceId());
      }
      lastError = "";
    } catch (StatusRuntimeException e) {
      String previous = lastError;
      lastError = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
      if (!lastError.equals(previous)) { // once per kind of failure, not once per retry
        LOG.warn("{}: control plane call failed: {}", service.getServiceId(), lastError);
      }
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        registered = false; // the control plane forgot us (restarted without a store)
        next = Duration.ZERO;
      } else {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          registered = false; // re-register once it is back: it may have lost us
        }
        next = jittered(backoff);
        backoff =
            backoff.multipliedBy(2).compareTo(maxBackoff) > 0
                ? maxBackoff
                : backoff.multipliedBy(2);
      }
    } catch (RuntimeException e) {
      lastError = e.toString();
      next = jittered(backoff);
    }
    if (!closed.get()) {
      try {
        scheduler.schedule(this::tick, next.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
        // the scheduler was shut down with the client
      }
    }
  }

  private void register() {
    if (api == Api.LEGACY) {
      stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).register(service);
      return;
    }
    v1.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .registerComponent(
            io.flowctl.proto.v1.RegisterRequest.newBuilder()
                .setComponent(V1Messages.component(service, dataEndpoint))
                .setComponentId(service.getServiceId())
                .build());
    declareReaders();
  }

  /**
   * flowctl.v1's ComponentInfo has no field for reader schemas: a v1 registration declares them
   * with the legacy API's DeclareReaderSchemas, so the registry can refuse a version this service
   * could not read. A control plane without it (upstream's) is told nothing.
   */
  private void declareReaders() {
    ReaderSchemas.Builder readers = ReaderSchemas.newBuilder().setServiceId(service.getServiceId());
    for (SchemaInfo s : service.getSupportedSchemasList()) {
      if (service.getInputEventTypesList().contains(s.getEventType())) {
        readers.addSchemas(s);
      }
    }
    if (readers.getSchemasCount() == 0 || !declaresReaders) {
      return;
    }
    try {
      stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .declareReaderSchemas(readers.build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      declaresReaders = false;
      LOG.info(
          "{}: the control plane does not take reader schemas; its registry cannot check them",
          service.getServiceId());
    }
  }

  private void heartbeat() {
    Map<String, Double> metrics = metrics();
    if (api == Api.LEGACY) {
      stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
          .heartbeat(
              ServiceHeartbeat.newBuilder()
                  .setServiceId(service.getServiceId())
                  .putAllMetrics(metrics)
                  .build());
      return;
    }
    HeartbeatRequest.Builder h =
        HeartbeatRequest.newBuilder().setServiceId(service.getServiceId()).setStatus(status.get());
    metrics.forEach((k, v) -> h.putMetrics(k, MetricText.of(v)));
    if (textMetrics != null) {
      textMetrics.get().forEach((k, v) -> h.putMetrics(k, V1Messages.printable(v)));
    }
    v1.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS).heartbeat(h.build());
  }

  /**
   * Sends a heartbeat now, on the calling thread (after a status change the control plane should
   * hear about at once, such as STOPPING); false when it could not be sent.
   */
  public boolean heartbeatNow() {
    if (!registered || closed.get()) {
      return false;
    }
    try {
      heartbeat();
      heartbeats++;
      return true;
    } catch (StatusRuntimeException e) {
      lastError = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
      return false;
    }
  }

  /** Waits until the service registered; false when {@code timeout} passed first. */
  public boolean awaitRegistered(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!registered) {
      if (System.nanoTime() > end || closed.get()) {
        return registered;
      }
      Thread.sleep(10);
    }
    return true;
  }

  private Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    if (codecMetrics != null) {
      m.putAll(codecMetrics.heartbeatMetrics());
    }
    if (extraMetrics != null) {
      m.putAll(extraMetrics.get());
    }
    return m;
  }

  /** A delay between half and all of {@code d}, so that many clients do not retry in step. */
  private static Duration jittered(Duration d) {
    long ms = Math.max(1, d.toMillis());
    return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
  }

  /** Stops the loop (no more heartbeats); does not wait. */
  public void shutdown() {
    closed.set(true);
    if (ownsScheduler) {
      scheduler.shutdown();
    }
    if (ownsChannel) {
      channel.shutdown();
    }
  }

  /** Waits for the loop and the channel to stop after {@link #shutdown()}. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    boolean done =
        !ownsScheduler || scheduler.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return done
        && (!ownsChannel
            || channel.awaitTermination(
                Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS));
  }

  /**
   * Stops heart-beating, unregisters the service (through the v1 API, which has the RPC; a control
   * plane without it just lets the service's heartbeats lapse), and closes the channel. Calling it
   * again does nothing.
   */
  @Override
  public void close() {
    if (closed.get() && (!ownsChannel || channel.isShutdown())) {
      return;
    }
    closed.set(true);
    if (registered) {
      try {
        v1.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
            .unregisterComponent(
                io.flowctl.proto.v1.UnregisterRequest.newBuilder()
                    .setServiceId(service.getServiceId())
                    .build());
        registered = false;
      } catch (StatusRuntimeException e) {
        lastError = "unregister: " + e.getStatus().getCode();
      }
    }
    shutdown();
    try {
      if (!awaitTermination(Duration.ofSeconds(5)) && ownsChannel) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      if (ownsChannel) {
        channel.shutdownNow();
      }
      Thread.currentThread().interrupt();
    }
  }

  private static CallCredentials bearer(String token) {
    Metadata.Key<String> auth = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata m = new Metadata();
        m.put(auth, "Bearer " + token);
        applier.apply(m);
      }
    };
  }

  /** Settings of a client. */
  public static final class Builder {
    private final String target;
    private final ServiceInfo service;
    private Duration heartbeatInterval = Duration.ofSeconds(10);
    private Duration deadline = Duration.ofSeconds(5);
    private Duration initialBackoff = Duration.ofMillis(200);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private CodecMetrics codecMetrics;
    private Supplier<Map<String, Double>> extraMetrics;
    private Supplier<Map<String, String>> textMetrics;
    private Supplier<HealthStatus> status = () -> HealthStatus.HEALTH_STATUS_HEALTHY;
    private String dataEndpoint;
    private Runnable onRegistered;
    private ScheduledExecutorService scheduler;
    private String token;
    private Api api = Api.LEGACY;
    private final ManagedChannel given; // the caller's, or null

    private Builder(String target, ServiceInfo service, ManagedChannel given) {
      this.given = given;
      this.target = Objects.requireNonNull(target, "target");
      this.service = Objects.requireNonNull(service, "service");
      if (service.getServiceId().isBlank()) {
        throw new IllegalArgumentException("the service needs an id");
      }
    }

    /** The wire API; default the legacy one (which carries the Arrow additions). */
    public Builder api(Api api) {
      this.api = Objects.requireNonNull(api, "api");
      return this;
    }

    /** How often to heartbeat; default 10 s. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /** Deadline of each control-plane call; default 5 s. */
    public Builder deadline(Duration deadline) {
      this.deadline = Objects.requireNonNull(deadline, "deadline");
      return this;
    }

    /** Reconnect backoff: starts at {@code initial}, doubles up to {@code max}, with jitter. */
    public Builder backoff(Duration initial, Duration max) {
      this.initialBackoff = Objects.requireNonNull(initial, "initial");
      this.maxBackoff = Objects.requireNonNull(max, "max");
      return this;
    }

    /** The codecs' metrics, sent as the {@code arrow_*} heartbeat metrics. */
    public Builder codecMetrics(CodecMetrics metrics) {
      this.codecMetrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Further metrics the service adds to every heartbeat. */
    public Builder extraMetrics(Supplier<Map<String, Double>> metrics) {
      this.extraMetrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** Text metrics added to every v1 heartbeat verbatim (the legacy API carries only numbers). */
    public Builder textMetrics(Supplier<Map<String, String>> metrics) {
      this.textMetrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /** The status every v1 heartbeat reports; default HEALTHY. */
    public Builder status(Supplier<HealthStatus> status) {
      this.status = Objects.requireNonNull(status, "status");
      return this;
    }

    /**
     * The data-plane endpoint ({@code host:port}) a v1 registration gives as {@code
     * ComponentInfo.endpoint}, where upstream's runner connects; default the service info's {@code
     * health_endpoint}.
     */
    public Builder dataEndpoint(String endpoint) {
      this.dataEndpoint = Objects.requireNonNull(endpoint, "endpoint");
      return this;
    }

    /**
     * Runs after every (re-)registration, before the heartbeat that follows it, on the client's
     * thread: for what must be in place before the service is seen healthy (its schemas).
     */
    public Builder onRegistered(Runnable action) {
      this.onRegistered = Objects.requireNonNull(action, "action");
      return this;
    }

    /** A scheduler of the caller's (not shut down by the client); default one of its own. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Sends {@code authorization: Bearer <token>} with every call. */
    public Builder bearerToken(String token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /**
     * A plaintext channel to the target; TLS: {@link ControlPlaneClient#builder(ManagedChannel,
     * ServiceInfo)}.
     */
    ManagedChannel channel() {
      return ControlPlaneChannel.builder(target).build();
    }

    public ControlPlaneClient build() {
      return new ControlPlaneClient(this);
    }
  }
}
