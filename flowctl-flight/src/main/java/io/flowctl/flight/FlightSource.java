package io.flowctl.flight;

import io.flowctl.FlowctlException;
import io.flowctl.client.Flowctl;
import io.flowctl.client.Flowctl.BatchEmitter;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.v1.HealthStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The bridge from one Arrow Flight stream into the flowctl data plane: a flow-proto source whose
 * {@code StreamEvents} reads the stream with {@code DoGet} and emits each batch as an Arrow event.
 * What {@code flowctl component flight-source} runs, so that the plan's stellar-arrow-source (a
 * Flight server, not a flow-proto component) feeds a pipeline.
 *
 * <ul>
 *   <li>The stream's schema ({@code GetFlightInfo}) is registered as the output schema, under the
 *       event type {@link FlightStreams#eventType} gives the stream (or the one set).
 *   <li>{@code StreamEvents}' {@code start_ledger}/{@code end_ledger} become the ticket {@code
 *       stream:start:end}.
 *   <li>A stream that breaks off is resumed from the last ledger seen (its rows already emitted are
 *       skipped), after a back-off, up to a bounded number of tries; then the stream fails with the
 *       reason. A stream without a {@code ledger_sequence} column cannot be resumed exactly and
 *       fails at once.
 *   <li>An endpoint that cannot be reached or a stream it does not serve leaves the component
 *       UNHEALTHY with the reason, and every {@code StreamEvents} fails with it.
 * </ul>
 */
public final class FlightSource {
  /** The column a resumed stream continues from. */
  public static final String LEDGER_COLUMN = "ledger_sequence";

  private FlightSource() {}

  /** A bridge named {@code id} reading {@code stream} from {@code address}. */
  public static Builder builder(String id, FlightAddress address, String stream) {
    return new Builder(id, address, stream);
  }

