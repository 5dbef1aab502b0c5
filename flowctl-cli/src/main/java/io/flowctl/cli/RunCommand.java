package io.flowctl.cli;

import io.flowctl.server.FlowctlServer;
import io.flowctl.server.pipeline.Launcher;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.PipelineParser;
import io.flowctl.server.pipeline.PipelineRunner;
import io.flowctl.server.pipeline.Problem;
import io.flowctl.server.pipeline.ProcessLauncher;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flowctl run PIPELINE.yaml}: a pipeline with an embedded control plane. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run a pipeline with an embedded control plane, as upstream's runner runs it.",
      "Its components start in dependency order, each once it is registered and healthy; every"
          + " link's schemas are checked before data flows; they stop in reverse order when the"
          + " sinks are done or on SIGTERM. Commands 'example:*' run the bundled example components"
          + " in this JVM; other commands run as processes with FLOWCTL_ENDPOINT,"
          + " FLOWCTL_SERVICE_ID, ... set. Exits 1 when the run fails or a component refused"
          + " events."
    })
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "PIPELINE.yaml", description = "A flowctl/v1 Pipeline file.")
  Path file;

  @Option(
      names = "--data",
      defaultValue = "flowctl-data/run",
      paramLabel = "DIR",
      description = "Store, logs and outputs (default ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--start-timeout",
      defaultValue = "60s",
      converter = ServeCommand.DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How long each component may take to register and be healthy (default ${DEFAULT-VALUE}).")
  Duration startTimeout;

  @Option(
      names = "--components",
      paramLabel = "FILE",
      description =
          "A catalog resolving 'type: name@version' components to commands (YAML: name@version:"
              + " [command, args...]); default FLOWCTL_COMPONENTS, else ./flowctl-components.yaml"
              + " when it exists.")
  Path components;

  @Option(
      names = "--control-plane-port",
      defaultValue = "0",
      paramLabel = "PORT",
      description =
          "Port of the embedded control plane (upstream's flag; default ${DEFAULT-VALUE}: any free"
              + " port; upstream's default is 8080, where its 'flowctl list' looks).")
  int controlPlanePort;

  @Option(
      names = "--control-plane-address",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description =
          "Address the embedded control plane listens on (upstream's flag; default"
              + " ${DEFAULT-VALUE}).")
  String controlPlaneAddress;

  @Option(
      names = "--no-arrow",
      description =
          "Switch Arrow off for every component (FLOWCTL_ARROW_ENABLED=false): the rollback switch."
              + " Also FLOWCTL_ARROW_ENABLED=false in this command's environment.")
  boolean noArrow;

  /** The first plugin's in-process launcher; without one, every component is an OS process. */
  private static Launcher launcher(BufferAllocator allocator, Path data) {
    for (CliPlugin plugin : FlowctlCommand.plugins()) {
      Optional<Launcher> launcher = plugin.launcher(allocator, data);
      if (launcher.isPresent()) {
        return launcher.get();
      }
    }
    return new ProcessLauncher(data.resolve("logs"));
  }

  private io.flowctl.server.pipeline.ComponentCatalog catalog() throws java.io.IOException {
    Path f = components;
    if (f == null && System.getenv("FLOWCTL_COMPONENTS") != null) {
      f = Path.of(System.getenv("FLOWCTL_COMPONENTS"));
    }
    if (f == null && java.nio.file.Files.exists(Path.of("flowctl-components.yaml"))) {
      f = Path.of("flowctl-components.yaml");
    }
    if (f == null) {
      return io.flowctl.server.pipeline.ComponentCatalog.empty();
    }
    if (!java.nio.file.Files.exists(f)) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT, f + ": no such component catalog");
    }
    return io.flowctl.server.pipeline.ComponentCatalog.load(f);
  }

  /** The run's own control plane, on --control-plane-address and --control-plane-port. */
  private FlowctlServer embeddedControlPlane() throws java.io.IOException {
    try {
      return FlowctlServer.builder()
          .host(controlPlaneAddress)
          .port(controlPlanePort)
          .store("sqlite:" + data.resolve("flowctl.db"))
          .start();
    } catch (java.io.IOException | RuntimeException e) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "cannot start the embedded control plane on "
              + controlPlaneAddress
              + ":"
              + controlPlanePort
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PipelineParser.Result parsed;
    try {
      parsed = PipelineParser.parse(file);
    } catch (NoSuchFileException e) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT, file + ": no such file");
    }
    if (!parsed.valid()) {
      for (Problem p : parsed.problems()) {
        out.println(p);
      }
      return ExitCodes.NOT_SATISFIED;
    }
    Pipeline pipeline = catalog().resolve(parsed.pipeline().orElseThrow());
    java.nio.file.Files.createDirectories(data);
    try (BufferAllocator allocator = new RootAllocator(2L << 30);
        FlowctlServer cp = embeddedControlPlane()) {
      out.println("control plane on " + controlPlaneAddress + ":" + cp.port());
      PipelineRunner runner =
          cp.runner(launcher(allocator, data)) // runs recorded through the pipeline-run RPCs
              .startTimeout(startTimeout)
              .heartbeatInterval(Duration.ofMillis(500))
              .arrow(!noArrow && !"false".equalsIgnoreCase(System.getenv("FLOWCTL_ARROW_ENABLED")))
              .build();
      PipelineRunner.Running running = runner.start(pipeline);
      out.println(
          "started "
              + String.join(" -> ", running.startOrder())
              + " (run "
              + running.runId()
              + ")");
      out.flush();
      // SIGTERM/SIGINT: stop the run (recorded STOPPED) before the JVM goes.
      java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
      Thread hook =
          new Thread(
              () -> {
                running.close();
                try {
                  stopped.await(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "flowctl-run-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      String failure = null;
      try {
        PipelineRunner.FlowResult result = running.completion().get();
        out.println(
            "moved "
                + result.sourceEvents()
                + " events from the sources; sinks consumed "
                + result.sinks().values().stream()
                    .mapToLong(io.flowctl.proto.v1.ConsumeResponse::getEventsConsumed)
                    .sum()
                + ", failed "
                + result.sinks().values().stream()
                    .mapToLong(io.flowctl.proto.v1.ConsumeResponse::getEventsFailed)
                    .sum());
        // Never silent: every component that refused events, with its first cause.
        result.refusals().forEach((id, r) -> out.println(r.describe(id)));
        if (!result.completed()) {
          failure = result.failure();
        }
      } catch (java.util.concurrent.ExecutionException e) {
        failure = e.getCause().getMessage();
      }
      running.close(); // the components stop; a completed or failed run stays recorded so
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is already stopping
      }
      List<String> sinks =
          pipeline.components().stream()
              .filter(c -> c.role() == Pipeline.Role.SINK)
              .map(Pipeline.Component::id)
              .toList();
      var run = cp.runs().get(running.runId());
      out.println("run " + run.getRunId() + ": " + run.getStatus());
      for (String sink : sinks) {
        Path output = data.resolve(sink + ".parquet");
        if (java.nio.file.Files.exists(output)) {
          out.println("  output " + output.toAbsolutePath());
        }
      }
      stopped.countDown();
      if (failure != null) {
        spec.commandLine().getErr().println("flowctl: the run failed: " + failure);
        return ExitCodes.NOT_SATISFIED;
      }
      return ExitCodes.OK;
    }
  }
}
