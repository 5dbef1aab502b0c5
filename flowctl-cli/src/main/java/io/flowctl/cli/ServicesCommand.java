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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
    ObjectNode meta = n.putObject("metadata");
    new TreeMap<>(c.getComponent().getMetadataMap()).forEach(meta::put);
    return n;
  }

  @Command(
      name = "services",
      description = {
        "List the services a running control plane knows: id, type, health, last heartbeat and"
            + " event types (unhealthy ones too)."
      })
  static final class List_ extends RemoteCommand {

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
        Remote.printJson(out, all, ServicesCommand::json);
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
    String flight = c.getComponent().getMetadataMap().get("flight_endpoint");
    if (flight != null) {
      b.append(b.length() == 0 ? "" : "  ").append("flight: ").append(flight);
    }
    return b.length() == 0 ? "-" : b.toString();
  }

  @Command(
      name = "status",
      description = {
        "Show one service: health, heartbeats, event types and its latest metrics; exits 1 when"
            + " it is not healthy.",
        "Without an ID, or with a pipeline file (upstream's 'flowctl status [PIPELINE_FILE]'),"
            + " show every component of the control plane as upstream prints it: the pipeline's"
            + " state, then its sources, processors and consumers."
      })
  static final class Status extends RemoteCommand {

    @Parameters(
        paramLabel = "ID|PIPELINE_FILE",
        arity = "0..1",
        description = "A service id, or a pipeline file (its name heads the status).")
    String id;

    @Option(names = "--json", description = "Print it as JSON.")
    boolean json;

    @Option(
        names = "--control-plane-address",
        paramLabel = "HOST",
        description = "Upstream's flag: the control plane's address (with --control-plane-port).")
    String controlPlaneAddress;

    @Option(
        names = "--control-plane-port",
        paramLabel = "PORT",
        description = "Upstream's flag: the control plane's port (default 8080).")
    Integer controlPlanePort;

    @Option(
        names = "--control-plane-addr",
        paramLabel = "HOST:PORT",
        description = "Upstream's older flag: the control plane as one address.")
    String controlPlaneAddr;

    @Option(
        names = "--include-unhealthy",
        description = "Upstream's flag: include unhealthy components.")
    boolean includeUnhealthy;

    @Override
    public Integer call() throws Exception {
      if (controlPlaneAddr != null) {
        remote.server = controlPlaneAddr;
      } else if (controlPlaneAddress != null || controlPlanePort != null) {
        remote.server =
            (controlPlaneAddress == null ? "127.0.0.1" : controlPlaneAddress)
                + ":"
                + (controlPlanePort == null ? 8080 : controlPlanePort);
      }
      if (id == null || looksLikeAFile(id)) {
        return pipelineStatus();
      }
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

    private static boolean looksLikeAFile(String arg) {
      return arg.endsWith(".yaml")
          || arg.endsWith(".yml")
          || java.nio.file.Files.isRegularFile(java.nio.file.Path.of(arg));
    }

    /** Upstream's pipeline status, printed as upstream prints it (its colours included). */
    private int pipelineStatus() throws Exception {
      String pipelineName = "";
      if (id != null) {
        try {
          pipelineName =
              io.flowctl.server.pipeline.PipelineParser.parse(java.nio.file.Path.of(id))
                  .pipeline()
                  .map(io.flowctl.server.pipeline.Pipeline::name)
                  .orElse("");
        } catch (java.io.IOException unreadable) {
          // as upstream: the file only names the status
        }
      }
      List<ComponentStatusResponse> all =
          remote
              .v1(
                  "listing components",
                  s ->
                      s.listComponents(
                          ListComponentsRequest.newBuilder()
                              .setIncludeUnhealthy(includeUnhealthy)
                              .build()))
              .getComponentsList();
      PrintWriter out = spec.commandLine().getOut();
      if (all.isEmpty()) {
        out.println("No components registered with control plane");
        out.println("Start a pipeline with: flowctl run pipeline.yaml");
        return ExitCodes.OK;
      }
      int healthy = 0;
      int degraded = 0;
      int unhealthy = 0;
      int starting = 0;
      for (ComponentStatusResponse c : all) {
        switch (c.getStatus()) {
          case HEALTH_STATUS_HEALTHY -> healthy++;
          case HEALTH_STATUS_DEGRADED -> degraded++;
          case HEALTH_STATUS_UNHEALTHY -> unhealthy++;
          case HEALTH_STATUS_STARTING -> starting++;
          default -> {}
        }
      }
      out.println(pipelineName.isEmpty() ? "Pipeline Status" : "Pipeline: " + pipelineName);
      String state =
          unhealthy > 0
              ? "UNHEALTHY"
              : degraded > 0 ? "DEGRADED" : starting > 0 ? "STARTING" : "RUNNING";
      out.println("Status: " + colour(state, state));
      StringBuilder counts =
          new StringBuilder("Components: " + all.size() + " total (" + healthy + " healthy");
      if (starting > 0) {
        counts.append(", ").append(starting).append(" starting");
      }
      if (degraded > 0) {
        counts.append(", ").append(degraded).append(" degraded");
      }
      if (unhealthy > 0) {
        counts.append(", ").append(unhealthy).append(" unhealthy");
      }
      out.println(counts.append(")"));
      out.println();
      java.time.Instant now = java.time.Instant.now();
      section(
          out, "SOURCES", all, io.flowctl.proto.v1.ComponentType.COMPONENT_TYPE_SOURCE, now, true);
      section(
          out,
          "PROCESSORS",
          all,
          io.flowctl.proto.v1.ComponentType.COMPONENT_TYPE_PROCESSOR,
          now,
          true);
      section(
          out,
          "CONSUMERS",
          all,
          io.flowctl.proto.v1.ComponentType.COMPONENT_TYPE_CONSUMER,
          now,
          false);
      return ExitCodes.OK;
    }

    private static void section(
        PrintWriter out,
        String title,
        List<ComponentStatusResponse> all,
        io.flowctl.proto.v1.ComponentType type,
        java.time.Instant now,
        boolean blankAfter) {
      List<ComponentStatusResponse> these =
          all.stream().filter(c -> c.getComponent().getType() == type).toList();
      if (these.isEmpty()) {
        return;
      }
      out.println(title + " (" + these.size() + ")");
      for (ComponentStatusResponse c : these) {
        String health = c.getStatus().name();
        out.println("  " + c.getComponent().getId() + " (" + colour(health, health) + ")");
        out.println("    Endpoint: " + c.getComponent().getEndpoint());
        if (c.hasRegisteredAt()) {
          out.println("    Uptime: " + since(c.getRegisteredAt(), now));
        }
        String beat = "never";
        if (c.hasLastHeartbeat()) {
          java.time.Duration d =
              java.time.Duration.between(
                  java.time.Instant.ofEpochSecond(c.getLastHeartbeat().getSeconds()), now);
          beat = d.toSeconds() < 5 ? "just now" : since(c.getLastHeartbeat(), now) + " ago";
        }
        out.println("    Last heartbeat: " + beat);
        if (c.getComponent().getInputEventTypesCount() > 0) {
          out.println(
              "    Input types: " + String.join(", ", c.getComponent().getInputEventTypesList()));
        }
        if (c.getComponent().getOutputEventTypesCount() > 0) {
          out.println(
              "    Output types: " + String.join(", ", c.getComponent().getOutputEventTypesList()));
        }
        if (c.getMetricsCount() > 0) {
          out.println("    Metrics:");
          new TreeMap<>(c.getMetricsMap()).forEach((k, v) -> out.println("      " + k + ": " + v));
        }
      }
      if (blankAfter) {
        out.println();
      }
    }

    /** A duration as upstream prints it: 42s, 5m, 2h 10m. */
    private static String since(com.google.protobuf.Timestamp t, java.time.Instant now) {
      long s =
          Math.max(
              0,
              java.time.Duration.between(java.time.Instant.ofEpochSecond(t.getSeconds()), now)
                  .toSeconds());
      if (s < 60) {
        return s + "s";
      }
      long h = s / 3600;
      long m = (s % 3600) / 60;
      return h > 0 ? h + "h " + m + "m" : m + "m";
    }

    /** Upstream's ANSI colours: green healthy or running, cyan starting, yellow degraded, red. */
    private static String colour(String text, String state) {
      String code =
          state.contains("UNHEALTHY")
              ? "31"
              : state.contains("HEALTHY") || state.equals("RUNNING")
                  ? "32"
                  : state.contains("DEGRADED") ? "33" : state.contains("STARTING") ? "36" : null;
      return code == null ? text : "\033[" + code + "m" + text + "\033[0m";
    }
  }
}
