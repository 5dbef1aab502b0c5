package io.flowctl.examples;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.ArrowStreamConsumer;
import io.flowctl.client.stream.Discovery;
import io.flowctl.proto.Event;
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
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Launches the example components in this JVM ({@code command: ["example:ttp-source"]}, {@code
 * example:asset-totals}, {@code example:ipc-sink}); any other command becomes an OS process. Each
 * example component serves gRPC on loopback, registers itself with the endpoint in {@code
 * FLOWCTL_ENDPOINT} and finds its input through the control plane.
 */
public final class ExampleLauncher implements Launcher {
  private final BufferAllocator allocator;
  private final Path outputDir;
  private final ProcessLauncher processes;

  public ExampleLauncher(BufferAllocator allocator, Path outputDir) {
    this.allocator = allocator;
    this.outputDir = outputDir;
    this.processes = new ProcessLauncher(outputDir.resolve("logs"));
  }

  @Override
  public Handle launch(Pipeline.Component c, Map<String, String> env) throws IOException {
    String kind = c.command().isEmpty() ? "" : c.command().get(0);
    return switch (kind) {
      case "example:ttp-source" -> source(c, env);
      case "example:asset-totals" -> processor(c, env);
      case "example:ipc-sink" -> sink(c, env);
      default -> processes.launch(c, env);
    };
  }

  private Handle source(Pipeline.Component c, Map<String, String> env) throws IOException {
    int batches = Integer.parseInt(env.getOrDefault("TTP_BATCHES", "100"));
    int rows = Integer.parseInt(env.getOrDefault("TTP_ROWS", "10000"));
    CodecMetrics metrics = CodecMetrics.create(allocator);
    ArrowEventCodec codec =
        ArrowEventCodec.builder()
            .eventType(first(c.outputSchemas().keySet(), TtpEvents.EVENT_TYPE))
            .compression(
                c.arrow().enabled() ? Compression.parse(c.arrow().compression()) : Compression.NONE)
            .metrics(metrics)
            .build();
    Server server =
        Loopback.serve(
            new ArrowSourceService(
                c.id(), Loopback.ttpFeed(codec, batches, rows, allocator, bytes -> {})));
    ControlPlaneClient client =
        register(
            c,
            env,
            ServiceType.SERVICE_TYPE_SOURCE,
            server.getPort(),
            metrics,
            List.of(),
            List.copyOf(c.outputSchemas().keySet()));
    return handle(
        () -> true, client, () -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
  }

  private Handle processor(Pipeline.Component c, Map<String, String> env) throws IOException {
    ManagedChannel cp = channel(env.get("FLOWCTL_ENDPOINT"));
    ManagedChannel upstream = channel(Discovery.endpointOf(cp, c.inputs().get(0)));
    CodecMetrics metrics = CodecMetrics.create(allocator);
    String outputType = first(c.schemaMapping().values(), AssetTotals.EVENT_TYPE);
    AssetTotals totals = new AssetTotals(1_000_000_000L);
    ArrowProcessor p =
        new ArrowProcessor(
            c.id(),
            upstream,
            StreamRequest.getDefaultInstance(),
            8,
            ArrowEventCodec.builder().eventType(outputType).metrics(metrics).build(),
            allocator,
            (in, alloc) -> totals.apply(in.root(), alloc),
            null);
    Server server = Loopback.serve(p.outputService());
    ControlPlaneClient client =
        register(
            c,
            env,
            ServiceType.SERVICE_TYPE_PROCESSOR,
            server.getPort(),
            metrics,
            List.copyOf(c.schemaMapping().keySet()),
            List.of(outputType));
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
    ArrowEventCodec codec = ArrowEventCodec.builder().metrics(metrics).build();
    Files.createDirectories(outputDir);
    Path file = outputDir.resolve(c.id() + ".arrows");
    Loopback.IpcFile output = new Loopback.IpcFile(file, AssetTotals.SCHEMA, allocator);
    ArrowStreamConsumer consumer =
        new ArrowStreamConsumer(
            upstream,
            StreamRequest.getDefaultInstance(),
            8,
            (Event e) -> {
              try (ArrowEventReader in = codec.decode(e, allocator)) {
                output.append(in);
              }
            },
            null,
            Duration.ofMillis(200));
    ControlPlaneClient client =
        register(
            c,
            env,
            ServiceType.SERVICE_TYPE_SINK,
            0,
            metrics,
            List.of(AssetTotals.EVENT_TYPE),
            List.of());
    CompletableFuture<Void> done = consumer.start();
    return handle(
        () -> !done.isDone(),
        consumer,
        client,
        output,
        () -> upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS),
        () -> cp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
  }

  private ControlPlaneClient register(
      Pipeline.Component c,
      Map<String, String> env,
      ServiceType type,
      int port,
      CodecMetrics metrics,
      List<String> inputs,
      List<String> outputs) {
    ServiceInfo.Builder info =
        ServiceInfo.newBuilder()
            .setServiceId(env.get("FLOWCTL_SERVICE_ID"))
            .setComponentId(env.get("FLOWCTL_COMPONENT_ID"))
            .setServiceType(type)
            .setMaxInflight(8)
            .putMetadata("data_format", c.arrow().enabled() ? "arrow" : "protobuf")
            .addAllInputEventTypes(inputs)
            .addAllOutputEventTypes(outputs);
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
    return client;
  }

  private static String first(java.util.Collection<String> values, String fallback) {
    return values.isEmpty() ? fallback : values.iterator().next();
  }

  private static ManagedChannel channel(String target) {
    return NettyChannelBuilder.forTarget(target).usePlaintext().build();
  }

  private static Handle handle(
      java.util.function.BooleanSupplier alive, AutoCloseable... resources) {
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
