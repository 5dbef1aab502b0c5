package io.flowctl.server.runs;

import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import java.util.List;
import java.util.Optional;

/** Where pipeline runs are kept. Failures are {@code StoreException}s. */
public interface PipelineRunStore {
  /**
   * Stores a new run with the principal that created it ("" when authentication is off); returns
   * false when a run with its id exists.
   */
  boolean create(PipelineRun run, String owner);

  /** The principal that created a run ("" for none), empty for an unknown run. */
  Optional<String> owner(String runId);

  /** How many runs are stored. */
  int count();

  /** How many runs one principal created. */
  int count(String owner);

  /** Serialized bytes of every stored run together. */
  long totalBytes();

  /** Replaces a stored run; returns false when it does not exist. */
  boolean update(PipelineRun run);

  Optional<PipelineRun> get(String runId);

  /**
   * Runs newest first (by start time), optionally of one pipeline and one status.
   *
   * @param pipelineName empty for every pipeline
   * @param status {@code RUN_STATUS_UNKNOWN} for every status
   * @param owner null for every owner
   */
  List<PipelineRun> list(String pipelineName, RunStatus status, String owner, int limit);
}
