package io.flowctl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.StopPipelineRunRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code flowctl runs}: the pipeline runs a control plane recorded, and stopping one. */
@Command(
    name = "runs",
    description = "List a running control plane's pipeline runs, newest first.",
    subcommands = {RunsCommand.Stop.class})
final class RunsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Remote remote;

  @Option(names = "--pipeline", paramLabel = "NAME", description = "Only runs of this pipeline.")
  String pipeline = "";

  @Option(
      names = "--status",
      paramLabel = "S",
      converter = StatusConverter.class,
      description = "Only runs in this status: starting, running, completed, failed or stopped.")
  RunStatus status = RunStatus.RUN_STATUS_UNKNOWN;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "20",
      description = "At most this many (default ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--json", description = "Print them as JSON.")
  boolean json;

  static String status(RunStatus s) {
    return s.name().substring("RUN_STATUS_".length()).toLowerCase(Locale.ROOT);
  }

  static ObjectNode json(PipelineRun r) {
    ObjectNode n = Remote.JSON.createObjectNode();
    n.put("runId", r.getRunId());
    n.put("pipeline", r.getPipelineName());
    n.put("status", status(r.getStatus()));
    n.put("startTime", Remote.time(r.getStartTime()));
    n.put("endTime", Remote.time(r.getEndTime()));
    n.put("eventsProcessed", r.getMetrics().getEventsProcessed());
    n.put("error", r.getError());
    ArrayNode c = n.putArray("components");
    r.getComponentIdsList().forEach(c::add);
    ObjectNode refused = n.putObject("refused");
    new java.util.TreeMap<>(r.getMetrics().getComponentMetricsMap())
        .forEach(
            (id, m) -> {
              if (m.getEventsFailed() > 0) {
                refused
                    .putObject(id)
                    .put("events", m.getEventsFailed())
                    .put("reason", m.getFailureReason());
              }
            });
    return n;
  }

  @Override
  public Integer call() throws Exception {
    if (limit < 1 || limit > 1000) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT, "--limit: from 1 to 1000");
    }
    List<PipelineRun> runs = PipelinesCommand.list(remote, pipeline, status, limit);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Remote.printJson(out, runs, RunsCommand::json);
      return ExitCodes.OK;
    }
    out.printf(
        Locale.ROOT,
        "%-38s %-20s %-10s %-24s %-24s %s%n",
        "RUN",
        "PIPELINE",
        "STATUS",
        "STARTED",
        "ENDED",
        "EVENTS");
    for (PipelineRun r : runs) {
      out.printf(
          Locale.ROOT,
          "%-38s %-20s %-10s %-24s %-24s %d%n",
          r.getRunId(),
          r.getPipelineName(),
          status(r.getStatus()),
          Remote.time(r.getStartTime()),
          Remote.time(r.getEndTime()),
          r.getMetrics().getEventsProcessed());
      // What its components refused, one line each, under the run.
      new java.util.TreeMap<>(r.getMetrics().getComponentMetricsMap())
          .forEach(
              (id, m) -> {
                if (m.getEventsFailed() > 0) {
                  out.println(
                      "  "
                          + id
                          + " refused "
                          + m.getEventsFailed()
                          + (m.getEventsFailed() == 1 ? " event" : " events")
                          + (m.getFailureReason().isEmpty() ? "" : ": " + m.getFailureReason()));
                }
              });
    }
    return ExitCodes.OK;
  }

  @Command(name = "stop", description = "Stop a pipeline run; prints its status after.")
  static final class Stop extends RemoteCommand {

    @Parameters(paramLabel = "RUN_ID", description = "The run.")
    String runId;

    @Option(names = "--json", description = "Print the run as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      PipelineRun r =
          remote.legacy(
              "stopping run '" + runId + "'",
              s -> s.stopPipelineRun(StopPipelineRunRequest.newBuilder().setRunId(runId).build()));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(Remote.JSON.writeValueAsString(json(r)));
      } else {
        out.println(r.getRunId() + ": " + status(r.getStatus()));
      }
      return ExitCodes.OK;
    }
  }

  static final class StatusConverter implements ITypeConverter<RunStatus> {
    @Override
    public RunStatus convert(String value) {
      try {
        RunStatus s = RunStatus.valueOf("RUN_STATUS_" + value.trim().toUpperCase(Locale.ROOT));
        if (s != RunStatus.RUN_STATUS_UNKNOWN) {
          return s;
        }
      } catch (IllegalArgumentException e) {
        // below
      }
      throw new TypeConversionException(
          "expected starting, running, completed, failed or stopped, got '" + value + "'");
    }
  }
}
