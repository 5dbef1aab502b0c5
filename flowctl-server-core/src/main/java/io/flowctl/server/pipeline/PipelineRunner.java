package io.flowctl.server.pipeline;

import io.flowctl.FlowctlException;
import io.flowctl.internal.Require;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.flowctl.server.registry.ServiceRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a pipeline the way upstream flowctl's runner does: starts its components in dependency order
 * with upstream's process environment, each once the ones before it registered and are healthy;
 * then moves the data itself (sources' {@code StreamEvents} into the processors' {@code Process}
 * streams, the last output fanned out to the sinks' {@code Consume}; see {@link
 * Running#completion()}); records the run through the pipeline-run RPCs ({@link RunRecorder#grpc});
 * and stops everything in reverse order. A component that does not come up in time, a stream that
 * fails or a component that dies fails the run, and what was started is stopped again.
 */
public final class PipelineRunner {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(PipelineRunner.class);

  private final ControlPlaneView view;
  private final RegisteredComponents components;
  private final RunRecorder runs;
  private final Launcher launcher;
  private final String endpoint;
  private final Duration startTimeout;
  private final Duration heartbeatInterval;
  private final boolean arrowEnabled;
  private final boolean adoptRunning;
  private final Builder settings;

  /**
   * A runner with the given start timeout and heartbeat interval, Arrow on; {@link #builder} names
   * the settings.
   */
  public PipelineRunner(
      ServiceRegistry services,
      RunRecorder runs,
      Launcher launcher,
      String endpoint,
      Duration startTimeout,
      Duration heartbeatInterval) {
    this(
        builder(services, runs, launcher, endpoint)
            .startTimeout(startTimeout)
            .heartbeatInterval(heartbeatInterval));
  }

  private PipelineRunner(Builder b) {
    this.settings = b;
    this.view = b.view != null ? b.view : ControlPlaneView.local(b.services, b.schemas);
    this.components = new RegisteredComponents(view);
    this.runs = b.runs;
    this.launcher = b.launcher;
    this.endpoint = b.endpoint;
    this.startTimeout = b.startTimeout;
    this.heartbeatInterval = b.heartbeatInterval;
    this.arrowEnabled = b.arrow;
    this.adoptRunning = b.adoptRunning;
  }

  /**
   * A runner of pipelines whose components register in {@code services}, recording runs in {@code
   * runs}, starting components with {@code launcher}, and telling them the control plane's {@code
   * endpoint} (host:port).
   */
  public static Builder builder(
      ServiceRegistry services, RunRecorder runs, Launcher launcher, String endpoint) {
    return new Builder(
        Objects.requireNonNull(services, "services"), null, runs, launcher, endpoint);
  }

  /**
   * A runner of pipelines on the control plane {@code view} shows (for example {@link
   * ControlPlaneView#remote}, a control plane already serving), recording runs in {@code runs},
   * starting components with {@code launcher} and telling them the control plane's {@code
   * endpoint}.
   */
  public static Builder builder(
      ControlPlaneView view, RunRecorder runs, Launcher launcher, String endpoint) {
    return new Builder(null, Objects.requireNonNull(view, "view"), runs, launcher, endpoint);
  }

  /** Settings of a runner. */
  public static final class Builder {
    private final ServiceRegistry services;
    private final ControlPlaneView view;
    private final RunRecorder runs;
    private final Launcher launcher;
    private final String endpoint;
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration heartbeatInterval = Duration.ofSeconds(10);
    private boolean arrow = true;
    private boolean adoptRunning;
    private DataPlaneTls dataPlaneTls = DataPlaneTls.DEFAULT;
    private io.flowctl.server.schema.SchemaRegistry schemas;

    private Builder(
        ServiceRegistry services,
        ControlPlaneView view,
        RunRecorder runs,
        Launcher launcher,
        String endpoint) {
      this.services = services;
      this.view = view;
      this.runs = Objects.requireNonNull(runs, "runs");
      this.launcher = Objects.requireNonNull(launcher, "launcher");
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    }

    /**
     * How the run reaches data planes that serve TLS (components registering {@code
     * data_plane_tls=true}); default: the JVM's trust store, no client certificate. Others are
     * reached in plaintext.
     */
    public Builder dataPlaneTls(DataPlaneTls tls) {
      this.dataPlaneTls = java.util.Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** How long a component may take to register and turn healthy; default 60 s. */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = Require.positive(timeout, "the start timeout");
      return this;
    }

    /** The heartbeat interval components are told ({@code FLOWCTL_HEARTBEAT_INTERVAL}); 10 s. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = Require.positive(interval, "the heartbeat interval");
      return this;
    }

    /**
     * Arrow on or off for every component (the rollback switch): off, each gets {@code
     * FLOWCTL_ARROW_ENABLED=false} whatever its pipeline file says. Default on.
     */
    public Builder arrow(boolean enabled) {
      this.arrow = enabled;
      return this;
    }

    /**
     * The schema registry the components register their schemas in: with it, every link is checked
     * before data flows (each producer's registered output schema, or its pipeline file's {@code
     * output_schemas}, against each consumer's declared reader schema and reader model), and a run
     * whose consumer cannot read its producer stops before the first event. Default none.
     */
    public Builder schemas(io.flowctl.server.schema.SchemaRegistry registry) {
      if (view != null) {
        throw new IllegalStateException(
            "a runner on a control plane view checks links through the view, not a registry");
      }
      this.schemas = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Drive components that are already registered, healthy and answering at their data endpoint
     * where they are, instead of launching them a second time (those not running are launched as
     * usual); for a control plane shared by components started elsewhere: other hosts, a container
     * platform, a service manager. The runner neither starts nor stops an adopted component, and
     * the run fails when it stops heartbeating. Default off: every component is launched.
     */
    public Builder adoptRunning(boolean adopt) {
      this.adoptRunning = adopt;
      return this;
    }

    public PipelineRunner build() {
      return new PipelineRunner(this);
    }
  }

  /**
   * This runner with Arrow switched on or off for every component (the rollback switch): off, each
   * gets {@code FLOWCTL_ARROW_ENABLED=false} whatever its pipeline file says, and is expected to
   * send plain protobuf events.
   */
  public PipelineRunner withArrow(boolean enabled) {
    Builder b = new Builder(settings.services, settings.view, runs, launcher, endpoint);
    b.schemas = settings.schemas;
    return b.startTimeout(startTimeout)
        .heartbeatInterval(heartbeatInterval)
        .adoptRunning(adoptRunning)
        .arrow(enabled)
        .build();
  }

  /**
   * What a pipeline's data flow moved, once it completed.
   *
   * @param sourceEvents events the sources streamed
   * @param processorOutputs events each processor sent on, by id
   * @param sinks each sink's answer to its {@code Consume}, by id
   * @param refusals what each processor or sink refused or failed on, by id (only those that did)
   * @param failure why the run was recorded FAILED although the data flowed to its end (events
   *     refused by components whose {@code allow_refused_events} is off), or empty
   */
  public record FlowResult(
      long sourceEvents,
      Map<String, Long> processorOutputs,
      Map<String, io.flowctl.proto.v1.ConsumeResponse> sinks,
      Map<String, Refusal> refusals,
      String failure) {
    public FlowResult {
      refusals = Map.copyOf(refusals);
      Objects.requireNonNull(failure, "failure");
    }

    /** Whether the run ended COMPLETED. */
    public boolean completed() {
      return failure.isEmpty();
    }
  }

  /**
   * Events one component refused or failed on in a run.
   *
   * @param events how many
   * @param reason its first cause, as one line
   * @param allowed whether the pipeline file accepts it ({@code config.arrow.allow_refused_events})
   */
  public record Refusal(long events, String reason, boolean allowed) {
    /** As {@code flowctl run} prints it: "totals refused 5 events: 'amount' changed type …". */
    public String describe(String componentId) {
      return componentId
          + " refused "
          + events
          + (events == 1 ? " event" : " events")
          + (reason.isEmpty() ? "" : ": " + reason)
          + (allowed ? " (allowed by its allow_refused_events)" : "");
    }
  }

  /**
   * A running pipeline: its components are up and its data flows as upstream's runner moves it
   * ({@link #completion()}); {@link #close()} stops it.
   */
  public final class Running implements AutoCloseable {
    private final PipelineRun run;
    private final List<Launcher.Handle> started;
    private final List<String> ids;
    private final DataFlow flow;
    private final CompletableFuture<FlowResult> completion = new CompletableFuture<>();
    private final java.util.concurrent.ScheduledExecutorService watchdog;
    private boolean ended; // the run's record is final
    private boolean stopped; // the components are stopped

    private final Pipeline pipeline;
    // New schemas of this run's outputs the registry refused while data flowed.
    private final List<String> refusedSchemas = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AutoCloseable schemaWatch;

    private Running(
        PipelineRun run,
        List<Launcher.Handle> started,
        List<String> ids,
        DataFlow flow,
        Pipeline pipeline) {
      this.pipeline = pipeline;
      this.run = run;
      java.util.Set<String> produced = new java.util.HashSet<>();
      for (String id : ids) {
        view.component(id).ifPresent(s -> produced.addAll(s.outputs()));
      }
      this.schemaWatch =
          view.watchRefusals(
              produced,
              reason -> {
                if (refusedSchemas.size() < 16) {
                  refusedSchemas.add(reason);
                }
              });
      this.started = started;
      this.ids = ids;
      this.flow = flow;
      this.watchdog =
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "flowctl-run-watchdog");
                t.setDaemon(true);
                return t;
              });
      // A component that dies while data flows fails the run.
      watchdog.scheduleWithFixedDelay(this::watch, 100, 100, TimeUnit.MILLISECONDS);
      flow.start()
          .whenComplete(
              (r, err) -> {
                if (err == null) {
                  finished(r);
                } else {
                  failed(err.getMessage());
                }
              });
    }

    private void unwatch() {
      try {
        schemaWatch.close();
      } catch (Exception e) {
        LOG.debug("closing the schema watch", e);
      }
    }

    private void watch() {
      for (int i = 0; i < started.size(); i++) {
        if (!started.get(i).alive()) {
          failed("component '" + ids.get(i) + "' exited while data was flowing");
          return;
        }
      }
    }

    private synchronized void finished(DataFlow.Result r) {
      if (ended) {
        return;
      }
      long consumed =
          r.sinks().values().stream()
              .mapToLong(io.flowctl.proto.v1.ConsumeResponse::getEventsConsumed)
              .sum();
      // Never silent: what a component refused is recorded per component, and fails the run
      // unless its pipeline entry accepts refusals.
      Map<String, Refusal> refusals = new LinkedHashMap<>();
      io.flowctl.proto.RunMetrics.Builder metrics =
          io.flowctl.proto.RunMetrics.newBuilder().setEventsProcessed(consumed);
      List<String> failing = new ArrayList<>();
      r.refusals()
          .forEach(
              (id, x) -> {
                boolean allowed =
                    pipeline.components().stream()
                        .anyMatch(c -> c.id().equals(id) && c.arrow().allowRefusedEvents());
                Refusal refusal = new Refusal(x.events(), x.reason(), allowed);
                refusals.put(id, refusal);
                metrics.putComponentMetrics(
                    id,
                    io.flowctl.proto.ComponentMetrics.newBuilder()
                        .setEventsFailed(x.events())
                        .setFailureReason(x.reason())
                        .build());
                if (!allowed) {
                  failing.add(refusal.describe(id));
                }
              });
      failing.addAll(refusedSchemas);
      String failure = String.join("; ", failing);
      FlowResult result =
          new FlowResult(r.sourceEvents(), r.processed(), r.sinks(), refusals, failure);
      ended = true;
      watchdog.shutdownNow();
      flow.close();
      unwatch();
      UpdatePipelineRunRequest.Builder update =
          UpdatePipelineRunRequest.newBuilder()
              .setRunId(run.getRunId())
              .setStatus(
                  failure.isEmpty() ? RunStatus.RUN_STATUS_COMPLETED : RunStatus.RUN_STATUS_FAILED)
              .setMetrics(metrics.build());
      if (!failure.isEmpty()) {
        update.setError(failure);
        LOG.warn("pipeline run {} failed: {}", run.getRunId(), failure);
      }
      runs.update(update.build());
      completion.complete(result);
    }

    private synchronized void failed(String reason) {
      if (ended) {
        return;
      }
      ended = true;
      watchdog.shutdownNow();
      flow.close();
      unwatch();
      stopComponents();
      runs.update(
          UpdatePipelineRunRequest.newBuilder()
              .setRunId(run.getRunId())
              .setStatus(RunStatus.RUN_STATUS_FAILED)
              .setError(reason == null ? "the data flow failed" : reason)
              .build());
      completion.completeExceptionally(
          new FlowctlException(
              FlowctlException.Code.UNAVAILABLE, reason == null ? "the data flow failed" : reason));
    }

    /**
     * Completes when every source's stream ended and every sink answered (the run is then recorded
     * COMPLETED, or FAILED when a component refused events and its pipeline entry does not allow
     * it: see {@link FlowResult#failure()}; the components keep running until {@link #close()}, as
     * upstream's do), or fails when a stream failed or a component died (the run is recorded FAILED
     * with the reason, and the components are stopped).
     */
    public CompletableFuture<FlowResult> completion() {
      return completion;
    }

    public String runId() {
      return run.getRunId();
    }

    /** Component ids in the order they were started. */
    public List<String> startOrder() {
      return List.copyOf(ids);
    }

    /**
     * Components that were already running on the control plane and are driven where they are
     * ({@link Builder#adoptRunning}), in start order; the runner neither started nor stops them.
     */
    public List<String> adopted() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        if (started.get(i) instanceof RegisteredComponents.Adopted) {
          out.add(ids.get(i));
        }
      }
      return out;
    }

    /** Whether a started component is still running (a finite sink ends when its input does). */
    public boolean alive(String componentId) {
      int i = ids.indexOf(componentId);
      return i >= 0 && started.get(i).alive();
    }

    /**
     * Stops every component, last started first; a run that had not ended yet is recorded STOPPED.
     * Calling it again does nothing.
     */
    @Override
    public synchronized void close() {
      watchdog.shutdownNow();
      flow.close();
      unwatch();
      stopComponents();
      if (!ended) {
        ended = true;
        runs.stop(run.getRunId());
        completion.completeExceptionally(
            new FlowctlException(FlowctlException.Code.UNAVAILABLE, "the run was stopped"));
      }
    }

    private void stopComponents() {
      if (!stopped) {
        stopped = true;
        stopAll(started);
      }
    }
  }

  /**
   * Starts {@code pipeline}.
   *
   * @throws FlowctlException FAILED_PRECONDITION when a component does not start, register and turn
   *     healthy within the timeout (the run is recorded as failed)
   */
  public Running start(Pipeline pipeline) throws InterruptedException {
    String yaml;
    try {
      yaml = Files.readString(pipeline.file());
    } catch (IOException e) {
      yaml = "";
    }
    List<Pipeline.Component> order = StartPlan.order(pipeline);
    PipelineRun run =
        runs.create(
            CreatePipelineRunRequest.newBuilder()
                .setPipelineName(pipeline.name())
                .setConfigYaml(yaml.length() > RunRecorder.MAX_CONFIG_BYTES ? "" : yaml)
                .addAllComponentIds(order.stream().map(Pipeline.Component::id).toList())
                .build());
    List<Launcher.Handle> started = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Pipeline.Component c : order) {
      // Upstream's process environment: the component's own env, then flowctl's, forced last.
      Map<String, String> env = new LinkedHashMap<>(c.env());
      // The component's config.arrow, unless its own env says otherwise.
      env.putIfAbsent("FLOWCTL_ARROW_COMPRESSION", c.arrow().compression());
      env.putIfAbsent("FLOWCTL_ARROW_BATCH_SIZE", Integer.toString(c.arrow().batchSize()));
      env.putIfAbsent(
          "FLOWCTL_ARROW_BATCH_TIMEOUT", goDuration(c.arrow().batchAccumulationTimeout()));
      // A format-conversion processor's settings (config.schema_mapping, descriptor_set and
      // arrow.conversion_mode), as the environment its component reads.
      if (!c.schemaMapping().isEmpty()) {
        List<String> pairs = new ArrayList<>();
        c.schemaMapping().forEach((from, to) -> pairs.add(from + "=" + to));
        env.putIfAbsent("FLOWCTL_SCHEMA_MAPPING", String.join(",", pairs));
      }
      if (c.arrow().descriptorSet() != null) {
        env.putIfAbsent("FLOWCTL_DESCRIPTOR_SET", c.arrow().descriptorSet().toString());
      }
      if (!c.arrow().conversionMode().isEmpty()) {
        env.putIfAbsent("FLOWCTL_CONVERSION_MODE", c.arrow().conversionMode());
      }
      env.put("ENABLE_FLOWCTL", "true");
      env.put("FLOWCTL_ENDPOINT", endpoint);
      env.put("FLOWCTL_HEARTBEAT_INTERVAL", goDuration(heartbeatInterval));
      env.put("FLOWCTL_SERVICE_ID", c.id());
      env.put("FLOWCTL_COMPONENT_ID", c.id());
      env.put("FLOWCTL_PIPELINE", pipeline.name());
      env.put("FLOWCTL_ARROW_ENABLED", Boolean.toString(arrowEnabled && c.arrow().enabled()));
      try {
        Launcher.Handle adopted = adoptRunning ? components.adopt(c) : null;
        if (adopted != null) {
          LOG.info("component '{}' is already running: driven where it is", c.id());
          started.add(adopted);
          ids.add(c.id());
          continue;
        }
        java.time.Instant launchedAt = java.time.Instant.now();
        started.add(launcher.launch(c, env));
        ids.add(c.id());
        components.awaitHealthy(c, started.get(started.size() - 1), launchedAt, startTimeout);
      } catch (IOException | FlowctlException e) {
        stopAll(started);
        String message = "component '" + c.id() + "' did not start: " + e.getMessage();
        runs.update(
            UpdatePipelineRunRequest.newBuilder()
                .setRunId(run.getRunId())
                .setStatus(RunStatus.RUN_STATUS_FAILED)
                .setError(message)
                .build());
        throw new FlowctlException(FlowctlException.Code.FAILED_PRECONDITION, message, e);
      }
    }
    DataFlow flow;
    try {
      components.checkLinks(pipeline);
      flow = components.dataFlow(pipeline, settings.dataPlaneTls);
    } catch (FlowctlException e) {
      stopAll(started);
      runs.update(
          UpdatePipelineRunRequest.newBuilder()
              .setRunId(run.getRunId())
              .setStatus(RunStatus.RUN_STATUS_FAILED)
              .setError(e.getMessage())
              .build());
      throw e;
    }
    runs.update(
        UpdatePipelineRunRequest.newBuilder()
            .setRunId(run.getRunId())
            .setStatus(RunStatus.RUN_STATUS_RUNNING)
            .build());
    return new Running(run, started, ids, flow, pipeline);
  }

  /** A duration as Go's time.Duration prints it, which upstream components parse: 10s, 500ms. */
  static String goDuration(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }

  private static void stopAll(List<Launcher.Handle> started) {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }
}
