package io.flowctl.examples;

import io.flowctl.client.ConsumerBuilder;
import io.flowctl.client.Flowctl;
import io.flowctl.client.ProcessorBuilder;
import io.flowctl.client.SourceBuilder;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.control.SchemaResolver;
import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.ConsumerHandler;
import io.flowctl.client.stream.StateStore;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventTypes;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.OwnedBatch;
import io.flowctl.schema.ReaderModel;
import io.flowctl.server.pipeline.Launcher;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.ProcessLauncher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Launches the example components in this JVM ({@code command: ["example:ttp-source"]}, {@code
 * example:asset-totals}, {@code example:parquet-sink}); any other command becomes an OS process.
 * Each example component is a flow-proto component: it serves its v1 data-plane service
 * (StreamEvents, Process or Consume), registers through flowctl.v1 with that endpoint at the
 * control plane in {@code FLOWCTL_ENDPOINT}, heartbeats its status, and is driven by the runner the
 * way upstream's runner drives Go components. {@code flowctl component NAME} runs the same
 * components as processes of their own.
 *
 * <p>With {@code FLOWCTL_ARROW_ENABLED=false} a component speaks plain protobuf instead (one {@code
 * google.protobuf.Struct} event per row); the processor and the sink take either kind of input, so
 * Arrow and protobuf components mix in one pipeline.
 */
public final class ExampleLauncher implements Launcher {
  /** What the example components did, for a summary. */
  public static final class Stats {
    private final Map<String, CodecMetrics> metrics = new ConcurrentHashMap<>();
    private final AtomicLong sourceEvents = new AtomicLong();
    private final AtomicLong sourceRows = new AtomicLong();
    private final AtomicLong sourceBytes = new AtomicLong();
    private final AtomicLong sinkEvents = new AtomicLong();
    // A sink's first file (of its first input stream), and the rows of all its streams' files.
    private final Map<String, Loopback.ParquetFile> outputs = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> outputRows = new ConcurrentHashMap<>();

    /** The codec metrics of a component (empty metrics if it used no codec). */
    public CodecMetrics.Report metrics(String componentId) {
      CodecMetrics m = metrics.get(componentId);
      return m == null ? CodecMetrics.create(null).report() : m.report();
    }

    /** Events the sources sent (Arrow batches, or protobuf rows). */
    public long sourceEvents() {
      return sourceEvents.get();
    }

    public long sourceRows() {
      return sourceRows.get();
    }

    /** Bytes of the payloads the sources sent. */
    public long sourceBytes() {
      return sourceBytes.get();
    }

    public long sinkEvents() {
      return sinkEvents.get();
    }

    /** Each sink's Parquet file (of its first input stream), by component id. */
    public Map<String, Path> outputs() {
      Map<String, Path> out = new java.util.TreeMap<>();
      outputs.forEach((id, f) -> out.put(id, f.path()));
      return out;
    }

    /** Rows a sink wrote, over all its streams' files. */
    public long outputRows(String sinkId) {
      AtomicLong rows = outputRows.get(sinkId);
      return rows == null ? 0 : rows.get();
    }

    /** The structural fingerprint of what a sink wrote, once its first file is closed. */
    public String outputFingerprint(String sinkId) {
      Loopback.ParquetFile f = outputs.get(sinkId);
      return f == null ? "" : f.fingerprint();
    }
  }

  /** Hears each event a sink received. */
  @FunctionalInterface
  public interface SinkListener {
    void received(String sinkId, long eventsSoFar);
  }

  private final BufferAllocator allocator;
  private final Path outputDir;
  private final io.flowctl.server.pipeline.Launcher processes;
  private final Stats stats = new Stats();
  private final SinkListener listener;

  public ExampleLauncher(BufferAllocator allocator, Path outputDir) {
    this(allocator, outputDir, (id, n) -> {});
  }

  public ExampleLauncher(BufferAllocator allocator, Path outputDir, SinkListener listener) {
    this(allocator, outputDir, listener, new ProcessLauncher(outputDir.resolve("logs")));
  }

  /** As above, handing every command that is not {@code example:*} to {@code others}. */
  public ExampleLauncher(
      BufferAllocator allocator,
      Path outputDir,
      SinkListener listener,
      io.flowctl.server.pipeline.Launcher others) {
    this.allocator = allocator;
    this.outputDir = outputDir;
    this.processes = others;
    this.listener = listener;
  }

  public Stats stats() {
    return stats;
  }

