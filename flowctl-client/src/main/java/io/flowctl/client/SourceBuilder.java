package io.flowctl.client;

import io.flowctl.client.Flowctl.BatchProducer;
import io.flowctl.client.Flowctl.Component;
import io.flowctl.client.Flowctl.RowEmitter;
import io.flowctl.client.Flowctl.RowProducer;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.component.internal.ComponentRuntime;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.client.stream.StateStore;
import io.flowctl.proto.ServiceType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/** Settings of a source. */
public final class SourceBuilder extends ComponentBuilder<SourceBuilder> {
  private String outputType;
  private Schema outputSchema;
  private BatchProducer producer;
  private RowProducer rowProducer;
  private ArrowSourceService.Feed feed;
  private Integer batchRows; // null: the configuration's
  private long batchBytes = 64L << 20;
  private Duration batchTimeout; // null: the configuration's
  private StateStore state = StateStore.inMemory();
  private Schema recordSchema; // the rows' schema when they are records
  private Integer flightPort; // null: FLIGHT_PORT, if the configuration has it
  private int flightStreams = 8;
  private String flightToken;
  private java.nio.file.Path flightClientCa;

  SourceBuilder(String id) {
    super(id);
  }

  /** The event type it emits and the schema registered as a version of that subject. */
  public SourceBuilder output(String eventType, Schema schema) {
    this.outputType = Objects.requireNonNull(eventType, "eventType");
    this.outputSchema = Objects.requireNonNull(schema, "schema");
    return this;
  }

  /** The event type it emits as records of {@code type}, whose mapping is the registered schema. */
  public SourceBuilder output(String eventType, Class<? extends Record> type) {
    return output(eventType, RecordMapping.of(type).schema());
  }

  /** The event type it emits as protobuf messages (no Arrow schema to register). */
  public SourceBuilder output(String eventType) {
    this.outputType = Objects.requireNonNull(eventType, "eventType");
    this.outputSchema = null;
    return this;
  }

  /**
   * The escape hatch: the events themselves, as the data plane streams them (encoded by the feed,
   * Arrow or not); instead of {@link #produce}.
   */
  public SourceBuilder feed(ArrowSourceService.Feed feed) {
    this.feed = Objects.requireNonNull(feed, "feed");
    return this;
  }

  /** What it streams. */
  public SourceBuilder produce(BatchProducer producer) {
    this.producer = Objects.requireNonNull(producer, "producer");
    return this;
  }

  /**
   * What it streams, as an iterator of batches made from the allocator it is given (one iterator
   * per stream a reader opens); each batch is shipped and then closed by the SDK. Instead of {@link
   * #produce}.
   */
  public SourceBuilder produceBatches(
      java.util.function.Function<BufferAllocator, java.util.Iterator<VectorSchemaRoot>> batches) {
    Objects.requireNonNull(batches, "batches");
    return produce(
        out -> {
          java.util.Iterator<VectorSchemaRoot> it = batches.apply(out.allocator());
          while (it.hasNext()) {
            try (VectorSchemaRoot b = it.next()) {
              out.emit(b);
            }
          }
        });
  }

  /**
   * What it streams, row by row: the SDK gathers the rows into batches of the output schema (see
   * {@link RowEmitter}); instead of {@link #produce}.
   */
  public SourceBuilder produceRows(RowProducer rows) {
    this.rowProducer = Objects.requireNonNull(rows, "rows");
    return this;
  }

