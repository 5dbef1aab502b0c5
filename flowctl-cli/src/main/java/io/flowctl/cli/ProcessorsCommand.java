package io.flowctl.cli;

import io.flowctl.FlowctlException;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentStatusRequest;
import io.flowctl.proto.v1.ComponentStatusResponse;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.DiscoveryRequest;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.ListComponentsRequest;
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
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flowctl processors list|show|find}: upstream's processor discovery, with its flags and
 * printed as upstream prints it, so its scripts and docs work here.
 */
@Command(
    name = "processors",
    description =
        "List, show and find the processors registered with a control plane, as upstream flowctl"
            + " does.",
    subcommands = {
      ProcessorsCommand.ListProcessors.class,
      ProcessorsCommand.Show.class,
      ProcessorsCommand.Find.class
    })
final class ProcessorsCommand extends CommandGroup {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  /** Event types as upstream's tables show them: "-", the one type, or the first and "(+n)". */
  static String eventTypes(List<String> types) {
    if (types.isEmpty()) {
      return "-";
    }
    return types.size() == 1 ? types.get(0) : types.get(0) + " (+" + (types.size() - 1) + ")";
  }

  /** A health status as upstream prints it. */
  static String health(HealthStatus s) {
    return switch (s) {
      case HEALTH_STATUS_HEALTHY -> "✓ healthy";
      case HEALTH_STATUS_DEGRADED -> "⚠ degraded";
      case HEALTH_STATUS_UNHEALTHY -> "✗ unhealthy";
      case HEALTH_STATUS_STARTING -> "⟳ starting";
      case HEALTH_STATUS_STOPPING -> "⊗ stopping";
      default -> "? unknown";
    };
  }

  private static String endpoint(ComponentInfo c) {
    return c.getEndpoint().isEmpty() ? "-" : c.getEndpoint();
  }

  @Command(
      name = "list",
      description =
          "List the processors registered with the control plane: their input and output types,"
              + " health and endpoint (healthy ones only, unless --include-unhealthy).")
  static final class ListProcessors extends RemoteCommand {

    @Option(names = "--include-unhealthy", description = "Include unhealthy processors.")
    boolean includeUnhealthy;

    @Override
    public Integer call() {
      List<ComponentStatusResponse> found =
          remote
              .v1(
                  "listing processors",
                  s ->
                      s.listComponents(
                          ListComponentsRequest.newBuilder()
                              .setTypeFilter(ComponentType.COMPONENT_TYPE_PROCESSOR)
                              .setIncludeUnhealthy(includeUnhealthy)
                              .build()))
              .getComponentsList();
      PrintWriter out = spec.commandLine().getOut();
      if (found.isEmpty()) {
        if (includeUnhealthy) {
          out.println("No processors registered with the control plane.");
        } else {
          out.println("No healthy processors registered with the control plane.");
          out.println("Hint: Use --include-unhealthy to see unhealthy processors");
        }
        return ExitCodes.OK;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"ID", "INPUT TYPES", "OUTPUT TYPES", "STATUS", "ENDPOINT"});
      rows.add(new String[] {"──", "───────────", "────────────", "──────", "────────"});
      for (ComponentStatusResponse c : found) {
        ComponentInfo i = c.getComponent();
        rows.add(
            new String[] {
              i.getId(),
              eventTypes(i.getInputEventTypesList()),
              eventTypes(i.getOutputEventTypesList()),
              health(c.getStatus()),
              endpoint(i)
            });
      }
      ListCommand.printColumns(out, rows, 3);
      out.printf(Locale.ROOT, "%nTotal: %d processor(s)%n", found.size());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "show",
      description =
          "Show one processor in full: its information, event types, endpoint, health, metrics"
              + " and metadata.")
  static final class Show extends RemoteCommand {

    @Parameters(paramLabel = "ID", description = "The processor's id.")
    String id;

    @Option(names = "--include-unhealthy", description = "Accepted as upstream does; no effect.")
    boolean includeUnhealthy;