  @Override
  public Handle launch(Pipeline.Component c, Map<String, String> env) throws IOException {
    String kind = c.command().isEmpty() ? "" : c.command().get(0);
    if (!kind.startsWith("example:")) {
      return processes.launch(c, env);
    }
    // In this JVM: any free ports unless the pipeline's env names them.
    ComponentConfig.Builder config = config(env, c.id());
    Flowctl.Component runtime =
        component(kind.substring("example:".length()), config.build(), Settings.of(c, env)).start();
    return new Handle() {
      @Override
      public boolean alive() {
        return !runtime.closed();
      }

      @Override
      public void close() {
        runtime.close();
      }
    };
  }

  /** The configuration upstream's environment gives, with free ports where it names none. */
  static ComponentConfig.Builder config(Map<String, String> env, String id) {
    ComponentConfig fromEnv = ComponentConfig.fromEnv(env, id);
    ComponentConfig.Builder b =
        ComponentConfig.builder(fromEnv.id())
            .heartbeatInterval(fromEnv.heartbeatInterval())
            .bindHost(fromEnv.bindHost())
            .advertiseHost(fromEnv.advertiseHost())
            .port(fromEnv.port())
            .healthPort(env.containsKey("HEALTH_PORT") ? fromEnv.healthPort() : 0);
    fromEnv.controlPlane().ifPresent(b::controlPlane);
    if (fromEnv.controlPlane().isEmpty() && env.containsKey("FLOWCTL_ENDPOINT")) {
      b.controlPlane(env.get("FLOWCTL_ENDPOINT")); // the runner always means to register
    }
    fromEnv.pipeline().ifPresent(b::pipeline);
    fromEnv.token().ifPresent(b::token);
    fromEnv.certificate().ifPresent(c -> b.certificate(c, fromEnv.privateKey().orElseThrow()));
    fromEnv.flightPort().ifPresent(b::flightPort);
    return b;
  }

  /** The names {@code flowctl component} and {@code example:NAME} commands take. */
  public static final List<String> COMPONENTS =
      List.of("ttp-source", "asset-totals", "parquet-sink");