  /**
   * What it streams, as records of {@code type} ({@link RecordMapping}): the SDK writes them as
   * rows of the record's mapping and gathers them into batches as {@link #produceRows} does (see
   * {@link Flowctl.RecordEmitter}); instead of {@link #produce}. The output schema is the record's
   * mapping unless {@code output(eventType, schema)} gave one.
   */
  public <R extends Record> SourceBuilder produceRecords(
      Class<R> type, Flowctl.RecordProducer<R> records) {
    RecordMapping<R> mapping = RecordMapping.of(type);
    this.recordSchema = mapping.schema();
    return produceRows(
        rows ->
            records.produce(
                new Flowctl.RecordEmitter<>() {
                  @Override
                  public void emit(R record) throws InterruptedException {
                    Objects.requireNonNull(record, "record");
                    rows.row((root, row) -> mapping.write(root, row, record));
                  }

                  @Override
                  public void flush() throws InterruptedException {
                    rows.flush();
                  }

                  @Override
                  public Map<String, String> params() {
                    return rows.params();
                  }

                  @Override
                  public String resumeAfter() {
                    return rows.resumeAfter();
                  }
                }));
  }

  /**
   * How rows are gathered: at most {@code rows} rows and {@code bytes} of Arrow buffers a batch,
   * and {@code timeout} for its first row. Default: the pipeline's {@code batch_size} and {@code
   * batch_accumulation_timeout} ({@link ComponentConfig#batchSize()}), and 64 MiB.
   */
  public SourceBuilder batching(int rows, long bytes, Duration timeout) {
    if (rows < 1 || bytes < 1 || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException(
          "batching needs positive rows, bytes and timeout: "
              + rows
              + ", "
              + bytes
              + ", "
              + timeout);
    }
    this.batchRows = rows;
    this.batchBytes = bytes;
    this.batchTimeout = timeout;
    return this;
  }

  /** Where {@code SaveState}/{@code GetState} keep state; default memory. */
  public SourceBuilder state(StateStore state) {
    this.state = Objects.requireNonNull(state, "state");
    return this;
  }

