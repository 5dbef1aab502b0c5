package io.flowctl.server.runs;

import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Pipeline runs in memory. */
public final class InMemoryPipelineRunStore implements PipelineRunStore {
  private final Map<String, PipelineRun> runs = new LinkedHashMap<>();
  private final Map<String, String> owners = new java.util.HashMap<>();

  @Override
  public synchronized boolean create(PipelineRun run, String owner) {
    if (runs.putIfAbsent(run.getRunId(), run) != null) {
      return false;
    }
    owners.put(run.getRunId(), owner);
    return true;
  }

  @Override
  public synchronized Optional<String> owner(String runId) {
    return Optional.ofNullable(owners.get(runId));
  }

  @Override
  public synchronized int count() {
    return runs.size();
  }

  @Override
  public synchronized int count(String owner) {
    return (int) owners.values().stream().filter(owner::equals).count();
  }

  @Override
  public synchronized long totalBytes() {
    long n = 0;
    for (PipelineRun r : runs.values()) {
      n += r.getSerializedSize(); // memoized by protobuf
    }
    return n;
  }

  @Override
  public synchronized boolean update(PipelineRun run) {
    return runs.replace(run.getRunId(), run) != null;
  }

  @Override
  public synchronized Optional<PipelineRun> get(String runId) {
    return Optional.ofNullable(runs.get(runId));
  }

  @Override
  public synchronized List<PipelineRun> list(
      String pipelineName, RunStatus status, String owner, int limit) {
    return runs.values().stream()
        .filter(r -> owner == null || owner.equals(owners.get(r.getRunId())))
        .filter(r -> pipelineName.isEmpty() || r.getPipelineName().equals(pipelineName))
        .filter(r -> status == RunStatus.RUN_STATUS_UNKNOWN || r.getStatus() == status)
        .sorted(
            Comparator.comparingLong((PipelineRun r) -> r.getStartTime().getSeconds())
                .thenComparingInt(r -> r.getStartTime().getNanos())
                .reversed())
        .limit(limit)
        .toList();
  }
}
