package io.flowctl.examples;

import io.flowctl.FlowctlException;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.proto.RunStatus;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.PipelineParser;
import io.flowctl.server.pipeline.PipelineRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The example pipeline end to end on one machine, the way {@code flowctl run} runs any pipeline:
 * {@code pipelines/ttp-arrow.yaml} is parsed and validated, an embedded control plane (SQLite)
 * starts, and the runner launches the source, the asset-totals processor and the Parquet sink in
 * dependency order, each a real gRPC service on loopback that registers, sends heartbeats and finds
 * its upstream through the control plane. The run is recorded through the pipeline-run API.
 */
public final class DemoPipeline {
  /** The bundled pipeline file, and the schema files it names. */
  static final String PIPELINE = "pipelines/ttp-arrow.yaml";

  static final List<String> SCHEMAS = List.of("ttp_events_v1.arrow", "asset_totals_v1.arrow");

  /** What a demo run did. */
  public record Summary(
      long sourceEvents,
      long sourceRows,
      long payloadBytes,
      double compressionRatio,
      long outputRows,
      String inputFingerprint,
      String outputFingerprint,
      double rowsPerSecond,
      Path output,
      List<String> services,
      List<String> startOrder,
      String runStatus,
      boolean arrow) {}

  private DemoPipeline() {}

  /** Runs the demo with Arrow on. */
  public static Summary run(Path dataDir, int batches, int rowsPerBatch, PrintStream progress)
      throws Exception {
    return run(dataDir, batches, rowsPerBatch, true, progress);
  }

  /**
   * Runs the demo; with {@code arrow} false every component speaks plain protobuf (the rollback
   * switch), and the output is the same.
   */
  public static Summary run(
      Path dataDir, int batches, int rowsPerBatch, boolean arrow, PrintStream progress)
      throws Exception {
    Files.createDirectories(dataDir);
    Path yaml = unpack(dataDir.resolve("pipeline"));
    PipelineParser.Result parsed = PipelineParser.parse(yaml);
    if (!parsed.valid()) {
      throw new FlowctlException(
          FlowctlException.Code.INTERNAL,
          "the bundled pipeline is invalid: "
              + parsed.problems().stream().map(Object::toString).collect(Collectors.joining("; ")));
    }
    Pipeline pipeline = parsed.pipeline().orElseThrow();
    progress.println(
        "pipeline " + pipeline.name() + " (" + yaml + "): valid" + (arrow ? "" : ", Arrow off"));
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
      long expected = arrow ? batches : (long) batches * rowsPerBatch;
      ExampleLauncher examples =
          new ExampleLauncher(
              allocator,
              dataDir,
              (sink, n) -> {
                if (arrow && (n % Math.max(1, batches / 10) == 0 || n == batches)) {
                  progress.printf("  %d/%d batches through the pipeline%n", n, batches);
                }
              });
      PipelineRunner runner =
          cp.runner( // runs recorded through the pipeline-run RPCs
                  (c, env) -> {
                    Map<String, String> e = new HashMap<>(env);
                    if (c.role() == Pipeline.Role.SOURCE) {
                      e.put("TTP_BATCHES", Integer.toString(batches));
                      e.put("TTP_ROWS", Integer.toString(rowsPerBatch));
                    }
                    return examples.launch(c, e);
                  })
              .startTimeout(Duration.ofSeconds(30))
              .heartbeatInterval(Duration.ofMillis(500))
              .arrow(arrow)
              .build();
      String runId;
      List<String> order;
      List<String> services;
      long flowing;
      try (PipelineRunner.Running running = runner.start(pipeline)) {
        runId = running.runId();
        order = running.startOrder();
        progress.println("started " + String.join(" -> ", order) + " (run " + runId + ")");
        flowing = System.nanoTime(); // every component is up: the data flows from here
        // Registered while they run: they unregister when they stop.
        services = cp.services().list().stream().map(s -> s.serviceId()).toList();
        try {
          // The runner moves the data as upstream's does, and stops the components at the end.
          running.completion().get(10, java.util.concurrent.TimeUnit.MINUTES);
        } catch (java.util.concurrent.TimeoutException e) {
          throw new FlowctlException(
              FlowctlException.Code.DEADLINE_EXCEEDED, "the demo did not finish in 10 minutes");
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause() instanceof FlowctlException f
              ? f
              : new FlowctlException(
                  FlowctlException.Code.INTERNAL, "the demo failed: " + e.getCause(), e);
        }
      }
      double seconds = (System.nanoTime() - flowing) / 1e9;
      ExampleLauncher.Stats stats = examples.stats();
      String source = first(pipeline, Pipeline.Role.SOURCE);
      String sink = first(pipeline, Pipeline.Role.SINK);
      CodecMetrics.Report src = stats.metrics(source);
      if (stats.sourceEvents() != expected) {
        throw new FlowctlException(
            FlowctlException.Code.INTERNAL,
            "the source sent " + stats.sourceEvents() + " events, not " + expected);
      }
      return new Summary(
          stats.sourceEvents(),
          stats.sourceRows(),
          stats.sourceBytes(),
          arrow ? src.compressionRatio() : 1.0,
          stats.outputRows(sink),
          SchemaFingerprints.structural(TtpEvents.SCHEMA).toString(),
          stats.outputFingerprint(sink),
          stats.sourceRows() / seconds,
          stats.outputs().get(sink),
          services,
          order,
          runStatus(cp.runs().get(runId).getStatus()),
          arrow);
    }
  }

  /** RUN_STATUS_COMPLETED as "completed". */
  static String runStatus(RunStatus s) {
    return s.name().replace("RUN_STATUS_", "").toLowerCase(java.util.Locale.ROOT);
  }

  private static String first(Pipeline p, Pipeline.Role role) {
    return p.components().stream()
        .filter(c -> c.role() == role)
        .map(Pipeline.Component::id)
        .findFirst()
        .orElseThrow();
  }

  /** Copies the bundled pipeline file and its schemas under {@code dir}; returns the file. */
  static Path unpack(Path dir) throws IOException {
    Path yaml = dir.resolve(PIPELINE);
    copy(PIPELINE, yaml);
    for (String schema : SCHEMAS) {
      copy("schemas/" + schema, dir.resolve("schemas").resolve(schema));
    }
    return yaml;
  }

  private static void copy(String resource, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try (InputStream in = DemoPipeline.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("the examples jar lacks " + resource);
      }
      Files.copy(in, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
