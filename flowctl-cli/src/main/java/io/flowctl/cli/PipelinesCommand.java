package io.flowctl.cli;

import io.flowctl.FlowctlException;
import io.flowctl.proto.GetPipelineRunRequest;
import io.flowctl.proto.ListPipelineRunsRequest;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.StopPipelineRunRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flowctl pipelines list|runs|run-info|stop|active}: upstream's run history commands, with
 * its {@code --control-plane-address}/{@code --control-plane-port} and its output; {@code flowctl
 * runs} is this project's own view of the same records.
 */
@Command(
    name = "pipelines",
    description =
        "Show and stop pipeline runs as upstream flowctl does: the pipelines a control plane ran,"
            + " a pipeline's runs, one run in full, the runs under way.",
    subcommands = {
      PipelinesCommand.ListPipelines.class,
      PipelinesCommand.Runs.class,
      PipelinesCommand.RunInfo.class,
      PipelinesCommand.Stop.class,
      PipelinesCommand.Active.class
    })
final class PipelinesCommand extends CommandGroup {
  private static final DateTimeFormatter STARTED =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /** A pipelines command: where it writes, and the control plane named upstream's way. */
  abstract static class AddressCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Address address;
  }

  /** Upstream's way of naming its control plane, and the credentials of this project's. */
  static final class Address {
    @Option(
        names = "--control-plane-address",
        defaultValue = "127.0.0.1",
        paramLabel = "HOST",
        description = "The control plane's address (default ${DEFAULT-VALUE}).")
    String host;

    @Option(
        names = "--control-plane-port",
        defaultValue = "8080",
        paramLabel = "PORT",
        description = "The control plane's port (default ${DEFAULT-VALUE}).")
    int port;

    @Mixin Remote.Token token;

    Remote remote() {
      Remote r = new Remote();
      r.server = host + ":" + port;
      r.token = token;
      return r;
    }
  }

  /** A run status as upstream prints it: this project's lower-case name, "unknown" otherwise. */
  static String status(RunStatus s) {
    return s == RunStatus.UNRECOGNIZED ? "unknown" : RunsCommand.status(s);
  }

  private static Instant start(PipelineRun r) {
    return Instant.ofEpochSecond(r.getStartTime().getSeconds(), r.getStartTime().getNanos());
  }

  /** How long ago, as upstream prints it: 42s ago, 5m ago, 3h ago, 2d ago. */
  static String ago(Instant t, Instant now) {
    Duration d = Duration.between(t, now);
    if (d.compareTo(Duration.ofMinutes(1)) < 0) {
      return d.toSeconds() + "s ago";
    }
    if (d.compareTo(Duration.ofHours(1)) < 0) {
      return d.toMinutes() + "m ago";
    }
    if (d.compareTo(Duration.ofDays(1)) < 0) {
      return d.toHours() + "h ago";
    }
    return d.toDays() + "d ago";
  }

  /** A run's duration, as upstream prints it: 42s, 5m 3s, 2h 10m. */
  static String duration(PipelineRun r, Instant now) {
    Instant end =
        r.hasEndTime()
            ? Instant.ofEpochSecond(r.getEndTime().getSeconds(), r.getEndTime().getNanos())
            : now;
    Duration d = Duration.between(start(r), end);
    if (d.compareTo(Duration.ofMinutes(1)) < 0) {
      return d.toSeconds() + "s";
    }
    if (d.compareTo(Duration.ofHours(1)) < 0) {
      return d.toMinutes() + "m " + d.toSecondsPart() + "s";
    }
    return d.toHours() + "h " + d.toMinutesPart() + "m";
  }

  /** An event count, as upstream prints it: 999, 1.5k, 2.3M. */
  static String events(long n) {
    if (n < 1000) {
      return Long.toString(n);
    }
    return n < 1_000_000
        ? String.format(Locale.ROOT, "%.1fk", n / 1000.0)
        : String.format(Locale.ROOT, "%.1fM", n / 1_000_000.0);
  }

  private static String shortId(String id) {
    return id.length() > 8 ? id.substring(0, 8) : id;
  }

  static List<PipelineRun> list(Remote remote, String pipeline, RunStatus status, int limit) {
    return remote
        .legacy(
            "listing pipeline runs",
            s ->
                s.listPipelineRuns(
                    ListPipelineRunsRequest.newBuilder()
                        .setPipelineName(pipeline)
                        .setStatus(status)
                        .setLimit(limit)
                        .build()))
        .getRunsList();
  }

  /** A command on one run, named by its id or a unique prefix of it. */
  abstract static class OnOneRun extends AddressCommand {
    @Parameters(paramLabel = "RUN_ID", description = "The run's id, or a unique prefix of it.")
    String id;

    abstract int call(Remote remote, String runId);

    @Override
    public final Integer call() {
      Remote remote = address.remote();
      return call(remote, resolve(remote, id));
    }
  }

  /** A run id, or a unique prefix of one (the short ids the tables show). */
  static String resolve(Remote remote, String id) {
    List<String> matches = new ArrayList<>();
    for (PipelineRun r : list(remote, "", RunStatus.RUN_STATUS_UNKNOWN, 1000)) {
      if (r.getRunId().equals(id)) {
        return id;
      }
      if (r.getRunId().startsWith(id)) {
        matches.add(r.getRunId());
      }
    }
    if (matches.size() == 1) {
      return matches.get(0);
    }
    throw new FlowctlException(
        matches.isEmpty()
            ? FlowctlException.Code.NOT_FOUND
            : FlowctlException.Code.INVALID_ARGUMENT,
        matches.isEmpty()
            ? "pipeline run not found: " + id
            : "run id prefix '"
                + id
                + "' is ambiguous ("
                + matches.size()
                + " matches); provide more characters");
  }

  @Command(
      name = "list",
      description = "List the pipelines the control plane ran: each one's last run and its runs.")
  static final class ListPipelines extends AddressCommand {

    @Override
    public Integer call() {
      Map<String, List<PipelineRun>> byName = new LinkedHashMap<>();
      for (PipelineRun r : list(address.remote(), "", RunStatus.RUN_STATUS_UNKNOWN, 1000)) {
        byName.computeIfAbsent(r.getPipelineName(), k -> new ArrayList<>()).add(r);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (byName.isEmpty()) {
        out.println("No pipelines found");
        return ExitCodes.OK;
      }
      Instant now = Instant.now();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"NAME", "LAST RUN", "STATUS", "RUNS"});
      byName.forEach(
          (name, runs) -> {
            PipelineRun last = runs.get(0);
            for (PipelineRun r : runs) {
              if (start(r).isAfter(start(last))) {
                last = r;
              }
            }
            rows.add(
                new String[] {
                  name,
                  ago(start(last), now),
                  status(last.getStatus()),
                  Integer.toString(runs.size())
                });
          });
      ListCommand.printColumns(out, rows, 2);
      out.printf(Locale.ROOT, "%n%d pipeline(s) found%n", byName.size());
      return ExitCodes.OK;
    }
  }

  @Command(name = "runs", description = "Show a pipeline's runs, newest first.")
  static final class Runs extends AddressCommand {

    @Parameters(paramLabel = "PIPELINE", description = "The pipeline's name.")
    String pipeline;

    @Option(
        names = "--limit",
        defaultValue = "10",
        description = "At most this many runs (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      List<PipelineRun> runs =
          list(address.remote(), pipeline, RunStatus.RUN_STATUS_UNKNOWN, limit);
      PrintWriter out = spec.commandLine().getOut();
      if (runs.isEmpty()) {
        out.println("No runs found for pipeline: " + pipeline);
        return ExitCodes.OK;
      }
      Instant now = Instant.now();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"RUN ID", "STATUS", "STARTED", "DURATION", "EVENTS"});
      for (PipelineRun r : runs) {
        rows.add(
            new String[] {
              shortId(r.getRunId()),
              status(r.getStatus()),
              ago(start(r), now),
              duration(r, now),
              events(r.getMetrics().getEventsProcessed())
            });
      }
      ListCommand.printColumns(out, rows, 2);
      out.printf(Locale.ROOT, "%nShowing last %d run(s). Use --limit to see more.%n", runs.size());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "run-info",
      description =
          "Show one run in full: its pipeline, status, start, duration, events, components, what"
              + " its components refused and its error.")
  static final class RunInfo extends OnOneRun {

    @Override
    int call(Remote remote, String runId) {
      PipelineRun r =
          remote.legacy(
              "getting pipeline run '" + runId + "'",
              s -> s.getPipelineRun(GetPipelineRunRequest.newBuilder().setRunId(runId).build()));
      PrintWriter out = spec.commandLine().getOut();
      Instant now = Instant.now();
      out.println("Run ID:        " + r.getRunId());
      out.println("Pipeline:      " + r.getPipelineName());
      out.println("Status:        " + status(r.getStatus()));
      out.println("Started:       " + STARTED.format(start(r)));
      out.println("Duration:      " + duration(r, now));
      out.println("Events:        " + events(r.getMetrics().getEventsProcessed()));
      if (r.getMetrics().getEventsPerSecond() > 0) {
        out.printf(
            Locale.ROOT, "Throughput:    %.1f events/sec%n", r.getMetrics().getEventsPerSecond());
      }
      if (r.getComponentIdsCount() > 0) {
        out.println();
        out.println("Components:");
        r.getComponentIdsList().forEach(c -> out.println("  - " + c));
      }
      List<String> refused = new ArrayList<>();
      new java.util.TreeMap<>(r.getMetrics().getComponentMetricsMap())
          .forEach(
              (c, m) -> {
                if (m.getEventsFailed() > 0) {
                  refused.add(
                      "  - " + c + ": " + m.getEventsFailed() + " events, " + m.getFailureReason());
                }
              });
      if (!refused.isEmpty()) {
        out.println();
        out.println("Refused:");
        refused.forEach(out::println);
      }
      if (!r.getError().isEmpty()) {
        out.println();
        out.println("Error: " + r.getError());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "stop", description = "Stop a running pipeline.")
  static final class Stop extends OnOneRun {

    @Override
    int call(Remote remote, String runId) {
      PrintWriter out = spec.commandLine().getOut();
      out.println("Stopping pipeline run " + runId + "...");
      out.flush();
      PipelineRun r =
          remote.legacy(
              "stopping pipeline run '" + runId + "'",
              s -> s.stopPipelineRun(StopPipelineRunRequest.newBuilder().setRunId(runId).build()));
      out.println("✓ Pipeline stopped (status: " + status(r.getStatus()) + ")");
      return ExitCodes.OK;
    }
  }

  @Command(name = "active", description = "List the runs under way.")
  static final class Active extends AddressCommand {

    @Override
    public Integer call() {
      List<PipelineRun> runs = list(address.remote(), "", RunStatus.RUN_STATUS_RUNNING, 100);
      PrintWriter out = spec.commandLine().getOut();
      if (runs.isEmpty()) {
        out.println("No active pipeline runs");
        return ExitCodes.OK;
      }
      Instant now = Instant.now();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"RUN ID", "PIPELINE", "STARTED", "DURATION", "EVENTS", "STATUS"});
      for (PipelineRun r : runs) {
        rows.add(
            new String[] {
              shortId(r.getRunId()),
              r.getPipelineName(),
              ago(start(r), now),
              duration(r, now),
              events(r.getMetrics().getEventsProcessed()),
              status(r.getStatus())
            });
      }
      ListCommand.printColumns(out, rows, 2);
      out.printf(Locale.ROOT, "%n%d active pipeline run(s)%n", runs.size());
      return ExitCodes.OK;
    }
  }
}