  /**
   * Serves its batches over Arrow Flight too, on {@code port} (0: any free port): {@code
   * ListFlights}, {@code GetFlightInfo}/{@code GetSchema} by the stream's path and {@code
   * DoGet(stream[:start[:end]])}, which runs the producer with the same parameters as {@code
   * StreamEvents}. Default: the {@code FLIGHT_PORT} environment variable when the configuration
   * comes from the environment. Needs {@code io.flowctl:flowctl-flight} on the class path; TLS
   * follows the data plane's certificate. See docs/flight.md.
   */
  public SourceBuilder serveFlight(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("Flight port must be 0-65535, got " + port);
    }
    this.flightPort = port;
    return this;
  }

  /**
   * Who may read its Flight streams: clients presenting {@code authorization: Bearer token} (null:
   * any), and with a certificate signed by {@code clientCa} (mutual TLS; null: any). Default: the
   * {@code FLIGHT_TOKEN} and {@code FLIGHT_TLS_CLIENT_CA} environment variables.
   */
  public SourceBuilder flightAccess(String token, java.nio.file.Path clientCa) {
    this.flightToken = token;
    this.flightClientCa = clientCa;
    return this;
  }

  /** How many Flight streams may run at once (each runs the producer); more are refused. */
  public SourceBuilder flightStreams(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("at least one Flight stream, got " + max);
    }
    this.flightStreams = max;
    return this;
  }

  /** A feed's Arrow events as batches, for Flight: each event decoded and its batches emitted. */
  private static BatchProducer decoding(
      ArrowSourceService.Feed feed, ArrowEventCodec codec, BufferAllocator allocator) {
    return out -> {
      java.util.Iterator<ArrowSourceService.Identified> events =
          feed.from(new ArrowSourceService.Start(out.params(), ""));
      try {
        while (events.hasNext()) {
          if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("the stream was cancelled");
          }
          Streams.eachBatch(events.next().event(), codec, null, out.allocator(), out::emit);
        }
      } finally {
        if (events instanceof AutoCloseable c) {
          c.close();
        }
      }
    };
  }

  /**
   * @throws IllegalStateException naming the missing setting
   */
  public Component build() {
    if (outputType == null) {
      throw new IllegalStateException("source '" + id + "': set output(eventType, schema)");
    }
    if (outputSchema == null && recordSchema != null && feed == null) {
      outputSchema = recordSchema;
    }
    if (producer == null && rowProducer == null && feed == null) {
      throw new IllegalStateException(
          "source '" + id + "': set produce(producer) or produceRows(rows)");
    }
    if (outputSchema == null && feed == null) {
      throw new IllegalStateException(
          "source '" + id + "': batches need output(eventType, schema)");
    }
    Jvm.requireArrowAccess();
    ComponentConfig cfg = configOrEnv();
    BatchProducer p = producer;
    if (p == null && rowProducer != null) {
      RowProducer rp = rowProducer;
      Schema schema = recordSchema != null ? recordSchema : outputSchema; // records: their mapping
      int rows = batchRows != null ? batchRows : cfg.batchSize();
      long bytes = batchBytes;
      Duration wait = batchTimeout != null ? batchTimeout : cfg.batchTimeout();
      p =
          out -> {
            try (RowBatcher b = new RowBatcher(out, schema, rows, bytes, wait)) {
              rp.produce(b);
              b.flush();
            }
          };
    }
    BufferAllocator allocator = newAllocator();
    CodecMetrics metrics = metricsFor(allocator);
    ArrowEventCodec codec = outputCodec(outputType, cfg, metrics);
    ComponentHealth health = new ComponentHealth();
    BatchProducer produce = p;
    int window = maxInflight;
    java.util.Set<Thread> producers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    ArrowSourceService.Feed events =
        feed != null
            ? feed
            : start -> Streams.produced(produce, codec, allocator, start, window, producers);
    ArrowSourceService service =
        ArrowSourceService.builder(cfg.id(), events).health(health).state(state).build();
    ComponentRuntime runtime =
        runtime(cfg, ServiceType.SERVICE_TYPE_SOURCE, service)
            .health(health)
            .outputs(List.of(outputType))
            .metadata(Map.copyOf(metadata))
            .codecMetrics(metrics)
            .schemas(outputSchema == null ? Map.of() : Map.of(outputType, outputSchema))
            .build();
    java.util.OptionalInt port =
        flightPort != null ? java.util.OptionalInt.of(flightPort) : cfg.flightPort();
    if (port.isEmpty()) {
      return new RunningComponent(runtime, allocator, producers);
    }
    if (p == null && outputSchema == null) {
      throw new IllegalStateException(
          "source '" + id + "': Flight serves Arrow batches; set output(eventType, schema)");
    }
    if (p == null) {
      p = decoding(feed, codec, allocator); // a feed of Arrow events: their batches
    }
    Map<String, String> env = config == null ? System.getenv() : Map.of();
    String token = flightToken != null ? flightToken : env.get("FLIGHT_TOKEN");
    java.nio.file.Path clientCa =
        flightClientCa != null
            ? flightClientCa
            : env.containsKey("FLIGHT_TLS_CLIENT_CA")
                ? java.nio.file.Path.of(env.get("FLIGHT_TLS_CLIENT_CA"))
                : null;
    io.flowctl.client.spi.SourceEndpointProvider.Spec spec =
        new io.flowctl.client.spi.SourceEndpointProvider.Spec(
            cfg,
            port.getAsInt(),
            outputType,
            recordSchema != null ? recordSchema : outputSchema,
            p,
            allocator,
            flightStreams,
            token == null || token.isBlank() ? null : token,
            clientCa);
    io.flowctl.client.spi.SourceEndpointProvider provider =
        java.util.ServiceLoader.load(io.flowctl.client.spi.SourceEndpointProvider.class).stream()
            .map(java.util.ServiceLoader.Provider::get)
            .filter(e -> e.protocol().equals("flight"))
            .findFirst()
            .orElseThrow(
                () -> {
                  allocator.close();
                  return new IllegalStateException(
                      "source '"
                          + id
                          + "': serving Arrow Flight (FLIGHT_PORT or serveFlight) needs"
                          + " io.flowctl:flowctl-flight on the class path");
                });
    return new RunningComponent(runtime, allocator, producers, () -> provider.start(spec));
  }
}
