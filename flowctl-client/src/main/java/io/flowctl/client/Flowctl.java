package io.flowctl.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.flowctl.FlowctlException;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.component.ComponentRuntime;
import io.flowctl.client.control.SchemaResolver;
import io.flowctl.client.stream.ArrowConsumerService;
import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.client.stream.ArrowProcessorService;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.client.stream.StateStore;
import io.flowctl.proto.Event;
import io.flowctl.proto.ServiceType;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.ProjectedBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Where a flowctl component starts: one entry point per role, each returning a builder; {@code
 * build()} gives a {@link Component} to {@code start()}, {@code run()} or {@code close()}.
 *
 * <pre>{@code
 * Flowctl.processor("asset-totals")
 *     .input(TTP_EVENTS)
 *     .output(TOTALS, TOTALS_SCHEMA)
 *     .onBatch((batch, allocator) -> totals.apply(batch, allocator))
 *     .build()
 *     .run();
 * }</pre>
 *
 * <p>Handlers work on Arrow batches: the SDK decodes each event (checking it against its {@code
 * ArrowMetadata}), projects it to the reader schema when one is declared, calls the handler,
 * encodes what it returns with the configured compression, and closes every buffer. Plain protobuf
 * events reach {@code onMessage} handlers, and raw events {@code onEvent}. The rest is the SDK's:
 * the gRPC server upstream's runner calls, registration and heartbeats, the health server, schema
 * registration, back-pressure and a graceful drain (see {@link ComponentRuntime}). Configuration
 * comes from the environment upstream's launcher sets ({@link ComponentConfig#fromEnv}) unless
 * {@code config(...)} gives it in code.
 */
public final class Flowctl {
  private Flowctl() {}

  /** A source: it streams the batches its producer emits. */
  public static SourceBuilder source(String id) {
    return new SourceBuilder(id);
  }

  /** A processor: each input batch becomes the batch its handler returns. */
  public static ProcessorBuilder processor(String id) {
    return new ProcessorBuilder(id);
  }

  /** A consumer (sink): its handler takes every input batch. */
  public static ConsumerBuilder consumer(String id) {
    return new ConsumerBuilder(id);
  }

  /** A running (or runnable) component. Thread-safe. */
  public interface Component extends AutoCloseable {
    /** Binds the servers and starts registering; returns once it serves. */
    Component start();

    /**
     * Starts (if needed) and blocks until SIGTERM or SIGINT, then drains, unregisters and returns:
     * for a program's {@code main}. A library embedding a component calls {@link #start()} and
     * {@link #close()} instead.
     */
    void run() throws InterruptedException;

    /** Waits until the control plane acknowledged the registration. */
    boolean awaitRegistered(Duration timeout) throws InterruptedException;

    /** The data-plane endpoint it registered. */
    String endpoint();

    /** Its health: set DEGRADED or UNHEALTHY when the work says so. */
    ComponentHealth health();

    /** The port of its HTTP health server ({@code /health}, {@code /metrics}). */
    int healthPort();

    /** Waits until it has stopped serving (after {@link #close()}). */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** Whether {@link #close()} was called. */
    boolean closed();

    /** Drains, unregisters and releases everything; calling it again does nothing. */
    @Override
    void close();
  }

  /** Produces a source's batches; called once per stream a reader opens. */
  @FunctionalInterface
  public interface BatchProducer {
    void produce(BatchEmitter out) throws Exception;
  }

  /** Where a producer's batches go. */
  public interface BatchEmitter {
    /**
     * Encodes {@code batch} as the next event; blocks while the reader is behind. The batch stays
     * the caller's (it may be refilled and emitted again).
     */
    void emit(VectorSchemaRoot batch) throws InterruptedException;

    /** Memory for the producer's batches, bounded by the component's memory limit. */
    BufferAllocator allocator();

    /**
     * The stream's parameters (upstream's runner passes {@code start_ledger}, {@code end_ledger}).
     */
    Map<String, String> params();

    /**
     * The id of the last event the reader handled, when it resumes: events are numbered 1, 2, … in
     * emit order, so resuming after "n" means starting with the n+1st. Empty from the start.
     */
    String resumeAfter();
  }

  /** Produces a source's rows, one at a time; the SDK gathers them into batches. */
  @FunctionalInterface
  public interface RowProducer {
    void produce(RowEmitter out) throws Exception;
  }

