package io.flowctl.server.runs;

import com.google.protobuf.Timestamp;
import io.flowctl.FlowctlException;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.flowctl.server.pipeline.RunRecorder;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Pipeline runs: created STARTING, moved through RUNNING to COMPLETED, FAILED or STOPPED (which set
 * the end time and are final). Usable without gRPC; thread-safe.
 */
public final class PipelineRuns implements RunRecorder {
  /** The longest error message a run keeps, in characters. */
  public static final int MAX_ERROR_LENGTH = 4_096;

  /** Runs kept; creating more is refused until some are removed from the store. */
  public static final int MAX_RUNS = 10_000;

  /** Runs one principal (other than the admin) may have. */
  public static final int MAX_RUNS_PER_PRINCIPAL = 1_000;

  /** Serialized bytes of every run together; creating more is refused beyond. */
  public static final long MAX_TOTAL_BYTES = 256L << 20;

  /** The most a list answers with, in runs and in serialized bytes (under gRPC's default 4 MiB). */
  public static final int MAX_LIMIT = 100;

  static final int MAX_LIST_BYTES = 3 << 20;

  private static final int MAX_COMPONENTS = 1_000;
  private static final int DEFAULT_LIMIT = 10;

  private final PipelineRunStore store;
  private final Clock clock;
  private final List<java.util.function.Consumer<PipelineRun>> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Hears every run created, updated or stopped here, after the store has it (on the calling
   * thread; keep it quick): the monitor, which stops expecting throughput of a finished run.
   */
  public void addListener(java.util.function.Consumer<PipelineRun> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  private PipelineRun told(PipelineRun run) {
    for (var l : listeners) {
      l.accept(run);
    }
    return run;
  }

  public PipelineRuns(PipelineRunStore store, Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The caller with authentication on, or null (everything allowed). */
  private static String caller() {
    return io.flowctl.server.internal.Principals.current();
  }

  private static boolean admin(String p) {
    return p == null || p.equals(io.flowctl.server.internal.Principals.ADMIN);
  }

  /**
   * A run belongs to the principal that created it: others (the admin excepted) may not read,
   * update or stop it. Runs created without authentication belong to no one but the admin.
   */
  private void requireOwner(String runId, String action) {
    String p = caller();
    if (admin(p)) {
      return;
    }
    String owner = store.owner(runId).orElse("");
    if (!owner.equals(p)) {
      throw new FlowctlException(
          FlowctlException.Code.PERMISSION_DENIED,
          "'" + p + "' may not " + action + " pipeline run '" + runId + "': it is not theirs");
    }
  }

  @Override
  public PipelineRun create(CreatePipelineRunRequest r) {
    if (r.getPipelineName().isBlank()) {
      throw invalid("a pipeline run needs a pipeline name");
    }
    io.flowctl.server.internal.Names.checkName(r.getPipelineName(), "the pipeline name");
    if (!r.getRunId().isEmpty()) {
      io.flowctl.server.internal.Names.checkName(r.getRunId(), "the run id");
    }
    for (String id : r.getComponentIdsList()) {
      io.flowctl.server.internal.Names.checkName(id, "a component id");
    }
    if (r.getConfigYaml().length() > MAX_CONFIG_BYTES) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a pipeline config of "
              + r.getConfigYaml().length()
              + " characters exceeds "
              + MAX_CONFIG_BYTES);
    }
    if (r.getComponentIdsCount() > MAX_COMPONENTS) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          r.getComponentIdsCount() + " components exceed the limit of " + MAX_COMPONENTS);
    }
    if (store.count() >= MAX_RUNS) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "the control plane keeps " + MAX_RUNS + " pipeline runs, its limit");
    }
    String creator = caller();
    if (!admin(creator) && store.count(creator) >= MAX_RUNS_PER_PRINCIPAL) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "'"
              + creator
              + "' has "
              + MAX_RUNS_PER_PRINCIPAL
              + " pipeline runs, the limit for one principal");
    }
    long held = store.totalBytes();
    if (held + r.getSerializedSize() > MAX_TOTAL_BYTES) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "the control plane's pipeline runs take "
              + held / 1024
              + " KiB, near their limit of "
              + MAX_TOTAL_BYTES / 1024
              + " KiB");
    }
    String id = r.getRunId().isBlank() ? "run-" + UUID.randomUUID() : r.getRunId();
    PipelineRun run =
        PipelineRun.newBuilder()
            .setRunId(id)
            .setPipelineId(r.getPipelineName())
            .setPipelineName(r.getPipelineName())
            .setStatus(RunStatus.RUN_STATUS_STARTING)
            .setStartTime(now())
            .setConfigYaml(r.getConfigYaml())
            .addAllComponentIds(r.getComponentIdsList())
            .build();
    String owner = caller();
    if (!store.create(run, owner == null ? "" : owner)) {
      throw new FlowctlException(
          FlowctlException.Code.ALREADY_EXISTS, "pipeline run '" + id + "' exists already");
    }
    return told(run);
  }

  /**
   * Updates status, metrics and error. A final run (completed, failed, stopped) cannot change.
   *
   * @throws FlowctlException NOT_FOUND, FAILED_PRECONDITION for a final run
   */
  @Override
  public synchronized PipelineRun update(UpdatePipelineRunRequest r) {
    if (r.getError().length() > MAX_ERROR_LENGTH) {
      throw new FlowctlException(
          FlowctlException.Code.RESOURCE_EXHAUSTED,
          "a run error of "
              + r.getError().length()
              + " characters; the limit is "
              + MAX_ERROR_LENGTH);
    }
    PipelineRun run = get(r.getRunId(), "update");
    requireOpen(run, "updated");
    PipelineRun.Builder b = run.toBuilder();
    if (r.getStatus() != RunStatus.RUN_STATUS_UNKNOWN) {
      if (r.getStatus() == RunStatus.UNRECOGNIZED) {
        throw invalid("unknown run status");
      }
      b.setStatus(r.getStatus());
      if (isFinal(r.getStatus())) {
        b.setEndTime(now());
      }
    }
    if (r.hasMetrics()) {
      b.setMetrics(r.getMetrics());
    }
    if (!r.getError().isEmpty()) {
      b.setError(r.getError());
    }
    PipelineRun updated = b.build();
    store.update(updated);
    return told(updated);
  }

  /** Stops a run; stopping a stopped run returns it unchanged. */
  @Override
  public synchronized PipelineRun stop(String runId) {
    PipelineRun run = get(runId, "stop");
    if (run.getStatus() == RunStatus.RUN_STATUS_STOPPED) {
      return run;
    }
    requireOpen(run, "stopped");
    PipelineRun stopped =
        run.toBuilder().setStatus(RunStatus.RUN_STATUS_STOPPED).setEndTime(now()).build();
    store.update(stopped);
    return told(stopped);
  }

  @Override
  public PipelineRun get(String runId) {
    return get(runId, "read");
  }

  private PipelineRun get(String runId, String action) {
    PipelineRun run = find(runId);
    requireOwner(runId, action);
    return run;
  }

  private PipelineRun find(String runId) {
    return store
        .get(runId)
        .orElseThrow(
            () ->
                new FlowctlException(
                    FlowctlException.Code.NOT_FOUND, "unknown pipeline run '" + runId + "'"));
  }

  /**
   * The caller's runs (every run for the admin or without authentication), newest first; {@code
   * limit} 0 means 10, and at most {@value #MAX_LIMIT} runs or 3 MiB are answered.
   */
  public List<PipelineRun> list(String pipelineName, RunStatus status, int limit) {
    if (limit < 0) {
      throw invalid("limit must not be negative: " + limit);
    }
    String p = caller();
    List<PipelineRun> found =
        store.list(
            pipelineName,
            status,
            admin(p) ? null : p,
            limit == 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT));
    long bytes = 0;
    for (int i = 0; i < found.size(); i++) {
      bytes += found.get(i).getSerializedSize() + 8;
      if (bytes > MAX_LIST_BYTES) {
        return found.subList(0, i);
      }
    }
    return found;
  }

  private static boolean isFinal(RunStatus s) {
    return s == RunStatus.RUN_STATUS_COMPLETED
        || s == RunStatus.RUN_STATUS_FAILED
        || s == RunStatus.RUN_STATUS_STOPPED;
  }

  private static void requireOpen(PipelineRun run, String what) {
    if (isFinal(run.getStatus())) {
      throw new FlowctlException(
          FlowctlException.Code.FAILED_PRECONDITION,
          "pipeline run '" + run.getRunId() + "' is " + run.getStatus() + " and cannot be " + what);
    }
  }

  private Timestamp now() {
    Instant t = clock.instant();
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static FlowctlException invalid(String message) {
    return new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, message);
  }
}
