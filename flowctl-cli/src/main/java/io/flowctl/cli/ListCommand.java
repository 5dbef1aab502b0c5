package io.flowctl.cli;

import com.google.protobuf.Empty;
import io.flowctl.proto.ServiceStatus;
import io.flowctl.proto.ServiceType;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flowctl list}: upstream's command, printed as upstream prints it, so scripts written for
 * withObsrvr/flowctl read its output unchanged; {@code flowctl services} is this project's own,
 * richer view.
 */
@Command(
    name = "list",
    description = {
      "List the services registered with a control plane, as upstream flowctl prints them:"
          + " each with its type, health, last heartbeat and metrics, or one line each with"
          + " --table.",
      "The control plane is --endpoint/-e (or --server), localhost:8080 by default."
    })
final class ListCommand implements Callable<Integer> {
  private static final DateTimeFormatter TABLE_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  @Spec CommandSpec spec;
  @Mixin Remote remote;

  @Option(
      names = {"-t", "--table"},
      description = "One line per service: ID, TYPE, STATUS, LAST HEARTBEAT.")
  boolean table;

  @Option(
      names = "--wait",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Upstream's flag: wait briefly for an embedded control plane. Accepted for its"
              + " scripts; a control plane that does not answer is an error at once.")
  boolean waitForServer;

  @Option(names = "--json", description = "Print them as JSON (this project's own form).")
  boolean json;

  /** A service type as upstream names it: SOURCE, PROCESSOR, SINK, PIPELINE, UNKNOWN. */
  static String type(ServiceType t) {
    return switch (t) {
      case SERVICE_TYPE_SOURCE -> "SOURCE";
      case SERVICE_TYPE_PROCESSOR -> "PROCESSOR";
      case SERVICE_TYPE_SINK -> "SINK";
      case SERVICE_TYPE_PIPELINE -> "PIPELINE";
      default -> "UNKNOWN";
    };
  }

  @Override
  public Integer call() throws Exception {
    List<ServiceStatus> services =
        remote
            .legacy("listing services", s -> s.listServices(Empty.getDefaultInstance()))
            .getServicesList();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      var a = Remote.JSON.createArrayNode();
      for (ServiceStatus s : services) {
        var n = a.addObject();
        n.put("id", s.getServiceId());
        n.put("type", type(s.getServiceType()));
        n.put("healthy", s.getIsHealthy());
        n.put("lastHeartbeat", Remote.time(s.getLastHeartbeat()));
        var m = n.putObject("metrics");
        new TreeMap<>(s.getMetricsMap()).forEach(m::put);
      }
      out.println(Remote.JSON.writeValueAsString(a));
      return ExitCodes.OK;
    }
    if (services.isEmpty()) {
      out.println("No services registered with the control plane.");
      return ExitCodes.OK;
    }
    if (table) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"ID", "TYPE", "STATUS", "LAST HEARTBEAT"});
      rows.add(new String[] {"----", "----", "------", "--------------"});
      for (ServiceStatus s : services) {
        rows.add(
            new String[] {
              s.getServiceId(),
              type(s.getServiceType()),
              s.getIsHealthy() ? "HEALTHY" : "UNHEALTHY",
              s.hasLastHeartbeat() ? TABLE_TIME.format(instant(s)) : "Never"
            });
      }
      printColumns(out, rows, 2);
      return ExitCodes.OK;
    }
    out.printf(Locale.ROOT, "Registered Services (%d):%n", services.size());
    out.println("========================");
    for (ServiceStatus s : services) {
      out.println("ID: " + s.getServiceId());
      out.println("Type: " + type(s.getServiceType()));
      out.println("Status: " + (s.getIsHealthy() ? "🟢 HEALTHY" : "🔴 UNHEALTHY"));
      if (s.hasLastHeartbeat()) {
        out.println(
            "Last Heartbeat: "
                + DateTimeFormatter.ISO_INSTANT.format(
                    instant(s).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
      }
      if (s.getMetricsCount() > 0) {
        out.println("Metrics:");
        new TreeMap<>(s.getMetricsMap())
            .forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %.2f%n", k, v));
      }
      out.println("------------------------");
    }
    return ExitCodes.OK;
  }

  private static Instant instant(ServiceStatus s) {
    return Instant.ofEpochSecond(
        s.getLastHeartbeat().getSeconds(), s.getLastHeartbeat().getNanos());
  }

  /** Cells padded to their column's widest plus {@code padding}, as Go's tabwriter does. */
  static void printColumns(PrintWriter out, List<String[]> rows, int padding) {
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    for (String[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        b.append(r[i]);
        if (i < r.length - 1) {
          b.append(" ".repeat(width[i] - r[i].length() + padding));
        }
      }
      out.println(b);
    }
  }
}
