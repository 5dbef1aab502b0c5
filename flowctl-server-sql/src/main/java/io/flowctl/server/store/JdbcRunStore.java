package io.flowctl.server.store;

import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.server.runs.PipelineRunStore;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Pipeline runs in SQL, each with its owner; listed newest first by start time. */
final class JdbcRunStore implements PipelineRunStore {
  private final Jdbc db;

  JdbcRunStore(Jdbc db) {
    this.db = db;
  }

  @Override
  public boolean create(PipelineRun run, String owner) {
    return db.once(
        "cannot store pipeline run '" + run.getRunId() + "'",
        c -> {
          try (PreparedStatement i =
              c.prepareStatement(
                  "INSERT INTO flowctl_pipeline_runs (run_id, pipeline_name, status, started_at,"
                      + " run, owner) VALUES (?, ?, ?, ?, ?, ?)")) {
            i.setString(1, run.getRunId());
            i.setString(2, run.getPipelineName());
            i.setInt(3, run.getStatusValue());
            i.setString(4, startKey(run));
            i.setBytes(5, run.toByteArray());
            i.setString(6, owner);
            return i.executeUpdate() == 1;
          } catch (SQLException e) {
            if (Jdbc.isDuplicateKey(e)) {
              return false;
            }
            throw e;
          }
        });
  }

  @Override
  public boolean update(PipelineRun run) {
    return db.retried(
        "cannot update pipeline run '" + run.getRunId() + "'",
        c -> {
          try (PreparedStatement u =
              c.prepareStatement(
                  "UPDATE flowctl_pipeline_runs SET status = ?, run = ? WHERE run_id = ?")) {
            u.setInt(1, run.getStatusValue());
            u.setBytes(2, run.toByteArray());
            u.setString(3, run.getRunId());
            return u.executeUpdate() == 1;
          }
        });
  }

  @Override
  public Optional<PipelineRun> get(String runId) {
    return db.one(
        "cannot read pipeline run '" + runId + "'",
        "SELECT run FROM flowctl_pipeline_runs WHERE run_id = ?",
        runId,
        r -> PipelineRun.parseFrom(r.getBytes(1)));
  }

  @Override
  public Optional<String> owner(String runId) {
    return db.one(
        "cannot read the owner of pipeline run '" + runId + "'",
        "SELECT owner FROM flowctl_pipeline_runs WHERE run_id = ?",
        runId,
        r -> r.getString(1));
  }

  @Override
  public long totalBytes() {
    return db.scalar(
        "cannot measure pipeline runs",
        "SELECT COALESCE(SUM(LENGTH(run)), 0) FROM flowctl_pipeline_runs");
  }

  @Override
  public int count(String owner) {
    return (int)
        db.scalar(
            "cannot count the pipeline runs of '" + owner + "'",
            "SELECT COUNT(*) FROM flowctl_pipeline_runs WHERE owner = ?",
            owner);
  }

  @Override
  public int count() {
    return (int)
        db.scalar("cannot count pipeline runs", "SELECT COUNT(*) FROM flowctl_pipeline_runs");
  }

  @Override
  public List<PipelineRun> list(String pipelineName, RunStatus status, String owner, int limit) {
    return db.all(
        "cannot list pipeline runs",
        "SELECT run FROM flowctl_pipeline_runs WHERE (? = '' OR pipeline_name = ?)"
            + " AND (? = 0 OR status = ?) AND (? = 0 OR owner = ?)"
            + " ORDER BY started_at DESC LIMIT ?",
        q -> {
          q.setString(1, pipelineName);
          q.setString(2, pipelineName);
          q.setInt(3, status.getNumber());
          q.setInt(4, status.getNumber());
          q.setInt(5, owner == null ? 0 : 1);
          q.setString(6, owner == null ? "" : owner);
          q.setInt(7, limit);
        },
        r -> PipelineRun.parseFrom(r.getBytes(1)));
  }

  /** Start times as fixed-width text, so that text order is time order. */
  private static String startKey(PipelineRun run) {
    return String.format(
        "%020d.%09d", run.getStartTime().getSeconds(), run.getStartTime().getNanos());
  }
}
