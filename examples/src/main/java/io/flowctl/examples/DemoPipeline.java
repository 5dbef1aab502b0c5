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
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The example pipeline end to end on one machine: an embedded control plane, a TTP source, the
 * asset-totals processor and a sink, each a real gRPC service on loopback that registers, sends
 * heartbeats and finds its upstream through the control plane. The sink writes an Arrow IPC stream
 * file.
 */
public final class DemoPipeline {
  /** What a demo run did. */
  public record Summary(
      long sourceBatches,
      long sourceRows,
      long payloadBytes,
      double compressionRatio,
      long outputRows,
      String inputFingerprint,
      String outputFingerprint,
      double rowsPerSecond,
      Path output,
      List<String> services) {}

  private DemoPipeline() {}

  public static Summary run(Path dataDir, int batches, int rowsPerBatch, PrintStream progress)
      throws Exception {
    Files.createDirectories(dataDir);
    Path output = dataDir.resolve("asset-totals.arrows");
    long start = System.nanoTime();
    java.time.Instant startedAt = java.time.Instant.now();
    try (BufferAllocator allocator = new RootAllocator(1L << 30);
        FlowctlServer cp =
            FlowctlServer.builder()
                .host("127.0.0.1")
                .port(0)
                .store("sqlite:" + dataDir.resolve("flowctl.db"))
                .start()) {
      String target = "127.0.0.1:" + cp.port();
      progress.println(
          "control plane on " + target + " (SQLite " + dataDir.resolve("flowctl.db") + ")");
      CodecMetrics sourceMetrics = CodecMetrics.create(allocator);
      CodecMetrics processorMetrics = CodecMetrics.create(allocator);
      CodecMetrics sinkMetrics = CodecMetrics.create(allocator);
      List<AutoCloseable> open = new ArrayList<>();
      try {
        // Source.
        ArrowEventCodec sourceCodec =
            ArrowEventCodec.builder()
                .eventType(TtpEvents.EVENT_TYPE)
                .compression(Compression.LZ4)
                .metrics(sourceMetrics)
                .build();
        AtomicLong payload = new AtomicLong();
        ArrowSourceService.Feed feed =
            Loopback.ttpFeed(sourceCodec, batches, rowsPerBatch, allocator, payload::addAndGet);
        Server source = Loopback.serve(new ArrowSourceService("ttp-source", feed));
        open.add(() -> source.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        open.add(
            client(
                target,
                "ttp-source",
                ServiceType.SERVICE_TYPE_SOURCE,
                null,
                TtpEvents.EVENT_TYPE,
                source.getPort(),
                sourceMetrics));
        awaitRegistered(cp, "ttp-source", startedAt);

        // Processor.
        ManagedChannel cpChannel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
        open.add(() -> cpChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        ManagedChannel toSource =
            NettyChannelBuilder.forTarget(Discovery.producerOf(cpChannel, TtpEvents.EVENT_TYPE))
                .usePlaintext()
                .build();
        open.add(() -> toSource.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        AssetTotals totals = new AssetTotals(1_000_000_000L);
        ArrowProcessor processor =
            new ArrowProcessor(
                "ttp-asset-totals",
                toSource,
                StreamRequest.getDefaultInstance(),
                8,
                ArrowEventCodec.builder()
                    .eventType(AssetTotals.EVENT_TYPE)
                    .metrics(processorMetrics)
                    .build(),
                allocator,
                (in, alloc) -> totals.apply(in.root(), alloc),
                (id, e, x) ->
                    progress.println("processor: event " + id + " failed: " + x.getMessage()));
        Server processorServer = Loopback.serve(processor.outputService());
        open.add(() -> processorServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        open.add(processor);
        open.add(
            client(
                target,
                "ttp-asset-totals",
                ServiceType.SERVICE_TYPE_PROCESSOR,
                TtpEvents.EVENT_TYPE,
                AssetTotals.EVENT_TYPE,
                processorServer.getPort(),
                processorMetrics));
        processor.start();
        awaitRegistered(cp, "ttp-asset-totals", startedAt);

        // Sink: an Arrow IPC stream file of the totals.
        ManagedChannel toProcessor =
            NettyChannelBuilder.forTarget(Discovery.producerOf(cpChannel, AssetTotals.EVENT_TYPE))
                .usePlaintext()
                .build();
        open.add(() -> toProcessor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        ArrowEventCodec sinkCodec = ArrowEventCodec.builder().metrics(sinkMetrics).build();
        AtomicLong outRows = new AtomicLong();
        AtomicLong events = new AtomicLong();
        String[] outputFingerprint = {""};
        try (Loopback.IpcFile file = new Loopback.IpcFile(output, AssetTotals.SCHEMA, allocator)) {
          ArrowStreamConsumer sink =
              new ArrowStreamConsumer(
                  toProcessor,
                  StreamRequest.getDefaultInstance(),
                  8,
                  (Event e) -> {
                    try (ArrowEventReader in = sinkCodec.decode(e, allocator)) {
                      outputFingerprint[0] = e.getArrowMetadata().getSchemaFingerprint();
                      outRows.addAndGet(file.append(in));
                    }
                    long n = events.incrementAndGet();
                    if (n % Math.max(1, batches / 10) == 0 || n == batches) {
                      progress.printf("  %d/%d batches through the pipeline%n", n, batches);
                    }
                  },
                  (id, e, x) ->
                      progress.println("sink: event " + id + " failed: " + x.getMessage()),
                  Duration.ofMillis(200));
          open.add(
              client(
                  target,
                  "ttp-sink",
                  ServiceType.SERVICE_TYPE_SINK,
                  AssetTotals.EVENT_TYPE,
                  null,
                  0,
                  sinkMetrics));
          sink.start().get(10, TimeUnit.MINUTES);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        CodecMetrics.Report src = sourceMetrics.report();
        List<String> services = cp.services().list().stream().map(s -> s.serviceId()).toList();
        return new Summary(
            src.encodedBatches(),
            src.encodedRows(),
            payload.get(),
            src.compressionRatio(),
            outRows.get(),
            SchemaFingerprints.structural(TtpEvents.SCHEMA).toString(),
            outputFingerprint[0],
            src.encodedRows() / seconds,
            output,
            services);
      } finally {
        for (int i = open.size() - 1; i >= 0; i--) {
          try {
            open.get(i).close();
          } catch (Exception ignored) {
            // shutting down the demo
          }
        }
      }
    }
  }

  private static ControlPlaneClient client(
      String target,
      String id,
      ServiceType type,
      String input,
      String output,
      int port,
      CodecMetrics metrics) {
    ServiceInfo.Builder b =
        ServiceInfo.newBuilder()
            .setServiceId(id)
            .setServiceType(type)
            .setMaxInflight(8)
            .putMetadata("data_format", "arrow")
            .putMetadata("arrow_version", "19.0.0");
    if (port > 0) {
      b.setHealthEndpoint("127.0.0.1:" + port);
    }
    if (input != null) {
      b.addInputEventTypes(input);
    }
    if (output != null) {
      b.addOutputEventTypes(output);
    }
    ControlPlaneClient c =
        ControlPlaneClient.builder(target, b.build())
            .codecMetrics(metrics)
            .heartbeatInterval(Duration.ofMillis(500))
            .build();
    c.start();
    return c;
  }

  /** Waits for a heartbeat of this run; records an interrupted earlier run left do not count. */
  private static void awaitRegistered(FlowctlServer cp, String id, java.time.Instant since)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (cp.services().status(id).filter(s -> s.lastHeartbeat().isAfter(since)).isEmpty()) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("'" + id + "' did not register");
      }
      Thread.sleep(20);
    }
  }
}
