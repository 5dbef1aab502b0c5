package io.flowctl.server.pipeline;

import io.flowctl.FlowctlException;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.runs.PipelineRuns;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Starts a pipeline's components in dependency order, each once the ones before it registered and
 * are healthy; records the run (through the pipeline-run RPCs with {@link RunRecorder#grpc}); stops
 * everything in reverse order. A component that does not come up in time fails the run, and what
 * was started is stopped again.
 */
public final class PipelineRunner {
  private final ServiceRegistry services;
  private final RunRecorder runs;
  private final Launcher launcher;
  private final String endpoint;
  private final Duration startTimeout;
  private final Duration heartbeatInterval;
  private final boolean arrowEnabled;

  public PipelineRunner(
      ServiceRegistry services,
      RunRecorder runs,
      Launcher launcher,
      String endpoint,
      Duration startTimeout,
      Duration heartbeatInterval) {
    this.services = Objects.requireNonNull(services, "services");
    this.runs = Objects.requireNonNull(runs, "runs");
    this.launcher = Objects.requireNonNull(launcher, "launcher");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
    this.heartbeatInterval = Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
    this.arrowEnabled = true;
  }

  private PipelineRunner(PipelineRunner r, boolean arrowEnabled) {
    this.services = r.services;
    this.runs = r.runs;
    this.launcher = r.launcher;
    this.endpoint = r.endpoint;
    this.startTimeout = r.startTimeout;
    this.heartbeatInterval = r.heartbeatInterval;
    this.arrowEnabled = arrowEnabled;
  }

  /**
   * This runner with Arrow switched on or off for every component (the plan's rollback switch):
   * off, each gets {@code FLOWCTL_ARROW_ENABLED=false} whatever its pipeline file says, and is
   * expected to send plain protobuf events.
   */
  public PipelineRunner withArrow(boolean enabled) {
    return new PipelineRunner(this, enabled);
  }

  /** A running pipeline; {@link #close()} stops it. */
  public final class Running implements AutoCloseable {
    private final PipelineRun run;
    private final List<Launcher.Handle> started;
    private final List<String> ids;
    private boolean stopped;

    private Running(PipelineRun run, List<Launcher.Handle> started, List<String> ids) {
      this.run = run;
      this.started = started;
      this.ids = ids;
    }

    public String runId() {
      return run.getRunId();
    }

    /** Component ids in the order they were started. */
    public List<String> startOrder() {
      return List.copyOf(ids);
    }

    /** Whether a started component is still running (a finite sink ends when its input does). */
    public boolean alive(String componentId) {
      int i = ids.indexOf(componentId);
      return i >= 0 && started.get(i).alive();
    }

    /**
     * Stops every component, last started first, and records the run as completed: for a pipeline
     * whose sinks finished their input.
     */
    public synchronized void complete() {
      if (stopped) {
        return;
      }
      stopped = true;
      stopAll(started);
      runs.update(
          UpdatePipelineRunRequest.newBuilder()
              .setRunId(run.getRunId())
              .setStatus(RunStatus.RUN_STATUS_COMPLETED)
              .build());
    }

    /** Stops every component, last started first, and records the run as stopped. */
    @Override
    public synchronized void close() {
      if (stopped) {
        return;
      }
      stopped = true;
      stopAll(started);
      runs.stop(run.getRunId());
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
                .setConfigYaml(yaml.length() > PipelineRuns.MAX_CONFIG_BYTES ? "" : yaml)
                .addAllComponentIds(order.stream().map(Pipeline.Component::id).toList())
                .build());
    List<Launcher.Handle> started = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (Pipeline.Component c : order) {
      Map<String, String> env = new LinkedHashMap<>(c.env());
      env.put("FLOWCTL_ENDPOINT", endpoint);
      env.put("FLOWCTL_SERVICE_ID", c.id());
      env.put("FLOWCTL_COMPONENT_ID", c.id());
      env.put("FLOWCTL_PIPELINE", pipeline.name());
      env.put("FLOWCTL_HEARTBEAT_INTERVAL", heartbeatInterval.toMillis() + "ms");
      env.put("FLOWCTL_ARROW_ENABLED", Boolean.toString(arrowEnabled && c.arrow().enabled()));
      try {
        java.time.Instant launchedAt = java.time.Instant.now();
        started.add(launcher.launch(c, env));
        ids.add(c.id());
        awaitHealthy(c, started.get(started.size() - 1), launchedAt);
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
    runs.update(
        UpdatePipelineRunRequest.newBuilder()
            .setRunId(run.getRunId())
            .setStatus(RunStatus.RUN_STATUS_RUNNING)
            .build());
    return new Running(run, started, ids);
  }

  /**
   * Waits for a heartbeat the component sent after it was launched: a record left in the store by
   * an earlier run does not count.
   */
  private void awaitHealthy(
      Pipeline.Component c, Launcher.Handle handle, java.time.Instant launchedAt)
      throws InterruptedException {
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (true) {
      var state = services.status(c.id());
      if (state.isPresent()
          && state.get().healthy()
          && !state.get().lastHeartbeat().isBefore(launchedAt)) {
        return;
      }
      if (!handle.alive()) {
        throw new FlowctlException(
            FlowctlException.Code.FAILED_PRECONDITION, "it exited before it registered");
      }
      if (System.nanoTime() > deadline) {
        throw new FlowctlException(
            FlowctlException.Code.DEADLINE_EXCEEDED,
            "it did not register and turn healthy within " + startTimeout.toMillis() + " ms");
      }
      Thread.sleep(20);
    }
  }

  private static void stopAll(List<Launcher.Handle> started) {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
  }
}