  /**
   * Where a row producer's rows go: a batch is shipped when it holds the batch size's rows, when
   * its buffers pass the byte budget, or when a row arrives after the first pending one waited the
   * timeout (the pipeline's {@code batch_size} and {@code batch_accumulation_timeout}); what is
   * left is shipped when the producer returns.
   */
  public interface RowEmitter {
    /** Appends one row, written into the pending batch at {@code row}. */
    void row(io.flowctl.client.codec.BatchAccumulator.RowWriter writer) throws InterruptedException;

    /** Ships the pending rows now (an idle producer calls it so nothing waits). */
    void flush() throws InterruptedException;

    /** The stream's parameters. */
    Map<String, String> params();

    /** See {@link BatchEmitter#resumeAfter()}: batches are numbered as they are shipped. */
    String resumeAfter();
  }

  /** A row emitter over a batch emitter: one pending batch, reused. */
  private static final class RowBatcher implements RowEmitter, AutoCloseable {
    private final BatchEmitter out;
    private final VectorSchemaRoot root;
    private final int rows;
    private final long maxBytes;
    private final long timeoutNanos;
    private int pending;
    private long firstAt;

    RowBatcher(BatchEmitter out, Schema schema, int rows, long maxBytes, Duration timeout) {
      this.out = out;
      this.root = VectorSchemaRoot.create(schema, out.allocator());
      this.rows = rows;
      this.maxBytes = maxBytes;
      this.timeoutNanos = timeout.toNanos();
      root.allocateNew();
    }

    @Override
    public void row(io.flowctl.client.codec.BatchAccumulator.RowWriter writer)
        throws InterruptedException {
      if (pending == 0) {
        firstAt = System.nanoTime();
      }
      writer.write(root, pending++);
      if (pending >= rows || System.nanoTime() - firstAt >= timeoutNanos || bytes() >= maxBytes) {
        flush();
      }
    }

    private long bytes() {
      long n = 0;
      for (org.apache.arrow.vector.FieldVector v : root.getFieldVectors()) {
        n += v.getBufferSize();
      }
      return n;
    }

    @Override
    public void flush() throws InterruptedException {
      if (pending == 0) {
        return;
      }
      root.setRowCount(pending);
      out.emit(root);
      pending = 0;
      for (org.apache.arrow.vector.FieldVector v : root.getFieldVectors()) {
        v.reset();
      }
      root.setRowCount(0);
    }

    @Override
    public Map<String, String> params() {
      return out.params();
    }

    @Override
    public String resumeAfter() {
      return out.resumeAfter();
    }

    @Override
    public void close() {
      root.close();
    }
  }

  /** Turns one input batch into one output batch; null emits nothing for it. */
  @FunctionalInterface
  public interface BatchFunction {
    /** The output, allocated from {@code allocator}; the SDK encodes and closes it. */
    VectorSchemaRoot apply(VectorSchemaRoot input, BufferAllocator allocator) throws Exception;
  }

  /** Takes one input batch; valid only during the call. */
  @FunctionalInterface
  public interface BatchConsumer {
    void accept(VectorSchemaRoot batch) throws Exception;
  }

  /** Turns one typed protobuf message into the message to emit; null emits nothing. */
  @FunctionalInterface
  public interface MessageFunction<M> {
    Message apply(M message, Event event) throws Exception;
  }

  /** Handles one typed protobuf message. */
  @FunctionalInterface
  public interface MessageHandler<M> {
    void handle(M message, Event event) throws Exception;
  }

  /**
   * An event's payload as the message its type is read as; a payload that is not one is invalid.
   */
  static Message parse(Parser<? extends Message> parser, Event event) {
    try {
      return parser.parseFrom(event.getPayload());
    } catch (InvalidProtocolBufferException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "event '" + event.getEventType() + "' is not that message: " + e.getMessage(),
          e);
    }
  }

  /** Settings every role shares; the role's builder extends it. */
  public abstract static class Builder<B extends Builder<B>> {
    final String id;
    ComponentConfig config;
    Compression compression; // null: the configuration's, else LZ4
    CodecMetrics codecMetrics; // null: its own
    int maxInflight = 16;
    long memoryLimit = 1L << 30;
    final List<String> inputs = new ArrayList<>();
    final Map<String, Schema> readerSchemas = new LinkedHashMap<>();
    final Map<String, Schema> outputs = new LinkedHashMap<>();
    final Map<String, String> metadata = new LinkedHashMap<>();

