package io.flowctl.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowctl.proto.v1.ComponentStatusRequest;
import io.flowctl.proto.v1.ComponentStatusResponse;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.ListComponentsRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flowctl services} and {@code flowctl status ID}: what a running control plane knows. */
final class ServicesCommand {
  private ServicesCommand() {}

  static String health(HealthStatus s) {
    return s.name().substring("HEALTH_STATUS_".length()).toLowerCase(Locale.ROOT);
  }

  static String type(ComponentStatusResponse c) {
    return c.getComponent()
        .getType()
        .name()
        .substring("COMPONENT_TYPE_".length())
        .toLowerCase(Locale.ROOT);
  }

  static ObjectNode json(ComponentStatusResponse c) {
    ObjectNode n = Remote.JSON.createObjectNode();
    n.put("id", c.getComponent().getId());
    n.put("type", type(c));
    n.put("health", health(c.getStatus()));
    n.put("lastHeartbeat", Remote.time(c.getLastHeartbeat()));
    n.put("registeredAt", Remote.time(c.getRegisteredAt()));
    n.put("endpoint", c.getComponent().getEndpoint());
    ArrayNode in = n.putArray("inputEventTypes");
    c.getComponent().getInputEventTypesList().forEach(in::add);
    ArrayNode out = n.putArray("outputEventTypes");
    c.getComponent().getOutputEventTypesList().forEach(out::add);
    return n;
  }

  @Command(
      name = "services",
      mixinStandardHelpOptions = true,
      description = {
        "List the services a running control plane knows: id, type, health, last heartbeat and"
            + " event types (unhealthy ones too)."
      })
  static final class List_ implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Remote remote;

    @Option(names = "--json", description = "Print them as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      List<ComponentStatusResponse> all =
          remote
              .v1(
                  "listing services",
                  s ->
                      s.listComponents(
                          ListComponentsRequest.newBuilder().setIncludeUnhealthy(true).build()))
              .getComponentsList();
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ArrayNode a = Remote.JSON.createArrayNode();
        all.forEach(c -> a.add(json(c)));
        out.println(Remote.JSON.writeValueAsString(a));
        return ExitCodes.OK;
      }
      out.printf(
          Locale.ROOT,
          "%-28s %-10s %-10s %-24s %s%n",
          "ID",
          "TYPE",
          "HEALTH",
          "LAST HEARTBEAT",
          "EVENT TYPES");
      for (ComponentStatusResponse c : all) {
        out.printf(
            Locale.ROOT,
            "%-28s %-10s %-10s %-24s %s%n",
            c.getComponent().getId(),
            type(c),
            health(c.getStatus()),
            Remote.time(c.getLastHeartbeat()),
            eventTypes(c));
      }
      return ExitCodes.OK;
    }
  }

  static String eventTypes(ComponentStatusResponse c) {
    StringBuilder b = new StringBuilder();
    if (c.getComponent().getInputEventTypesCount() > 0) {
      b.append("in: ").append(String.join(",", c.getComponent().getInputEventTypesList()));
    }
    if (c.getComponent().getOutputEventTypesCount() > 0) {
      b.append(b.length() == 0 ? "" : "  ")
          .append("out: ")
          .append(String.join(",", c.getComponent().getOutputEventTypesList()));
    }
    return b.length() == 0 ? "-" : b.toString();
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Show one service: health, heartbeats, event types and its latest metrics.",
        "Exits 1 when it is not healthy."
      })
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Remote remote;

    @Parameters(paramLabel = "ID", description = "The service id.")
    String id;

    @Option(names = "--json", description = "Print it as JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
      ComponentStatusResponse c =
          remote.v1(
              "the status of '" + id + "'",
              s ->
                  s.getComponentStatus(
                      ComponentStatusRequest.newBuilder().setServiceId(id).build()));
      boolean healthy =
          c.getStatus() == HealthStatus.HEALTH_STATUS_HEALTHY
              || c.getStatus() == HealthStatus.HEALTH_STATUS_DEGRADED;
      Map<String, String> metrics = new TreeMap<>(c.getMetricsMap());
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ObjectNode n = json(c);
        ObjectNode m = n.putObject("metrics");
        metrics.forEach(m::put);
        out.println(Remote.JSON.writeValueAsString(n));
      } else {
        out.println("id:              " + c.getComponent().getId());
        out.println("type:            " + type(c));
        out.println("health:          " + health(c.getStatus()));
        out.println("registered at:   " + Remote.time(c.getRegisteredAt()));
        out.println("last heartbeat:  " + Remote.time(c.getLastHeartbeat()));
        out.println("endpoint:        " + c.getComponent().getEndpoint());
        out.println("event types:     " + eventTypes(c));
        if (!metrics.isEmpty()) {
          out.println("metrics:");
          metrics.forEach((k, v) -> out.println("  " + k + " = " + v));
        }
      }
      return healthy ? ExitCodes.OK : ExitCodes.NOT_SATISFIED;
    }
  }
}
