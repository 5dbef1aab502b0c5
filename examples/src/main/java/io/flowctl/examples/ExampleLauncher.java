package io.flowctl.examples;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.codec.ParquetEventCodec;
import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.ArrowStreamConsumer;
import io.flowctl.client.stream.Discovery;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventTypes;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.server.pipeline.Launcher;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.ProcessLauncher;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Launches the example components in this JVM ({@code command: ["example:ttp-source"]}, {@code
 * example:asset-totals}, {@code example:parquet-sink}); any other command becomes an OS process.
 * Each example component serves gRPC on loopback, registers itself with the endpoint in {@code
 * FLOWCTL_ENDPOINT} and finds its input through the control plane.
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
    private final Map<String, Loopback.ParquetFile> outputs = new ConcurrentHashMap<>();

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

    /** Each sink's Parquet file, by component id. */
    public Map<String, Path> outputs() {
      Map<String, Path> out = new java.util.TreeMap<>();
      outputs.forEach((id, f) -> out.put(id, f.path()));
      return out;
    }

    /** Rows a sink wrote. */
    public long outputRows(String sinkId) {
      Loopback.ParquetFile f = outputs.get(sinkId);
      return f == null ? 0 : f.rows();
    }

    /** The structural fingerprint of what a sink wrote, once its file is closed. */
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
  private final ProcessLauncher processes;
  private final Stats stats = new Stats();
  private final SinkListener listener;

  public ExampleLauncher(BufferAllocator allocator, Path outputDir) {
    this(allocator, outputDir, (id, n) -> {});
  }

  public ExampleLauncher(BufferAllocator allocator, Path outputDir, SinkListener listener) {
    this.allocator = allocator;
    this.outputDir = outputDir;
    this.processes = new ProcessLauncher(outputDir.resolve("logs"));
    this.listener = listener;
  }

  public Stats stats() {
    return stats;
  }

  @Override
  public Handle launch(Pipeline.Component c, Map<String, String> env) throws IOException {
    String kind = c.command().isEmpty() ? "" : c.command().get(0);
    return switch (kind) {
      case "example:ttp-source" -> source(c, env);
      case "example:asset-totals" -> processor(c, env);
      case "example:parquet-sink" -> sink(c, env);
      default -> processes.launch(c, env);
    };
  }

  private static boolean arrow(Pipeline.Component c, Map<String, String> env) {
    return c.arrow().enabled() && !"false".equalsIgnoreCase(env.get("FLOWCTL_ARROW_ENABLED"));
  }

  private Handle source(Pipeline.Component c, Map<String, String> env) throws IOException {
    int batches = Integer.parseInt(env.getOrDefault("TTP_BATCHES", "100"));
    int rows = Integer.parseInt(env.getOrDefault("TTP_ROWS", "10000"));
    boolean arrow = arrow(c, env);
    CodecMetrics metrics = CodecMetrics.create(allocator);
    stats.metrics.put(c.id(), metrics);
    String outputType;
    ArrowSourceService.Feed feed;
    if (arrow) {
      outputType = first(c.outputSchemas().keySet(), TtpEvents.EVENT_TYPE);
      ArrowEventCodec codec = outputCodec(c, outputType, metrics);
      feed =
          Loopback.ttpFeed(
              codec,
              batches,
              rows,
              allocator,
              bytes -> {
                stats.sourceEvents.incrementAndGet();
                stats.sourceRows.addAndGet(rows);
                stats.sourceBytes.addAndGet(bytes);
              });
    } else {
      outputType = TtpEvents.ROW_EVENT_TYPE;
      feed =
          Loopback.ttpRowFeed(
              batches,
              rows,
              allocator,
              bytes -> {
                stats.sourceEvents.incrementAndGet();
                stats.sourceRows.incrementAndGet();
                stats.sourceBytes.addAndGet(bytes);
              });
    }
    Server server = Loopback.serve(new ArrowSourceService(c.id(), feed));
    ControlPlaneClient client =
        register(
            c,
            env,
            ServiceType.SERVICE_TYPE_SOURCE,
            server.getPort(),
            metrics,
            List.of(),
            List.of(outputType),
            arrow);
    return handle(
        () -> true, client, () -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
  }

  /** The codec of a component's output: its event type, the YAML's compression, its metrics. */
  private static ArrowEventCodec outputCodec(
      Pipeline.Component c, String eventType, CodecMetrics metrics) {
    return ArrowEventCodec.builder()
        .eventType(eventType)
        .compression(Compression.parse(c.arrow().compression()))
        .metrics(metrics)
        .build();
  }

  private Handle processor(Pipeline.Component c, Map<String, String> env) throws IOException {
    boolean arrow = arrow(c, env);
    ManagedChannel cp = channel(env.get("FLOWCTL_ENDPOINT"));
    ManagedChannel upstream = channel(Discovery.endpointOf(cp, c.inputs().get(0)));
    CodecMetrics metrics = CodecMetrics.create(allocator);
    stats.metrics.put(c.id(), metrics);
    String outputType =
        arrow
            ? first(c.schemaMapping().values(), AssetTotals.EVENT_TYPE)
            : AssetTotals.ROW_EVENT_TYPE;
    ArrowEventCodec codec = outputCodec(c, outputType, metrics);
    AssetTotals totals = new AssetTotals(1_000_000_000L);
    // region hybrid
    ArrowProcessor.Handler handler =
        new ArrowProcessor.Handler() {
          private final List<Event> rows = new ArrayList<>();

          @Override
          public void handle(Event in, ArrowProcessor.Emitter out) throws Exception {
            if (EventTypes.isArrow(in.getEventType())) {
              try (ArrowEventReader reader = codec.decode(in, allocator)) {
                while (reader.loadNextBatch()) {
                  emit(reader.root(), out);
                }
              }
            } else {
              rows.add(in); // a protobuf row: converted to Arrow a batch at a time
              if (rows.size() >= c.arrow().batchSize()) {
                finish(out);
              }
            }
          }

          @Override
          public void finish(ArrowProcessor.Emitter out) throws Exception {
            if (rows.isEmpty()) {
              return;
            }
            try (VectorSchemaRoot batch = ProtobufRows.toBatch(rows, TtpEvents.SCHEMA, allocator)) {
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
    ArrowProcessor p =
        ArrowProcessor.withHandler(
            c.id(),
            upstream,
            StreamRequest.getDefaultInstance(),
            8,
            handler,
            (id, e, x) -> metrics.processingError());
    Server server = Loopback.serve(p.outputService());
    ControlPlaneClient client =
        register(
            c,
            env,
            ServiceType.SERVICE_TYPE_PROCESSOR,
            server.getPort(),
            metrics,
            List.of(TtpEvents.EVENT_TYPE, TtpEvents.ROW_EVENT_TYPE),
            List.of(outputType),
            arrow);
    p.start();
    return handle(
        () -> true,
        client,
        p,
        () -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS),
        () -> upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS),
        () -> cp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
  }

  private Handle sink(Pipeline.Component c, Map<String, String> env) throws IOException {
    ManagedChannel cp = channel(env.get("FLOWCTL_ENDPOINT"));
    ManagedChannel upstream = channel(Discovery.endpointOf(cp, c.inputs().get(0)));
    CodecMetrics metrics = CodecMetrics.create(allocator);
    stats.metrics.put(c.id(), metrics);
    ArrowEventCodec codec = ArrowEventCodec.builder().metrics(metrics).build();
    Files.createDirectories(outputDir);
    Loopback.ParquetFile output =
        new Loopback.ParquetFile(
            outputDir.resolve(c.id() + ".parquet"),
            AssetTotals.SCHEMA,
            ParquetEventCodec.builder().compression(parquetCompression(c)).build(),
            allocator);
    stats.outputs.put(c.id(), output);
    List<Event> rows = new ArrayList<>();
    ArrowStreamConsumer consumer =
        new ArrowStreamConsumer(
            upstream,
            StreamRequest.getDefaultInstance(),
            8,
            (Event e) -> {
              if (EventTypes.isArrow(e.getEventType())) {
                try (ArrowEventReader in = codec.decode(e, allocator)) {
                  while (in.loadNextBatch()) {
                    output.append(in.root());
                  }
                }
              } else {
                rows.add(e);
              }
              listener.received(c.id(), stats.sinkEvents.incrementAndGet());
            },
            (id, e, x) -> metrics.processingError(),
            Duration.ofMillis(200));
    ControlPlaneClient client =
        register(
            c,
            env,
            ServiceType.SERVICE_TYPE_SINK,
            0,
            metrics,
            List.of(AssetTotals.EVENT_TYPE, AssetTotals.ROW_EVENT_TYPE),
            List.of(),
            arrow(c, env));
    AtomicBoolean written = new AtomicBoolean();
    CompletableFuture<Void> done =
        consumer
            .start()
            .whenComplete(
                (ok, err) -> {
                  try {
                    if (!rows.isEmpty()) {
                      try (VectorSchemaRoot batch =
                          ProtobufRows.toBatch(rows, AssetTotals.SCHEMA, allocator)) {
                        output.append(batch);
                      }
                    }
                    output.close();
                  } catch (IOException | RuntimeException e) {
                    throw new IllegalStateException(
                        c.id() + ": cannot write " + output.path() + ": " + e.getMessage(), e);
                  } finally {
                    written.set(true);
                  }
                });
    return handle(
        () -> !written.get(),
        consumer,
        client,
        output,
        () -> upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS),
        () -> cp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
  }

  /**
   * The sink's Parquet page compression: its {@code config.arrow.compression} if Parquet has it.
   */
  private static io.flowctl.client.codec.ParquetCompression parquetCompression(
      Pipeline.Component c) {
    String name = c.arrow().compression();
    return name.equals("lz4")
        ? io.flowctl.client.codec.ParquetCompression.LZ4_RAW
        : io.flowctl.client.codec.ParquetCompression.parse(name);
  }

  private ControlPlaneClient register(
      Pipeline.Component c,
      Map<String, String> env,
      ServiceType type,
      int port,
      CodecMetrics metrics,
      List<String> inputs,
      List<String> outputs,
      boolean arrow) {
    ServiceInfo.Builder info =
        ServiceInfo.newBuilder()
            .setServiceId(env.get("FLOWCTL_SERVICE_ID"))
            .setComponentId(env.get("FLOWCTL_COMPONENT_ID"))
            .setServiceType(type)
            .setMaxInflight(8)
            .putMetadata("data_format", arrow ? "arrow" : "protobuf")
            .addAllInputEventTypes(inputs)
            .addAllOutputEventTypes(outputs);
    if (arrow) {
      info.putMetadata("arrow_version", "19.0.0");
      info.putMetadata("arrow_compression", c.arrow().compression());
    }
    if (env.containsKey("FLOWCTL_PIPELINE")) {
      info.putMetadata("pipeline", env.get("FLOWCTL_PIPELINE"));
    }
    if (port > 0) {
      info.setHealthEndpoint("127.0.0.1:" + port);
    }
    String interval = env.getOrDefault("FLOWCTL_HEARTBEAT_INTERVAL", "1000ms");
    ControlPlaneClient client =
        ControlPlaneClient.builder(env.get("FLOWCTL_ENDPOINT"), info.build())
            .codecMetrics(metrics)
            .heartbeatInterval(Duration.ofMillis(Long.parseLong(interval.replace("ms", ""))))
            .build();
    client.start();
    if (arrow) {
      // The pipeline file's output schemas become versions of their subjects.
      c.outputSchemas()
          .forEach(
              (eventType, schema) -> {
                try {
                  client.registerSchema(eventType, schema);
                } catch (io.grpc.StatusRuntimeException refused) {
                  metrics.compatibilityCheckFailure();
                }
              });
    }
    return client;
  }

  private static String first(java.util.Collection<String> values, String fallback) {
    return values.isEmpty() ? fallback : values.iterator().next();
  }

  private static ManagedChannel channel(String target) {
    return NettyChannelBuilder.forTarget(target).usePlaintext().build();
  }

  private static Handle handle(BooleanSupplier alive, AutoCloseable... resources) {
    List<AutoCloseable> list = new ArrayList<>(List.of(resources));
    return new Handle() {
      @Override
      public boolean alive() {
        return alive.getAsBoolean();
      }

      @Override
      public void close() {
        for (AutoCloseable r : list) {
          try {
            r.close();
          } catch (Exception ignored) {
            // stopping the component
          }
        }
      }
    };
  }
}