  /**
   * A bridge configured as upstream's launcher configures a component, plus its own variables:
   * {@code FLIGHT_ENDPOINT} (required: {@code host:port}, {@code grpc://}, {@code grpc+tcp://},
   * {@code grpc+tls://}), {@code FLIGHT_STREAM} (default {@code stellar_ledger}, the plan's
   * source's default), {@code FLIGHT_EVENT_TYPE}, {@code FLIGHT_TOKEN}, {@code FLIGHT_TLS_CA},
   * {@code FLIGHT_TLS_CERT} with {@code FLIGHT_TLS_KEY}, {@code FLIGHT_RETRIES} (default 5).
   *
   * @throws FlowctlException INVALID_ARGUMENT naming the variable that is missing or malformed
   */
  public static Builder fromEnv(Map<String, String> env, String defaultId) {
    String endpoint = env.get("FLIGHT_ENDPOINT");
    if (endpoint == null || endpoint.isBlank()) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "FLIGHT_ENDPOINT is not set: the Flight service to read (host:port or grpc+tls://...)");
    }
    ComponentConfig config;
    try {
      config = ComponentConfig.fromEnv(env, defaultId);
    } catch (IllegalArgumentException e) {
      throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, e.getMessage(), e);
    }
    Builder b =
        builder(
                config.id(),
                FlightAddress.parse(endpoint),
                env.getOrDefault("FLIGHT_STREAM", "stellar_ledger").strip())
            .config(config)
            .token(env.get("FLIGHT_TOKEN"));
    Optional.ofNullable(env.get("FLIGHT_EVENT_TYPE"))
        .filter(s -> !s.isBlank())
        .ifPresent(t -> b.eventType(t.strip()));
    Optional.ofNullable(env.get("FLIGHT_TLS_CA"))
        .filter(s -> !s.isBlank())
        .map(Path::of)
        .ifPresent(b::trust);
    String cert = env.get("FLIGHT_TLS_CERT");
    String key = env.get("FLIGHT_TLS_KEY");
    if ((cert == null) != (key == null)) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, "FLIGHT_TLS_CERT and FLIGHT_TLS_KEY go together");
    }
    if (cert != null) {
      b.clientCertificate(Path.of(cert), Path.of(key));
    }
    String retries = env.get("FLIGHT_RETRIES");
    if (retries != null) {
      try {
        b.retries(Integer.parseInt(retries.strip()), Duration.ofMillis(200));
      } catch (IllegalArgumentException e) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "FLIGHT_RETRIES: '" + retries + "' is not a count of tries (0 or more)",
            e);
      }
    }
    return b;
  }

  /** Settings of a Flight bridge. */
  public static final class Builder {
    private final String id;
    private final FlightAddress address;
    private final String stream;
    private String eventType;
    private String token;
    private Path trust;
    private Path certificate;
    private Path key;
    private int retries = 5;
    private Duration backoff = Duration.ofMillis(200);
    private ComponentConfig config;
    private long memory = 1L << 30;

    private Builder(String id, FlightAddress address, String stream) {
      this.id = Objects.requireNonNull(id, "id");
      this.address = Objects.requireNonNull(address, "address");
      if (stream == null || stream.isBlank() || stream.indexOf(':') >= 0) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "FLIGHT_STREAM '" + stream + "' is not a stream name (non-empty, without ':')");
      }
      this.stream = stream;
    }

    /** The event type it emits; default by stream name ({@link FlightStreams#eventType}). */
    public Builder eventType(String type) {
      this.eventType = Objects.requireNonNull(type, "type");
      return this;
    }

    /** The bearer token the Flight service wants. */
    public Builder token(String token) {
      this.token = token == null || token.isBlank() ? null : token.strip();
      return this;
    }

    /** The PEM CA a {@code grpc+tls} service's certificate is checked against. */
    public Builder trust(Path ca) {
      this.trust = ca;
      return this;
    }

    /** A client certificate for a service asking for mutual TLS. */
    public Builder clientCertificate(Path chain, Path key) {
      this.certificate = chain;
      this.key = key;
      return this;
    }

    /**
     * How often a broken stream is resumed (0: never) and the first back-off, doubled each try up
     * to 10 s; default 5 tries from 200 ms.
     */
    public Builder retries(int tries, Duration firstBackoff) {
      if (tries < 0 || firstBackoff.isNegative()) {
        throw new IllegalArgumentException("retries: " + tries + ", back-off " + firstBackoff);
      }
      this.retries = tries;
      this.backoff = firstBackoff;
      return this;
    }

    /** The component's configuration; default from the environment. */
    public Builder config(ComponentConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * The bytes of Arrow memory the Flight client may hold (the batch in flight); default 1 GiB.
     */
    public Builder memory(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("memory must be positive, got " + bytes);
      }
      this.memory = bytes;
      return this;
    }

    /**
     * Asks the service for the stream's schema (a few tries) and builds the component; when the
     * service cannot be reached or does not serve the stream, the component still starts, UNHEALTHY
     * with the reason, and its streams fail with it.
     */
    public Flowctl.Component build() {
      ComponentConfig cfg = config != null ? config : ComponentConfig.fromEnv(System.getenv(), id);
      String type = eventType != null ? eventType : FlightStreams.eventType(stream);
      BufferAllocator allocator = new RootAllocator(memory);
      FlightInput input;
      try {
        FlightInput.Builder b = FlightInput.builder(address, allocator).token(token).trust(trust);
        if (certificate != null) {
          b.clientCertificate(certificate, key);
        }
        input = b.build();
      } catch (RuntimeException e) {
        allocator.close();
        throw e;
      }
      Schema schema = null;
      FlowctlException reason = null;
      try {
        schema = describe(input);
      } catch (FlowctlException e) {
        reason = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reason = new FlowctlException(FlowctlException.Code.UNAVAILABLE, "interrupted", e);
      }
      Flowctl.Component inner;
      if (schema != null) {
        Reader reader = new Reader(input, stream, retries, backoff);
        inner =
            Flowctl.source(cfg.id())
                .config(cfg)
                .output(type, schema)
                .produce(reader::produce)
                .build();
      } else {
        FlowctlException why = reason;
        inner =
            Flowctl.source(cfg.id())
                .config(cfg)
                .output(type)
                .feed(
                    start -> {
                      throw new FlowctlException(why.code(), why.getMessage());
                    })
                .build();
      }
      return new Bridge(inner, input, allocator, reason);
    }

    private Schema describe(FlightInput input) throws InterruptedException {
      FlowctlException last = null;
      long wait = backoff.toMillis();
      for (int i = 0; i <= Math.min(retries, 3); i++) {
        try {
          FlightInfo info = input.info(stream);
          return info.getSchemaOptional()
              .orElseThrow(
                  () ->
                      new FlowctlException(
                          FlowctlException.Code.FAILED_PRECONDITION,
                          "Flight endpoint "
                              + address
                              + " gives no schema for stream '"
                              + stream
                              + "'"));
        } catch (FlowctlException e) {
          last = e;
          if (e.code() != FlowctlException.Code.UNAVAILABLE) {
            break;
          }
          Thread.sleep(wait);
          wait = Math.min(wait * 2, 10_000);
        }
      }
      throw last;
    }
  }

  /** Reads the stream for one {@code StreamEvents}, resuming it when it breaks off. */
  private record Reader(FlightInput input, String stream, int retries, Duration backoff) {
    void produce(BatchEmitter out) throws Exception {
      FlightTicket base = FlightTicket.fromParams(stream, out.params());
      FlightTicket ticket = base;
      long lastLedger = -1; // the ledger of the last row emitted
      long rowsOfLast = 0; // rows of that ledger emitted
      long skip = 0; // rows of lastLedger to drop after a resume
      int failures = 0;
      long wait = backoff.toMillis();
      while (true) {
        try (FlightBatches batches = input.read(ticket)) {
          while (batches.next()) {
            VectorSchemaRoot root = batches.root();
            int rows = root.getRowCount();
            FieldVector ledgerColumn = root.getVector(LEDGER_COLUMN);
            BaseIntVector ledgers = ledgerColumn instanceof BaseIntVector v ? v : null;
            int from = 0;
            if (skip > 0 && ledgers != null) {
              while (from < rows
                  && skip > 0
                  && !ledgerColumn.isNull(from)
                  && ledgers.getValueAsLong(from) == lastLedger) {
                from++;
                skip--;
              }
              skip = from < rows ? 0 : skip; // a ledger goes on into the next batch
            }
            if (from == rows) {
              continue;
            }
            if (from == 0) {
              out.emit(root);
            } else {
              try (VectorSchemaRoot rest = root.slice(from, rows - from)) {
                out.emit(rest);
              }
            }
            failures = 0;
            wait = backoff.toMillis();
            if (ledgers != null && !ledgerColumn.isNull(rows - 1)) {
              long last = ledgers.getValueAsLong(rows - 1);
              int same = 0;
              for (int i = rows - 1;
                  i >= from && !ledgerColumn.isNull(i) && ledgers.getValueAsLong(i) == last;
                  i--) {
                same++;
              }
              rowsOfLast = last == lastLedger && same == rows - from ? rowsOfLast + same : same;
              lastLedger = last;
            }
          }
          return;
        } catch (FlowctlException e) {
          boolean transient_ =
              e.code() == FlowctlException.Code.UNAVAILABLE
                  || e.code() == FlowctlException.Code.INTERNAL
                  || e.code() == FlowctlException.Code.DEADLINE_EXCEEDED;
          if (!transient_) {
            throw e;
          }
          if (++failures > retries) {
            throw new FlowctlException(
                e.code(), "gave up after " + retries + " resumed tries: " + e.getMessage(), e);
          }
          Thread.sleep(wait);
          wait = Math.min(wait * 2, 10_000);
          if (lastLedger >= 0) {
            ticket = base.from(lastLedger);
            skip = rowsOfLast;
          } else {
            ticket = base; // nothing emitted yet: from the start again
          }
        }
      }
    }
  }

  /** The bridge's component, which also closes its Flight client. */
  private static final class Bridge implements Flowctl.Component {
    private final Flowctl.Component inner;
    private final FlightInput input;
    private final BufferAllocator allocator;
    private final FlowctlException reason;
    private boolean released;

    Bridge(
        Flowctl.Component inner,
        FlightInput input,
        BufferAllocator allocator,
        FlowctlException reason) {
      this.inner = inner;
      this.input = input;
      this.allocator = allocator;
      this.reason = reason;
    }

    @Override
    public Flowctl.Component start() {
      inner.start();
      if (reason != null) {
        inner.health().set(HealthStatus.HEALTH_STATUS_UNHEALTHY, reason.getMessage());
      }
      return this;
    }

    @Override
    public void run() throws InterruptedException {
      start();
      try {
        inner.run(); // until a signal closes the inner component
      } finally {
        close();
      }
    }

    @Override
    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
      return inner.awaitRegistered(timeout);
    }

    @Override
    public String endpoint() {
      return inner.endpoint();
    }

    @Override
    public ComponentHealth health() {
      return inner.health();
    }

    @Override
    public int healthPort() {
      return inner.healthPort();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
      return inner.awaitTermination(timeout);
    }

    @Override
    public java.util.Optional<String> flightEndpoint() {
      return inner.flightEndpoint(); // a bridge with FLIGHT_PORT serves its stream on
    }

    @Override
    public boolean closed() {
      return inner.closed();
    }

    @Override
    public synchronized void close() {
      if (released) {
        return;
      }
      released = true;
      try {
        inner.close();
      } finally {
        input.close();
        allocator.close();
      }
    }
  }
}