    Builder(String id) {
      Objects.requireNonNull(id, "id");
      if (id.isBlank()) {
        throw new IllegalArgumentException("a component needs an id");
      }
      this.id = id;
    }

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    /** The component's id. */
    public String id() {
      return id;
    }

    /** The component, ready to start. */
    public abstract Component build();

    /** Ports, control plane and heartbeats; default {@link ComponentConfig#fromEnv} of this id. */
    public B config(ComponentConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return self();
    }

    /**
     * Compression of the events it writes: none, lz4 or zstd. Default: the pipeline's ({@code
     * FLOWCTL_ARROW_COMPRESSION}), else lz4.
     */
    public B compression(Compression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return self();
    }

    /** Events requested ahead of the one being handled (back-pressure); default 16. */
    public B maxInflight(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("maxInflight must be at least 1, got " + events);
      }
      this.maxInflight = events;
      return self();
    }

    /** The Arrow memory the component may hold at once; default 1 GiB. */
    public B memoryLimit(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("memoryLimit must be positive, got " + bytes);
      }
      this.memoryLimit = bytes;
      return self();
    }

    /**
     * The metrics its codecs report into (and its heartbeats send); default its own. A host that
     * shows several components' figures together passes one per component.
     */
    public B codecMetrics(CodecMetrics metrics) {
      this.codecMetrics = Objects.requireNonNull(metrics, "metrics");
      return self();
    }

    /** Registration metadata. */
    public B metadata(String key, String value) {
      metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return self();
    }

    ComponentConfig configOrEnv() {
      return config != null ? config : ComponentConfig.fromEnv(System.getenv(), id);
    }

    /** The builder's compression, else the pipeline's ({@code config.arrow}), else LZ4. */
    Compression compressionOf(ComponentConfig cfg) {
      if (compression != null) {
        return compression;
      }
      return cfg.arrowCompression().map(Compression::parse).orElse(Compression.LZ4);
    }
  }

  /** Settings of a source. */
  public static final class SourceBuilder extends Builder<SourceBuilder> {
    private String outputType;
    private Schema outputSchema;
    private BatchProducer producer;
    private RowProducer rowProducer;
    private ArrowSourceService.Feed feed;
    private Integer batchRows; // null: the configuration's
    private long batchBytes = 64L << 20;
    private Duration batchTimeout; // null: the configuration's
    private StateStore state = StateStore.inMemory();

    private SourceBuilder(String id) {
      super(id);
    }

    /** The event type it emits and the schema registered as a version of that subject. */
    public SourceBuilder output(String eventType, Schema schema) {
      this.outputType = Objects.requireNonNull(eventType, "eventType");
      this.outputSchema = Objects.requireNonNull(schema, "schema");
      return this;
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
     * per stream a reader opens); each batch is shipped and then closed by the SDK. Instead of
     * {@link #produce}.
     */
    public SourceBuilder produceBatches(
        java.util.function.Function<BufferAllocator, java.util.Iterator<VectorSchemaRoot>>
            batches) {
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
     * @throws IllegalStateException naming the missing setting
     */
    public Component build() {
      if (outputType == null) {
        throw new IllegalStateException("source '" + id + "': set output(eventType, schema)");
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
        Schema schema = outputSchema;
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
      BufferAllocator allocator = new RootAllocator(memoryLimit);
      CodecMetrics metrics = codecMetrics != null ? codecMetrics : CodecMetrics.create(allocator);
      ArrowEventCodec codec =
          ArrowEventCodec.builder()
              .eventType(outputType)
              .compression(compressionOf(cfg))
              .metrics(metrics)
              .build();
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
          ComponentRuntime.builder(cfg, ServiceType.SERVICE_TYPE_SOURCE, service)
              .health(health)
              .outputs(List.of(outputType))
              .metadata(Map.copyOf(metadata))
              .codecMetrics(metrics)
              .schemas(outputSchema == null ? Map.of() : Map.of(outputType, outputSchema))
              .build();
      return new Running(runtime, allocator, producers);
    }
  }

  /** Settings of a processor. */
  public static final class ProcessorBuilder extends Builder<ProcessorBuilder> {
    private String outputType;
    private final Map<String, BatchFunction> functions = new LinkedHashMap<>();
    private BatchFunction fallback;
    private int concurrency = 1;
    private final Map<String, MessageFunction<Message>> typed = new LinkedHashMap<>();
    private final Map<String, Parser<? extends Message>> parsers = new LinkedHashMap<>();
    private ArrowProcessor.Handler raw;

    private ProcessorBuilder(String id) {
      super(id);
    }

    /** An event type it reads, as it comes. */
    public ProcessorBuilder input(String eventType) {
      inputs.add(Objects.requireNonNull(eventType, "eventType"));
      return this;
    }

    /**
     * An event type it reads, projected to {@code readerSchema} first: batches of any compatible
     * writer schema arrive in this one (incompatible ones are refused and counted).
     */
    public ProcessorBuilder input(String eventType, Schema readerSchema) {
      input(eventType);
      readerSchemas.put(eventType, Objects.requireNonNull(readerSchema, "readerSchema"));
      return this;
    }

    /** The event type it emits and the schema registered for it. */
    public ProcessorBuilder output(String eventType, Schema schema) {
      this.outputType = Objects.requireNonNull(eventType, "eventType");
      outputs.put(eventType, Objects.requireNonNull(schema, "schema"));
      return this;
    }

    /** The event type it emits as protobuf messages (no Arrow schema to register). */
    public ProcessorBuilder output(String eventType) {
      this.outputType = Objects.requireNonNull(eventType, "eventType");
      return this;
    }

    /**
     * The handler of one input type's protobuf messages, parsed with {@code parser} (a payload that
     * is not that message is a failed event naming its type); the message it returns is emitted
     * under the output type. Upstream's Go processors exchange such events.
     */
    @SuppressWarnings("unchecked")
    public <M extends Message> ProcessorBuilder onMessage(
        String eventType, Parser<M> parser, MessageFunction<M> f) {
      Objects.requireNonNull(f, "f");
      input(eventType);
      parsers.put(eventType, Objects.requireNonNull(parser, "parser"));
      typed.put(eventType, (MessageFunction<Message>) (MessageFunction<?>) f);
      return this;
    }

    /**
     * The escape hatch: the input events themselves, and what to emit when the input ends; instead
     * of the batch and message handlers.
     */
    public ProcessorBuilder onEvent(ArrowProcessor.Handler handler) {
      this.raw = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** The handler of every Arrow input batch (of types without their own). */
    public ProcessorBuilder onBatch(BatchFunction f) {
      this.fallback = Objects.requireNonNull(f, "f");
      return this;
    }

    /**
     * Batches handled at once (handlers must then be thread-safe); outputs still leave in input
     * order. Default 1. The Go SDK's concurrent processors answer in completion order instead.
     */
    public ProcessorBuilder concurrency(int workers) {
      if (workers < 1) {
        throw new IllegalArgumentException("concurrency must be at least 1, got " + workers);
      }
      this.concurrency = workers;
      return this;
    }

    /** The handler of the batches of one input type. */
    public ProcessorBuilder onBatch(String eventType, BatchFunction f) {
      functions.put(Objects.requireNonNull(eventType, "eventType"), Objects.requireNonNull(f, "f"));
      return this;
    }

    /** A build of a component whose handlers are set: see {@link SourceBuilder#build()}. */
    public Component build() {
      if (outputType == null) {
        throw new IllegalStateException("processor '" + id + "': set output(eventType, schema)");
      }
      if (fallback == null && functions.isEmpty() && typed.isEmpty() && raw == null) {
        throw new IllegalStateException(
            "processor '" + id + "': set onBatch(...) or onMessage(...)");
      }
      Jvm.requireArrowAccess();
      ComponentConfig cfg = configOrEnv();
      BufferAllocator allocator = new RootAllocator(memoryLimit);
      CodecMetrics metrics = codecMetrics != null ? codecMetrics : CodecMetrics.create(allocator);
      ArrowEventCodec out =
          ArrowEventCodec.builder()
              .eventType(outputType)
              .compression(compressionOf(cfg))
              .metrics(metrics)
              .build();
      ArrowEventCodec in = ArrowEventCodec.builder().metrics(metrics).build();
      Map<String, SchemaResolver> resolvers = resolvers(readerSchemas, metrics);
      Map<String, BatchFunction> byType = Map.copyOf(functions);
      BatchFunction any = fallback;
      Map<String, MessageFunction<Message>> onMessage = Map.copyOf(typed);
      Map<String, Parser<? extends Message>> parse = Map.copyOf(parsers);
      String emitted = outputType;
      ArrowProcessor.Handler handler =
          raw != null
              ? raw
              : (event, emit) -> {
                MessageFunction<Message> mf = onMessage.get(event.getEventType());
                if (mf != null) {
                  Message result = mf.apply(parse(parse.get(event.getEventType()), event), event);
                  if (result != null) {
                    emit.emit(
                        Event.newBuilder()
                            .setEventType(emitted)
                            .setPayload(result.toByteString())
                            .setTimestamp(event.getTimestamp())
                            .build());
                  }
                  return;
                }
                BatchFunction f = byType.getOrDefault(event.getEventType(), any);
                if (f == null) {
                  throw new FlowctlException(
                      FlowctlException.Code.INVALID_ARGUMENT,
                      "no handler for event type '" + event.getEventType() + "'");
                }
                Streams.eachBatch(
                    event,
                    in,
                    resolvers.get(event.getEventType()),
                    allocator,
                    batch -> {
                      try (VectorSchemaRoot result = f.apply(batch, allocator)) {
                        if (result != null) {
                          emit.emit(out.encode(result));
                        }
                      }
                    });
              };
      ComponentHealth health = new ComponentHealth();
      ArrowProcessorService service =
          ArrowProcessorService.builder(cfg.id(), handler)
              .maxInflight(maxInflight)
              .concurrency(concurrency)
              .health(health)
              .errors((eventId, e, x) -> metrics.processingError())
              .build();
      ComponentRuntime runtime =
          ComponentRuntime.builder(cfg, ServiceType.SERVICE_TYPE_PROCESSOR, service)
              .health(health)
              .inputs(inputs)
              .outputs(List.of(outputType))
              .metadata(Map.copyOf(metadata))
              .codecMetrics(metrics)
              .schemas(Map.copyOf(outputs))
              .build();
      return new Running(runtime, allocator, java.util.Set.of());
    }
  }

  /** Settings of a consumer (sink). */
  public static final class ConsumerBuilder extends Builder<ConsumerBuilder> {
    private BatchConsumer batches;
    private final Map<String, MessageHandler<Message>> typed = new LinkedHashMap<>();
    private final Map<String, Parser<? extends Message>> parsers = new LinkedHashMap<>();
    private Runnable finish = () -> {};
    private ArrowConsumerService.Handler raw;

    private ConsumerBuilder(String id) {
      super(id);
    }

    /** An event type it reads, as it comes. */
    public ConsumerBuilder input(String eventType) {
      inputs.add(Objects.requireNonNull(eventType, "eventType"));
      return this;
    }

    /** An event type it reads, projected to {@code readerSchema} first. */
    public ConsumerBuilder input(String eventType, Schema readerSchema) {
      input(eventType);
      readerSchemas.put(eventType, Objects.requireNonNull(readerSchema, "readerSchema"));
      return this;
    }

    /**
     * The escape hatch: the events themselves, and the end of each input stream; instead of the
     * batch and message handlers.
     */
    public ConsumerBuilder onEvent(ArrowConsumerService.Handler handler) {
      this.raw = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /** The handler of every Arrow batch it reads. */
    public ConsumerBuilder onBatch(BatchConsumer c) {
      this.batches = Objects.requireNonNull(c, "c");
      return this;
    }

    /** The handler of plain protobuf events of {@code eventType}, parsed with {@code parser}. */
    @SuppressWarnings("unchecked")
    public <M extends Message> ConsumerBuilder onMessage(
        String eventType, Parser<M> parser, MessageHandler<M> handler) {
      Objects.requireNonNull(handler, "handler");
      input(eventType);
      parsers.put(eventType, Objects.requireNonNull(parser, "parser"));
      typed.put(eventType, (MessageHandler<Message>) (MessageHandler<?>) handler);
      return this;
    }

    /** Called when a stream of input ends (the runner closed it): flush, close files. */
    public ConsumerBuilder onFinish(Runnable finish) {
      this.finish = Objects.requireNonNull(finish, "finish");
      return this;
    }

    /** A build of a component whose handlers are set: see {@link SourceBuilder#build()}. */
    public Component build() {
      if (batches == null && typed.isEmpty() && raw == null) {
        throw new IllegalStateException(
            "consumer '" + id + "': set onBatch(...) or onMessage(...)");
      }
      Jvm.requireArrowAccess();
      ComponentConfig cfg = configOrEnv();
      BufferAllocator allocator = new RootAllocator(memoryLimit);
      CodecMetrics metrics = codecMetrics != null ? codecMetrics : CodecMetrics.create(allocator);
      ArrowEventCodec in = ArrowEventCodec.builder().metrics(metrics).build();
      Map<String, SchemaResolver> resolvers = resolvers(readerSchemas, metrics);
      BatchConsumer onBatch = batches;
      Map<String, MessageHandler<Message>> onMessage = Map.copyOf(typed);
      Map<String, Parser<? extends Message>> parse = Map.copyOf(parsers);
      Runnable done = finish;
      ArrowConsumerService.Handler handler =
          raw != null
              ? raw
              : new ArrowConsumerService.Handler() {
                @Override
                public void handle(Event event) throws Exception {
                  MessageHandler<Message> h = onMessage.get(event.getEventType());
                  if (h != null) {
                    h.handle(parse(parse.get(event.getEventType()), event), event);
                    return;
                  }
                  if (onBatch == null) {
                    throw new FlowctlException(
                        FlowctlException.Code.INVALID_ARGUMENT,
                        "no handler for event type '" + event.getEventType() + "'");
                  }
                  Streams.eachBatch(
                      event, in, resolvers.get(event.getEventType()), allocator, onBatch::accept);
                }

                @Override
                public void finish() {
                  done.run();
                }
              };
      ComponentHealth health = new ComponentHealth();
      ArrowConsumerService service =
          ArrowConsumerService.builder(cfg.id(), handler)
              .maxInflight(maxInflight)
              .health(health)
              .build();
      ComponentRuntime runtime =
          ComponentRuntime.builder(cfg, ServiceType.SERVICE_TYPE_SINK, service)
              .health(health)
              .inputs(inputs)
              .metadata(Map.copyOf(metadata))
              .codecMetrics(metrics)
              .build();
      return new Running(runtime, allocator, java.util.Set.of());
    }
  }

  private static Map<String, SchemaResolver> resolvers(
      Map<String, Schema> readers, CodecMetrics metrics) {
    Map<String, SchemaResolver> out = new LinkedHashMap<>();
    readers.forEach(
        (type, schema) ->
            out.put(type, new SchemaResolver(schema, CompatibilityRules.defaults(), metrics)));
    return Map.copyOf(out);
  }

  /** A component over its runtime and the allocator it owns. */
  private static final class Running implements Component {
    private final ComponentRuntime runtime;
    private final BufferAllocator allocator;
    private final java.util.Set<Thread> producers;
    private boolean started;

    Running(ComponentRuntime runtime, BufferAllocator allocator, java.util.Set<Thread> producers) {
      this.runtime = runtime;
      this.allocator = allocator;
      this.producers = producers;
    }

    @Override
    public synchronized Component start() {
      if (!started) {
        started = true;
        try {
          runtime.start();
        } catch (RuntimeException e) {
          allocator.close();
          throw e;
        }
      }
      return this;
    }

    @Override
    public void run() throws InterruptedException {
      start();
      Thread hook = new Thread(this::close, "flowctl-component-stop");
      java.lang.Runtime.getRuntime().addShutdownHook(hook);
      runtime.awaitTermination(Duration.ofDays(365 * 100));
      try {
        java.lang.Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is stopping: the hook is running
      }
    }

    @Override
    public boolean awaitRegistered(Duration timeout) throws InterruptedException {
      return runtime.awaitRegistered(timeout);
    }

    @Override
    public String endpoint() {
      return runtime.endpoint();
    }

    @Override
    public ComponentHealth health() {
      return runtime.health();
    }

    @Override
    public int healthPort() {
      return runtime.healthPort();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
      return runtime.awaitTermination(timeout);
    }

    @Override
    public boolean closed() {
      return runtime.isClosed();
    }

    @Override
    public void close() {
      runtime.close();
      // A source's producers may still wait to emit for a reader that went away.
      for (Thread t : producers) {
        t.interrupt();
      }
      for (Thread t : producers) {
        try {
          t.join(5_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      synchronized (this) {
        allocator.close();
      }
    }
  }

  /** The plumbing between handlers and the data-plane services. */
  static final class Streams {
    private Streams() {}

    /** Runs {@code body} on every batch of an Arrow event, projected when a resolver is given. */
    interface Body {
      void accept(VectorSchemaRoot batch) throws Exception;
    }

    static void eachBatch(
        Event event,
        ArrowEventCodec codec,
        SchemaResolver resolver,
        BufferAllocator allocator,
        Body body)
        throws Exception {
      try (ArrowEventReader reader = codec.decode(event, allocator)) {
        while (reader.loadNextBatch()) {
          if (resolver == null) {
            body.accept(reader.root());
          } else {
            try (ProjectedBatch p = resolver.project(reader, allocator)) {
              body.accept(p.root());
            }
          }
        }
      }
    }

    private static final ArrowSourceService.Identified END =
        new ArrowSourceService.Identified("", Event.getDefaultInstance());

    /**
     * The events a producer emits, on a thread of its own, at most {@code window} encoded ahead of
     * the reader. A producer that fails ends the stream with its error.
     */
    static Iterator<ArrowSourceService.Identified> produced(
        BatchProducer producer,
        ArrowEventCodec codec,
        BufferAllocator allocator,
        ArrowSourceService.Start start,
        int window,
        java.util.Set<Thread> producers) {
      BlockingQueue<ArrowSourceService.Identified> queue = new ArrayBlockingQueue<>(window);
      long first = parseOrZero(start.resumeAfter());
      AtomicLong next = new AtomicLong(first);
      Throwable[] failure = {null};
      Thread t =
          new Thread(
              () -> {
                try {
                  producer.produce(
                      new BatchEmitter() {
                        @Override
                        public void emit(VectorSchemaRoot batch) throws InterruptedException {
                          queue.put(
                              new ArrowSourceService.Identified(
                                  Long.toString(next.incrementAndGet()), codec.encode(batch)));
                        }

                        @Override
                        public BufferAllocator allocator() {
                          return allocator;
                        }

                        @Override
                        public Map<String, String> params() {
                          return start.params();
                        }

                        @Override
                        public String resumeAfter() {
                          return start.resumeAfter();
                        }
                      });
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                } catch (Exception | Error e) {
                  failure[0] = e;
                } finally {
                  producers.remove(Thread.currentThread());
                  try {
                    if (Thread.currentThread().isInterrupted()) {
                      queue.offer(END); // closing: nobody may read it
                    } else {
                      queue.put(END);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }
              },
              "flowctl-source-producer");
      t.setDaemon(true);
      producers.add(t);
      t.start();
      return new Iterator<>() {
        private ArrowSourceService.Identified pending;

        @Override
        public boolean hasNext() {
          if (pending == null) {
            try {
              pending = queue.poll(365, TimeUnit.DAYS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              t.interrupt();
              return false;
            }
          }
          if (pending == END) {
            synchronized (failure) {
              if (failure[0] != null) {
                Throwable f = failure[0];
                failure[0] = null;
                throw new FlowctlException(
                    FlowctlException.Code.INTERNAL, "the source's producer failed: " + f, f);
              }
            }
            return false;
          }
          return true;
        }

        @Override
        public ArrowSourceService.Identified next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          ArrowSourceService.Identified n = pending;
          pending = null;
          return n;
        }
      };
    }

    private static long parseOrZero(String id) {
      try {
        return id.isEmpty() ? 0 : Long.parseLong(id);
      } catch (NumberFormatException e) {
        return 0;
      }
    }
  }

  /** What the JVM must allow for Arrow's memory, checked when a component is built. */
  static final class Jvm {
    private Jvm() {}

    /**
     * @throws FlowctlException FAILED_PRECONDITION saying which flag to add
     */
    static void requireArrowAccess() {
      try {
        java.lang.reflect.Field address = java.nio.Buffer.class.getDeclaredField("address");
        address.setAccessible(true);
      } catch (RuntimeException | NoSuchFieldException e) {
        throw new FlowctlException(
            FlowctlException.Code.FAILED_PRECONDITION,
            "Arrow needs the JVM flag --add-opens=java.base/java.nio=ALL-UNNAMED (add it to the"
                + " java command line, or Add-Opens: java.base/java.nio to the jar's manifest): "
                + e.getMessage(),
            e);
      }
    }
  }
}
