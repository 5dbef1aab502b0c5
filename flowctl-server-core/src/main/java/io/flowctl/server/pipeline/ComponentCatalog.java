package io.flowctl.server.pipeline;

import io.flowctl.FlowctlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The local answer to what upstream resolves from its component registry: a component given only as
 * {@code type: name@version} runs the command this catalog maps the reference to. The catalog is a
 * YAML file of references, each to an argument list or one command line:
 *
 * <pre>
 * stellar-live-source@v1.0.0: ["/opt/flowctl/bin/stellar-live-source", "--rpc"]
 * duckdb-consumer@v1.0.0: /opt/flowctl/bin/duckdb-consumer
 * </pre>
 *
 * It also says, before anything starts, what {@code flowctl run} cannot run: drivers other than the
 * process one, and {@code spec.pipelines} entries. Immutable.
 */
public final class ComponentCatalog {
  /** Drivers whose components {@code flowctl run} starts: OS processes on this machine. */
  static final List<String> PROCESS_DRIVERS = List.of("process", "local");

  private final Map<String, List<String>> commands;
  private final String source;

  private ComponentCatalog(Map<String, List<String>> commands, String source) {
    this.commands = Map.copyOf(commands);
    this.source = source;
  }

  /** No references resolve. */
  public static ComponentCatalog empty() {
    return new ComponentCatalog(
        Map.of(), "no component catalog resolves it (flowctl run --components FILE)");
  }

  /**
   * The catalog in {@code file}.
   *
   * @throws FlowctlException INVALID_ARGUMENT naming the file and the entry that is malformed
   */
  public static ComponentCatalog load(Path file) throws IOException {
    Object root;
    try {
      root =
          new Load(LoadSettings.builder().setMaxAliasesForCollections(10).build())
              .loadFromString(Files.readString(file, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          file
              + ": not a component catalog ("
              + e.getMessage().lines().findFirst().orElse("")
              + ")",
          e);
    }
    if (root == null) {
      return new ComponentCatalog(Map.of(), file + " has no entry for it");
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          file + ": a component catalog maps name@version to a command");
    }
    Map<String, List<String>> commands = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String ref = String.valueOf(e.getKey());
      List<String> argv = new ArrayList<>();
      if (e.getValue() instanceof List<?> list && !list.isEmpty()) {
        list.forEach(a -> argv.add(String.valueOf(a)));
      } else if (e.getValue() instanceof String line && !line.isBlank()) {
        argv.addAll(List.of(line.strip().split("\\s+")));
      } else {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            file + ": '" + ref + "' needs a command (a list of arguments or one line)");
      }
      commands.put(ref, argv);
    }
    return new ComponentCatalog(commands, file + " has no entry for it");
  }

  /**
   * {@code pipeline} with every {@code type}-only component given its command.
   *
   * @throws FlowctlException FAILED_PRECONDITION naming what cannot run here: another driver,
   *     pipeline components, or references the catalog does not have
   */
  public Pipeline resolve(Pipeline pipeline) {
    Objects.requireNonNull(pipeline, "pipeline");
    List<String> refused = new ArrayList<>();
    if (!PROCESS_DRIVERS.contains(pipeline.driver())) {
      refused.add(
          "driver '"
              + pipeline.driver()
              + "' deploys with "
              + pipeline.driver()
              + "; flowctl run starts components as processes (driver process or local)");
    }
    for (String id : pipeline.pipelineComponents()) {
      refused.add("pipeline component '" + id + "' runs only under upstream's container drivers");
    }
    List<Pipeline.Component> out = new ArrayList<>();
    for (Pipeline.Component c : pipeline.components()) {
      if (!c.command().isEmpty() || !c.image().isEmpty() || c.type().isEmpty()) {
        out.add(c);
        continue;
      }
      List<String> argv = commands.get(c.type());
      if (argv == null) {
        refused.add(
            "component '"
                + c.id()
                + "' (line "
                + c.line()
                + ") is the reference '"
                + c.type()
                + "', and "
                + source);
      } else {
        out.add(c.withCommand(argv));
      }
    }
    if (!refused.isEmpty()) {
      throw new FlowctlException(
          FlowctlException.Code.FAILED_PRECONDITION,
          pipeline.file() + ": cannot run here: " + String.join("; ", refused));
    }
    return new Pipeline(
        pipeline.name(), pipeline.file(), out, pipeline.driver(), pipeline.pipelineComponents());
  }
}