  /**
   * What an example component is configured with: the pipeline file's Arrow settings and output
   * schemas when it runs in a pipeline here, else the environment ({@code FLOWCTL_ARROW_ENABLED},
   * {@code ARROW_COMPRESSION}, {@code BATCH_SIZE}, {@code TTP_BATCHES}, {@code TTP_ROWS}).
   */
  public record Settings(
      boolean arrow,
      String compression,
      int batchSize,
      int batches,
      int rows,
      Map<String, org.apache.arrow.vector.types.pojo.Schema> outputSchemas,
      List<String> outputTypes) {

    static Settings of(Pipeline.Component c, Map<String, String> env) {
      List<String> outputs = new ArrayList<>(c.outputSchemas().keySet());
      outputs.addAll(c.schemaMapping().values());
      return new Settings(
          c.arrow().enabled() && !"false".equalsIgnoreCase(env.get("FLOWCTL_ARROW_ENABLED")),
          c.arrow().compression(),
          c.arrow().batchSize(),
          intOf(env, "TTP_BATCHES", 100),
          intOf(env, "TTP_ROWS", 10_000),
          c.outputSchemas(),
          outputs);
    }

    /** The settings of a component started on its own, from its environment. */
    public static Settings fromEnv(Map<String, String> env) {
      return new Settings(
          !"false".equalsIgnoreCase(env.get("FLOWCTL_ARROW_ENABLED")),
          env.getOrDefault("ARROW_COMPRESSION", "lz4"),
          intOf(env, "BATCH_SIZE", 10_000),
          intOf(env, "TTP_BATCHES", 100),
          intOf(env, "TTP_ROWS", 10_000),
          Map.of(), // each component's own output type and schema
          List.of());
    }

    private static int intOf(Map<String, String> env, String name, int fallback) {
      String v = env.get(name);
      if (v == null || v.isBlank()) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(v.strip());
        if (n < 0) {
          throw new NumberFormatException();
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + ": '" + v + "' is not a count", e);
      }
    }
  }

  /**
   * One example component, not yet started.
   *
   * @param name {@code ttp-source}, {@code asset-totals} or {@code parquet-sink}
   */
  public Flowctl.Component component(String name, ComponentConfig config, Settings settings)
      throws IOException {
    return switch (name) {
      case "ttp-source" -> source(config, settings);
      case "asset-totals" -> processor(config, settings);
      case "parquet-sink" -> sink(config, settings);
      default ->
          throw new IllegalArgumentException(
              "no example component '" + name + "' (one of " + String.join(", ", COMPONENTS) + ")");
    };
  }

  private static Map<String, String> metadata(Settings s) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("data_format", s.arrow() ? "arrow" : "protobuf");
    if (s.arrow()) {
      m.put("arrow_version", "19.0.0");
      m.put("arrow_compression", s.compression());
    }
    return m;
  }

  private Flowctl.Component source(ComponentConfig config, Settings s) {
    String id = config.id();
    CodecMetrics metrics = CodecMetrics.create(allocator);
    stats.metrics.put(id, metrics);
    String outputType;
    ArrowSourceService.Feed feed;
    if (s.arrow()) {
      outputType = first(s.outputSchemas().keySet(), TtpEvents.EVENT_TYPE);
      ArrowEventCodec codec = outputCodec(s, outputType, metrics);
      feed =
          Loopback.ttpFeed(
              codec,
              s.batches(),
              s.rows(),
              allocator,
              bytes -> {
                stats.sourceEvents.incrementAndGet();
                stats.sourceRows.addAndGet(s.rows());
                stats.sourceBytes.addAndGet(bytes);
              });
    } else {
      outputType = TtpEvents.ROW_EVENT_TYPE;
      feed =
          Loopback.ttpRowFeed(
              s.batches(),
              s.rows(),
              allocator,
              bytes -> {
                stats.sourceEvents.incrementAndGet();
                stats.sourceRows.incrementAndGet();
                stats.sourceBytes.addAndGet(bytes);
              });
    }
    SourceBuilder b =
        Flowctl.source(id)
            .config(config)
            .codecMetrics(metrics)
            .feed(feed)
            .state(StateStore.directory(outputDir.resolve("state"))); // SaveState survives restarts
    metadata(s).forEach(b::metadata);
    return (s.arrow() ? b.output(outputType, TtpEvents.SCHEMA) : b.output(outputType)).build();
  }

  /** The codec of a component's output: its event type, the compression, its metrics. */
  private static ArrowEventCodec outputCodec(Settings s, String eventType, CodecMetrics metrics) {
    return ArrowEventCodec.builder()
        .eventType(eventType)
        .compression(Compression.parse(s.compression()))
        .metrics(metrics)
        .build();
  }

  private Flowctl.Component processor(ComponentConfig config, Settings s) {
    String id = config.id();
    boolean arrow = s.arrow();
    CodecMetrics metrics = CodecMetrics.create(allocator);
    stats.metrics.put(id, metrics);
    String outputType =
        arrow
            ? s.outputTypes().stream()
                .filter(t -> !t.equals(TtpEvents.EVENT_TYPE))
                .findFirst()
                .orElse(AssetTotals.EVENT_TYPE)
            : AssetTotals.ROW_EVENT_TYPE;
    ArrowEventCodec codec = outputCodec(s, outputType, metrics);
    AssetTotals totals = new AssetTotals(1_000_000_000L);
    int batchSize = s.batchSize();
    // region hybrid
    // It reads the TTP schema by name, as a real processor declares it: a source that adds a
    // column still feeds it; one that changes a column it needs is refused, counted and reported.
    SchemaResolver ttp =
        new SchemaResolver(
            TtpEvents.SCHEMA,
            CompatibilityRules.defaults().toBuilder().readerModel(ReaderModel.PROJECTING).build(),
            metrics);
    // One handler per Process stream: the protobuf rows waiting for a batch are that stream's.
    Supplier<ArrowProcessor.Handler> perStream =
        () ->
            new ArrowProcessor.Handler() {
              private final List<Event> rows = new ArrayList<>();

              @Override
              public void handle(Event in, ArrowProcessor.Emitter out) throws Exception {
                if (EventTypes.isArrow(in.getEventType())) {
                  try (ArrowEventReader reader = codec.decode(in, allocator)) {
                    while (reader.loadNextBatch()) {
                      try (OwnedBatch batch = ttp.project(reader, allocator)) {
                        emit(batch.root(), out);
                      }
                    }
                  }
                } else {
                  rows.add(in); // a protobuf row: converted to Arrow a batch at a time
                  if (rows.size() >= batchSize) {
                    finish(out);
                  }
                }
              }

              @Override
              public void finish(ArrowProcessor.Emitter out) throws Exception {
                if (rows.isEmpty()) {
                  return;
                }
                try (VectorSchemaRoot batch =
                    ProtobufRows.toBatch(rows, TtpEvents.SCHEMA, allocator)) {
                  emit(batch, out);
                }
                rows.clear();
              }

              private void emit(VectorSchemaRoot batch, ArrowProcessor.Emitter out)
                  throws InterruptedException {
                try (VectorSchemaRoot result = totals.apply(batch, allocator)) {
                  if (arrow) {
                    out.emit(codec.encode(result));
                  } else {
                    for (Event e : ProtobufRows.toEvents(result, AssetTotals.ROW_EVENT_TYPE)) {
                      out.emit(e);
                    }
                  }
                }
              }
            };
    // endregion
    ProcessorBuilder b =
        Flowctl.processor(id)
            .config(config)
            .codecMetrics(metrics)
            .maxInflight(8)
            .input(TtpEvents.EVENT_TYPE, TtpEvents.SCHEMA)
            .input(TtpEvents.ROW_EVENT_TYPE)
            .onStream(perStream);
    metadata(s).forEach(b::metadata);
    return (arrow ? b.output(outputType, AssetTotals.SCHEMA) : b.output(outputType)).build();
  }

  private Flowctl.Component sink(ComponentConfig config, Settings s) throws IOException {
    String id = config.id();
    CodecMetrics metrics = CodecMetrics.create(allocator);
    stats.metrics.put(id, metrics);
    ArrowEventCodec codec = ArrowEventCodec.builder().metrics(metrics).build();
    Files.createDirectories(outputDir);
    ParquetEventCodec parquet =
        ParquetEventCodec.builder().compression(parquetCompression(s)).build();
    AtomicLong rowsWritten = stats.outputRows.computeIfAbsent(id, k -> new AtomicLong());
    java.util.concurrent.atomic.AtomicInteger streams =
        new java.util.concurrent.atomic.AtomicInteger();
    // One file per Consume stream, written when that stream ends: the runner may open several at
    // once (a sink with two inputs) or one after another (after a reconnect), and none of them may
    // close another's file. The first is <id>.parquet, the next <id>.2.parquet, and so on.
    java.util.function.Supplier<ConsumerHandler> perStream =
        () -> {
          int n = streams.incrementAndGet();
          String name = Loopback.safeFileName(id) + (n == 1 ? "" : "." + n) + ".parquet";
          Loopback.ParquetFile output =
              new Loopback.ParquetFile(
                  outputDir.resolve(name), AssetTotals.SCHEMA, parquet, allocator, rowsWritten);
          if (n == 1) {
            stats.outputs.put(id, output);
          }
          List<Event> rows = new ArrayList<>();
          return new ConsumerHandler() {
            @Override
            public void handle(Event e) throws Exception {
              try {
                if (EventTypes.isArrow(e.getEventType())) {
                  try (ArrowEventReader in = codec.decode(e, allocator)) {
                    while (in.loadNextBatch()) {
                      output.append(in.root());
                    }
                  }
                } else {
                  rows.add(e);
                }
              } catch (Exception x) {
                metrics.processingError();
                throw x;
              }
              listener.received(id, stats.sinkEvents.incrementAndGet());
            }

            /** The writer closed its stream: its protobuf rows join the file. */
            @Override
            public void finish() {
              if (!rows.isEmpty()) {
                try (VectorSchemaRoot batch =
                    ProtobufRows.toBatch(rows, AssetTotals.SCHEMA, allocator)) {
                  output.append(batch);
                }
                rows.clear();
              }
            }

            /**
             * However the stream ended, the file holds what it received: written now (a cancelled
             * stream's events arrived too).
             */
            @Override
            public void close() throws IOException {
              output.close();
            }
          };
        };
    ConsumerBuilder b =
        Flowctl.consumer(id)
            .config(config)
            .codecMetrics(metrics)
            .maxInflight(8)
            .input(AssetTotals.EVENT_TYPE)
            .input(AssetTotals.ROW_EVENT_TYPE)
            .onStream(perStream);
    metadata(s).forEach(b::metadata);
    return b.build();
  }

  /** The sink's Parquet page compression: its Arrow compression if Parquet has it. */
  private static io.flowctl.parquet.ParquetCompression parquetCompression(Settings s) {
    String name = s.compression();
    return name.equals("lz4")
        ? io.flowctl.parquet.ParquetCompression.LZ4_RAW
        : io.flowctl.parquet.ParquetCompression.parse(name);
  }

  private static String first(java.util.Collection<String> values, String fallback) {
    return values.isEmpty() ? fallback : values.iterator().next();
  }
}
