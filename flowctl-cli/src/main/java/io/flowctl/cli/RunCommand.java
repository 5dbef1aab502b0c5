package io.flowctl.cli;

import io.flowctl.server.FlowctlServer;
import io.flowctl.server.pipeline.ControlPlaneView;
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
          "Port of the embedded control plane, or of the external one with"
              + " --use-external-control-plane (upstream's flag; default ${DEFAULT-VALUE}: any free"
              + " port when embedded, 8080 when external).")
  int controlPlanePort;

  @Option(
      names = "--control-plane-address",
      defaultValue = "127.0.0.1",
      paramLabel = "ADDRESS",
      description =
          "Address the embedded control plane listens on, or where the external one serves"
              + " (upstream's flag; default ${DEFAULT-VALUE}).")
  String controlPlaneAddress;

  @Option(
      names = "--use-external-control-plane",
      description =
          "Run on a control plane that is already serving at --control-plane-address and"
              + " --control-plane-port (for example 'flowctl server'): its registries and run"
              + " history hold the run, and components already registered and healthy there are"
              + " driven where they run instead of being launched again. FLOWCTL_TOKEN and"
              + " FLOWCTL_TLS_CA apply to it.")
  boolean externalControlPlane;

  @Option(
      names = "--data-plane-ca",
      paramLabel = "PEM",
      description =
          "Components whose data planes serve TLS (flowctl-java components given"
              + " FLOWCTL_TLS_CERT/FLOWCTL_TLS_KEY register so) are reached with TLS, their"
              + " certificates checked against this CA (default: the JVM's trust store); the others"
              + " (Go components) in plaintext.")
  Path dataPlaneCa;

  @Option(
      names = "--data-plane-cert",
      paramLabel = "PEM",
      description = "The run's certificate for data planes that ask for one (mutual TLS).")
  Path dataPlaneCert;

  @Option(names = "--data-plane-key", paramLabel = "PEM", description = "Its PKCS#8 key.")
  Path dataPlaneKey;

  @Option(
      names = "--log-dir",
      paramLabel = "DIR",
      description = "Where launched components' logs go, one ID.log each (default DATA/logs).")
  Path logDir;

  @Option(
      names = "--show-status",
      arity = "0..1",
      defaultValue = "false",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description =
          "Print every component's health and metrics every --status-interval while the run"
              + " goes (upstream's flag; default ${DEFAULT-VALUE}).")
  boolean showStatus;

  @Option(
      names = "--status-interval",
      defaultValue = "5s",
      converter = ServeCommand.DurationConverter.class,
      paramLabel = "DURATION",
      description = "How often --show-status prints (default ${DEFAULT-VALUE}).")
  Duration statusInterval;

  @Option(
      names = "--no-arrow",
      description =
          "Switch Arrow off for every component (FLOWCTL_ARROW_ENABLED=false): the rollback switch."
              + " Also FLOWCTL_ARROW_ENABLED=false in this command's environment.")
  boolean noArrow;

  /** The first plugin's in-process launcher; without one, every component is an OS process. */
  private Launcher launcher(BufferAllocator allocator) {
    Launcher processes = new ProcessLauncher(logDir != null ? logDir : data.resolve("logs"));
    for (CliPlugin plugin : FlowctlCommand.plugins()) {
      Optional<Launcher> launcher = plugin.launcher(allocator, data, processes);
      if (launcher.isPresent()) {
        return launcher.get();
      }
    }
    return processes;
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
    if (logDir != null) {
      java.nio.file.Files.createDirectories(logDir);
    }
    try (BufferAllocator allocator = new RootAllocator(2L << 30);
        ControlPlane cp = externalControlPlane ? external() : embedded()) {
      out.println(
          "control plane on "
              + cp.address()
              + (externalControlPlane ? " (external)" : " (embedded)"));
      PipelineRunner runner =
          cp.runner(launcher(allocator))
              .startTimeout(startTimeout)
              .heartbeatInterval(Duration.ofMillis(500))
              .arrow(!noArrow && !"false".equalsIgnoreCase(System.getenv("FLOWCTL_ARROW_ENABLED")))
              .adoptRunning(externalControlPlane)
              .dataPlaneTls(dataPlaneTls())
              .build();
      PipelineRunner.Running running = runner.start(pipeline);
      out.println(
          "started "
              + String.join(" -> ", running.startOrder())
              + " (run "
              + running.runId()
              + ")");
      if (!running.adopted().isEmpty()) {
        out.println("driven where they run: " + String.join(", ", running.adopted()));
      }
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
      java.util.concurrent.ScheduledExecutorService status = showStatus(cp, pipeline, out);
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
      } finally {
        if (status != null) {
          status.shutdownNow();
        }
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

  /** --show-status: every component's health and metrics every --status-interval; null when off. */
  private java.util.concurrent.ScheduledExecutorService showStatus(
      ControlPlane cp, Pipeline pipeline, PrintWriter out) {
    if (!showStatus) {
      return null;
    }
    var timer =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "flowctl-run-status");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(
        () -> {
          StringBuilder b =
              new StringBuilder("status at ")
                  .append(java.time.LocalTime.now().withNano(0))
                  .append(" (control plane ")
                  .append(cp.address())
                  .append(")\n");
          int healthy = 0;
          for (Pipeline.Component c : pipeline.components()) {
            Optional<ControlPlaneView.Registered> s;
            try {
              s = cp.view().component(c.id());
            } catch (io.flowctl.FlowctlException e) {
              b.append("  ").append(e.getMessage()).append('\n');
              break;
            }
            healthy += s.map(r -> r.healthy() ? 1 : 0).orElse(0);
            b.append(
                String.format(
                    "  %-24s %-14s",
                    c.id(),
                    s.map(r -> r.healthy() ? "HEALTHY" : "UNHEALTHY").orElse("NOT REGISTERED")));
            s.ifPresent(
                r -> {
                  b.append(" last seen ")
                      .append(
                          java.time.LocalTime.ofInstant(
                                  r.lastHeartbeat(), java.time.ZoneId.systemDefault())
                              .withNano(0));
                  new java.util.TreeMap<>(r.metrics())
                      .forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
                });
            b.append('\n');
          }
          b.append("  ")
              .append(healthy)
              .append('/')
              .append(pipeline.components().size())
              .append(" components healthy");
          synchronized (out) {
            out.println(b);
            out.flush();
          }
        },
        0, // once as data starts to flow, then every interval
        statusInterval.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
    return timer;
  }

  /** The control plane a run uses: embedded, or one already serving. */
  private interface ControlPlane extends AutoCloseable {
    String address();

    ControlPlaneView view();

    PipelineRunner.Builder runner(Launcher launcher);

    io.flowctl.server.pipeline.RunRecorder runs();

    @Override
    void close();
  }

  private ControlPlane embedded() throws java.io.IOException {
    FlowctlServer cp = embeddedControlPlane();
    ControlPlaneView view = ControlPlaneView.local(cp.services(), null);
    io.flowctl.server.pipeline.RunRecorder runs = cp.runs();
    return new ControlPlane() {
      @Override
      public String address() {
        return controlPlaneAddress + ":" + cp.port();
      }

      @Override
      public ControlPlaneView view() {
        return view;
      }

      @Override
      public PipelineRunner.Builder runner(Launcher launcher) {
        return cp.runner(launcher); // runs recorded through the pipeline-run RPCs
      }

      @Override
      public io.flowctl.server.pipeline.RunRecorder runs() {
        return runs;
      }

      @Override
      public void close() {
        cp.close();
      }
    };
  }

  /**
   * How the run reaches components whose data planes serve TLS (they register {@code
   * data_plane_tls=true}): trusting --data-plane-ca, presenting --data-plane-cert to those that
   * ask. Others, Go components among them, in plaintext.
   */
  private io.flowctl.server.pipeline.DataPlaneTls dataPlaneTls() {
    if ((dataPlaneCert == null) != (dataPlaneKey == null)) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "--data-plane-cert and --data-plane-key go together");
    }
    return new io.flowctl.server.pipeline.DataPlaneTls(dataPlaneCa, dataPlaneCert, dataPlaneKey);
  }

  /** --use-external-control-plane: its RPCs answer for the registries and record the run. */
  private ControlPlane external() {
    int port = controlPlanePort == 0 ? 8080 : controlPlanePort;
    String address = controlPlaneAddress + ":" + port;
    io.flowctl.client.control.ControlPlaneChannel.Builder b =
        io.flowctl.client.control.ControlPlaneChannel.builder(address);
    String token = System.getenv("FLOWCTL_TOKEN");
    if (token != null && !token.isBlank()) {
      b.bearerToken(token.strip());
    }
    String ca = System.getenv("FLOWCTL_TLS_CA");
    if (ca != null && !ca.isBlank()) {
      b.tls(Path.of(ca));
    }
    io.grpc.ManagedChannel channel = b.build();
    ControlPlaneView view = ControlPlaneView.remote(channel, address);
    io.flowctl.server.pipeline.RunRecorder runs =
        io.flowctl.server.pipeline.RunRecorder.grpc(channel);
    try {
      view.component("flowctl-run-probe"); // unreachable: one clear line before anything starts
    } catch (io.flowctl.FlowctlException e) {
      channel.shutdownNow();
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "cannot reach the control plane at " + address + " (--use-external-control-plane)",
          e);
    }
    return new ControlPlane() {
      @Override
      public String address() {
        return address;
      }

      @Override
      public ControlPlaneView view() {
        return view;
      }

      @Override
      public PipelineRunner.Builder runner(Launcher launcher) {
        return PipelineRunner.builder(view, runs, launcher, address);
      }

      @Override
      public io.flowctl.server.pipeline.RunRecorder runs() {
        return runs;
      }

      @Override
      public void close() {
        channel.shutdownNow();
      }
    };
  }
}