    @Override
    public Integer call() {
      ComponentStatusResponse status =
          remote.v1(
              "processor '" + id + "'",
              s ->
                  s.getComponentStatus(
                      ComponentStatusRequest.newBuilder().setServiceId(id).build()));
      ComponentInfo c = status.getComponent();
      if (c.getType() != ComponentType.COMPONENT_TYPE_PROCESSOR) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "component '" + id + "' is not a processor (type: " + c.getType() + ")");
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println("Processor: " + c.getId());
      out.println("═══════════════════════════════════════════════════════");
      out.println();
      out.println("Basic Information:");
      if (!c.getName().isEmpty()) {
        out.println("  Name:        " + c.getName());
      }
      if (!c.getVersion().isEmpty()) {
        out.println("  Version:     " + c.getVersion());
      }
      if (!c.getDescription().isEmpty()) {
        out.println("  Description: " + c.getDescription());
      }
      out.println();
      out.println("Event Types:");
      types(out, "  Input Types:  ", c.getInputEventTypesList());
      types(out, "  Output Types: ", c.getOutputEventTypesList());
      out.println();
      out.println("Connection:");
      out.println(
          "  Endpoint:    " + (c.getEndpoint().isEmpty() ? "(not specified)" : c.getEndpoint()));
      out.println();
      out.println("Health:");
      out.println("  Status:       " + health(status.getStatus()));
      if (status.hasLastHeartbeat()) {
        Instant seen =
            Instant.ofEpochSecond(
                status.getLastHeartbeat().getSeconds(), status.getLastHeartbeat().getNanos());
        long ago = Math.max(0, Duration.between(seen, Instant.now()).toSeconds());
        out.println("  Last Heartbeat: " + TIME.format(seen) + " (" + ago + "s ago)");
      }
      if (status.hasRegisteredAt()) {
        out.println(
            "  Registered At:  "
                + TIME.format(Instant.ofEpochSecond(status.getRegisteredAt().getSeconds())));
      }
      out.println();
      section(out, "Metrics:", status.getMetricsMap());
      section(out, "Metadata:", c.getMetadataMap());
      return ExitCodes.OK;
    }

    private static void types(PrintWriter out, String label, List<String> types) {
      out.print(label);
      if (types.isEmpty()) {
        out.println("(none)");
        return;
      }
      out.println();
      types.forEach(t -> out.println("    - " + t));
    }

    private static void section(PrintWriter out, String title, Map<String, String> values) {
      if (values.isEmpty()) {
        return;
      }
      out.println(title);
      new TreeMap<>(values).forEach((k, v) -> out.println("  " + k + ": " + v));
      out.println();
    }
  }

  @Command(
      name = "find",
      description =
          "Find the processors that take --input, make --output and carry every --metadata"
              + " key=value (at least one filter).")
  static final class Find extends RemoteCommand {

    @Option(names = "--input", paramLabel = "TYPE", description = "An input event type it takes.")
    String input = "";

    @Option(names = "--output", paramLabel = "TYPE", description = "An output event type it makes.")
    String output = "";

    @Option(
        names = "--metadata",
        paramLabel = "KEY=VALUE",
        description = "A metadata entry it carries (repeatable).")
    Map<String, String> metadata = new LinkedHashMap<>();

    @Option(names = "--include-unhealthy", description = "Accepted as upstream does; no effect.")
    boolean includeUnhealthy;

    @Override
    public Integer call() {
      if (input.isEmpty() && output.isEmpty() && metadata.isEmpty()) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "at least one filter must be specified (--input, --output, or --metadata)");
      }
      DiscoveryRequest.Builder r =
          DiscoveryRequest.newBuilder()
              .setType(ComponentType.COMPONENT_TYPE_PROCESSOR)
              .putAllMetadataFilters(metadata);
      if (!input.isEmpty()) {
        r.addEventTypes(input);
      }
      if (!output.isEmpty()) {
        r.addEventTypes(output);
      }
      List<ComponentInfo> matches = new ArrayList<>();
      for (ComponentInfo c :
          remote.v1("discovery", s -> s.discoverComponents(r.build())).getComponentsList()) {
        // Discovery ORs the event types; an input and an output filter both have to hold.
        if ((input.isEmpty() || c.getInputEventTypesList().contains(input))
            && (output.isEmpty() || c.getOutputEventTypesList().contains(output))) {
          matches.add(c);
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      if (matches.isEmpty()) {
        out.println("No processors found matching the specified criteria.");
        out.println();
        out.println("Search criteria:");
        if (!input.isEmpty()) {
          out.println("  Input type:  " + input);
        }
        if (!output.isEmpty()) {
          out.println("  Output type: " + output);
        }
        if (!metadata.isEmpty()) {
          out.println("  Metadata:");
          metadata.forEach((k, v) -> out.println("    " + k + ": " + v));
        }
        return ExitCodes.OK;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"ID", "INPUT TYPES", "OUTPUT TYPES", "ENDPOINT"});
      rows.add(new String[] {"──", "───────────", "────────────", "────────"});
      for (ComponentInfo c : matches) {
        rows.add(
            new String[] {
              c.getId(),
              eventTypes(c.getInputEventTypesList()),
              eventTypes(c.getOutputEventTypesList()),
              endpoint(c)
            });
      }
      ListCommand.printColumns(out, rows, 3);
      out.printf(Locale.ROOT, "%nFound: %d processor(s)%n", matches.size());
      return ExitCodes.OK;
    }
  }
}
