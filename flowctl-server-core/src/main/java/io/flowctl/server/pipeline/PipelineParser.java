package io.flowctl.server.pipeline;

import io.flowctl.ipc.ArrowIpc;
import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityResult;
import io.flowctl.schema.EvolutionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Schema;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads and validates a pipeline file. Every problem is collected with its file, line and column
 * and what was expected; a pipeline is returned only when there is none.
 */
public final class PipelineParser {
  /** The outcome: a pipeline, or the problems that prevent one. */
  public record Result(Optional<Pipeline> pipeline, List<Problem> problems) {
    public boolean valid() {
      return problems.isEmpty();
    }
  }

  private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec");

  /** Component ids: they become file names, process environment and registry keys. */
  private static final java.util.regex.Pattern VALID_ID =
      java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** At most 60 characters of {@code s}, control characters shown as '?'. */
  private static String printable(String s) {
    String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
    return cut.replaceAll("[\\p{Cntrl}\\p{Cf}]", "?");
  }

  private static final Set<String> METADATA =
      Set.of("name", "namespace", "labels", "annotations", "description");
  private static final Set<String> SPEC =
      Set.of(
          "description",
          "driver",
          "config",
          "sources",
          "processors",
          "sinks",
          "pipelines",
          "arrow");

  /** Upstream's drivers (its CUE schema, and {@code process}, which its quickstart writes). */
  private static final List<String> DRIVERS =
      List.of("process", "local", "docker", "kubernetes", "k8s", "nomad");

  private static final Set<String> COMPONENT =
      Set.of(
          "id",
          "name",
          "type",
          "image",
          "command",
          "args",
          "inputs",
          "env",
          "ports",
          "health_check",
          "health_port",
          "depends_on",
          "config",
          "replicas",
          "resources",
          "volumes",
          "restart_policy");
  private static final Set<String> ARROW =
      Set.of(
          "enabled",
          "format",
          "compression",
          "batch_size",
          "schema_evolution",
          "input_format",
          "output_format",
          "conversion_mode",
          "memory_optimization");
  private static final Set<String> PERFORMANCE =
      Set.of("parallel_conversion", "batch_accumulation_timeout");
  private static final Set<String> OUTPUT_SCHEMA = Set.of("event_type", "schema_file");
  private static final List<String> FORMATS = List.of("ipc", "arrow_ipc", "parquet");
  private static final List<String> DATA_FORMATS =
      List.of("protobuf", "ipc", "arrow_ipc", "parquet", "json");
  private static final List<String> COMPRESSIONS = List.of("none", "lz4", "zstd");
  private static final List<String> CONVERSION_MODES = List.of("native", "hybrid", "compatibility");
  private static final List<String> EVOLUTION =
      List.of(
          "none",
          "backward",
          "forward",
          "full",
          "backward_transitive",
          "forward_transitive",
          "full_transitive",
          "strict");

  private final Path file;
  private final String name;
  private final List<Problem> problems = new ArrayList<>();

  private PipelineParser(Path file) {
    this.file = file;
    this.name = file.toString();
  }

  /**
   * Parses and validates {@code file}.
   *
   * @throws IOException when the file cannot be read at all
   */
  public static Result parse(Path file) throws IOException {
    PipelineParser parser = new PipelineParser(file);
    byte[] bytes = Files.readAllBytes(file);
    java.nio.CharBuffer text = java.nio.CharBuffer.allocate(bytes.length);
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
    java.nio.charset.CoderResult decoded =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
            .decode(in, text, true);
    if (decoded.isError()) {
      int at = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      parser.problems.add(
          new Problem(
              parser.name,
              line,
              at - lineStart + 1,
              String.format(
                  Locale.ROOT, "not UTF-8 text: byte 0x%02X at offset %d", bytes[at] & 0xFF, at)));
      return new Result(Optional.empty(), List.copyOf(parser.problems));
    }
    return parser.run(text.flip().toString());
  }

  /**
   * Deeper than this, a file is refused while it is composed: snakeyaml-engine composes nodes
   * recursively, so a file of a hundred thousand brackets would overflow the stack.
   */
  static final int MAX_NESTING = 64;

  private Result run(String text) {
    LoadSettings settings = LoadSettings.builder().setLabel(name).build();
    Node root;
    try {
      root =
          new Composer(
                  settings,
                  new DepthLimit(new ParserImpl(settings, new StreamReader(settings, text))))
              .getSingleNode()
              .orElse(null);
    } catch (TooDeep e) {
      return yamlProblem(e.at, "nested deeper than " + MAX_NESTING + " levels");
    } catch (MarkedYamlEngineException e) {
      return yamlProblem(
          e.getProblemMark().or(e::getContextMark).orElse(null),
          "not valid YAML: " + e.getProblem());
    } catch (YamlEngineException e) {
      return yamlProblem(null, "not valid YAML: " + e.getMessage());
    }
    if (!(root instanceof MappingNode top)) {
      problem(root, "expected a mapping with apiVersion, kind, metadata and spec");
      return new Result(Optional.empty(), List.copyOf(problems));
    }
    Map<String, NodeTuple> t = keys(top, TOP, "the pipeline");
    expectScalar(t, "apiVersion", top, List.of("flowctl/v1"));
    expectScalar(t, "kind", top, List.of("Pipeline"));
    String pipelineName = "";
    if (t.get("metadata") != null && t.get("metadata").getValueNode() instanceof MappingNode mm) {
      Map<String, NodeTuple> m = keys(mm, METADATA, "metadata");
      pipelineName = m.containsKey("name") ? scalar(m.get("name").getValueNode(), "a name") : "";
      if (!m.containsKey("name")) {
        problem(mm, "metadata needs a name");
      }
    } else {
      problem(top, "missing metadata (with a name)");
    }
    List<Pipeline.Component> components = new ArrayList<>();
    List<String> pipelineComponents = new ArrayList<>();
    String driver = "process";
    boolean arrowEnabled = true;
    if (t.get("spec") != null && t.get("spec").getValueNode() instanceof MappingNode spec) {
      Map<String, NodeTuple> s = keys(spec, SPEC, "spec");
      driver = oneOf(s.get("driver"), DRIVERS, "process");
      if (s.get("config") != null && !(s.get("config").getValueNode() instanceof MappingNode)) {
        problem(s.get("config").getValueNode(), "spec.config must be a mapping");
      }
      pipelineComponents.addAll(pipelines(s.get("pipelines")));
      if (s.get("arrow") != null && s.get("arrow").getValueNode() instanceof MappingNode a) {
        Map<String, NodeTuple> ak = keys(a, Set.of("enabled"), "spec.arrow");
        if (ak.containsKey("enabled")) {
          arrowEnabled = bool(ak.get("enabled").getValueNode());
        }
      }
      components.addAll(section(s, "sources", Pipeline.Role.SOURCE, arrowEnabled));
      components.addAll(section(s, "processors", Pipeline.Role.PROCESSOR, arrowEnabled));
      components.addAll(section(s, "sinks", Pipeline.Role.SINK, arrowEnabled));
      if (components.isEmpty() && pipelineComponents.isEmpty()) {
        problem(spec, "spec has no sources, processors, sinks or pipelines");
      }
    } else {
      problem(top, "missing spec (sources, processors, sinks)");
    }
    graph(components);
    Optional<Pipeline> p =
        problems.isEmpty()
            ? Optional.of(
                new Pipeline(
                    pipelineName,
                    file,
                    List.copyOf(components),
                    driver,
                    List.copyOf(pipelineComponents)))
            : Optional.empty();
    problems.sort(
        java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
    return new Result(p, List.copyOf(problems));
  }

  // ---- components ----

  private final Map<String, Node> componentNodes = new HashMap<>();
  private final Map<String, Node> inputNodes = new HashMap<>();

  private List<Pipeline.Component> section(
      Map<String, NodeTuple> spec, String key, Pipeline.Role role, boolean arrowEnabled) {
    NodeTuple t = spec.get(key);
    if (t == null) {
      return List.of();
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      problem(t.getValueNode(), "spec." + key + " must be a list of components");
      return List.of();
    }
    List<Pipeline.Component> out = new ArrayList<>();
    for (Node n : seq.getValue()) {
      if (!(n instanceof MappingNode m)) {
        problem(n, "a component must be a mapping with at least an id");
        continue;
      }
      Pipeline.Component c = component(m, role, arrowEnabled);
      if (c != null) {
        out.add(c);
      }
    }
    return out;
  }

  private Pipeline.Component component(MappingNode m, Pipeline.Role role, boolean arrowEnabled) {
    Map<String, NodeTuple> k = keys(m, COMPONENT, "a component");
    if (!k.containsKey("id")) {
      problem(m, "a component needs an id");
      return null;
    }
    Node idNode = k.get("id").getValueNode();
    String id = scalar(idNode, "an id");
    if (!VALID_ID.matcher(id).matches()) {
      problem(
          idNode,
          "component id '"
              + printable(id)
              + "' must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit (ids name log files and outputs)");
      return null;
    }
    if (componentNodes.containsKey(id)) {
      Node first = componentNodes.get(id);
      problem(
          idNode,
          "duplicate component id '"
              + id
              + "' (first at line "
              + (first.getStartMark().map(Mark::getLine).orElse(0) + 1)
              + ")");
      return null;
    }
    componentNodes.put(id, m);
    String type = k.containsKey("type") ? scalar(k.get("type").getValueNode(), "a type") : "";
    if (k.containsKey("image") && k.containsKey("command")) {
      problem(m, "component '" + id + "' has both an image and a command; give one");
    } else if (type.isEmpty() && !k.containsKey("image") && !k.containsKey("command")) {
      problem(m, "component '" + id + "' needs an image, a command or a type (name@version)");
    }
    List<String> inputs = strings(k.get("inputs"), "inputs");
    if (k.containsKey("inputs")) {
      inputNodes.put(id, k.get("inputs").getValueNode());
    }
    if (role == Pipeline.Role.SOURCE && !inputs.isEmpty()) {
      problem(k.get("inputs").getValueNode(), "source '" + id + "' takes no inputs");
    }
    if (role != Pipeline.Role.SOURCE && inputs.isEmpty()) {
      problem(m, (role == Pipeline.Role.SINK ? "sink '" : "processor '") + id + "' needs inputs");
    }
    List<String> dependsOn = strings(k.get("depends_on"), "depends_on");
    Map<String, String> env = stringMap(k.get("env"), "env");
    List<String> command = new ArrayList<>(strings(k.get("command"), "command"));
    if (!command.isEmpty()) {
      command.addAll(strings(k.get("args"), "args")); // upstream passes args after the command
    }
    String image = k.containsKey("image") ? scalar(k.get("image").getValueNode(), "an image") : "";

    Pipeline.ArrowSettings arrow = Pipeline.ArrowSettings.DEFAULTS;
    Map<String, Schema> outputs = new LinkedHashMap<>();
    Map<String, String> mapping = new LinkedHashMap<>();
    if (k.get("config") != null && k.get("config").getValueNode() instanceof MappingNode config) {
      Map<String, NodeTuple> c = new LinkedHashMap<>();
      for (NodeTuple ct : config.getValue()) {
        c.put(scalar(ct.getKeyNode(), "a key"), ct);
      }
      arrow = arrow(c, arrowEnabled);
      outputs = outputSchemas(c.get("output_schemas"));
      mapping = stringMap(c.get("schema_mapping"), "config.schema_mapping");
    }
    return new Pipeline.Component(
        id,
        role,
        image,
        command,
        inputs,
        dependsOn,
        env,
        arrow,
        outputs,
        mapping,
        m.getStartMark().map(Mark::getLine).orElse(0) + 1,
        type);
  }

  /** {@code spec.pipelines}: whole pipelines as components; their ids must be unique too. */
  private List<String> pipelines(NodeTuple t) {
    if (t == null) {
      return List.of();
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      problem(t.getValueNode(), "spec.pipelines must be a list of pipeline components");
      return List.of();
    }
    Set<String> allowed = new java.util.HashSet<>(COMPONENT);
    List<String> ids = new ArrayList<>();
    for (Node n : seq.getValue()) {
      if (!(n instanceof MappingNode m)) {
        problem(n, "a pipeline component must be a mapping with at least an id");
        continue;
      }
      Map<String, NodeTuple> k = keys(m, allowed, "a pipeline component");
      if (!k.containsKey("id")) {
        problem(m, "a pipeline component needs an id");
        continue;
      }
      String id = scalar(k.get("id").getValueNode(), "an id");
      if (componentNodes.putIfAbsent(id, m) != null) {
        problem(k.get("id").getValueNode(), "duplicate component id '" + id + "'");
        continue;
      }
      if (k.containsKey("type")
          && !"pipeline".equals(scalar(k.get("type").getValueNode(), "a type"))) {
        problem(
            k.get("type").getValueNode(),
            "pipeline component '" + id + "' must have type 'pipeline'");
      }
      if (!k.containsKey("image") && !k.containsKey("command")) {
        problem(m, "pipeline component '" + id + "' needs an image or a command");
      }
      ids.add(id);
    }
    return ids;
  }

  private Pipeline.ArrowSettings arrow(Map<String, NodeTuple> config, boolean enabled) {
    String format = "ipc";
    String compression = "none";
    int batchSize = 10_000;
    String evolution = "backward";
    Duration timeout = Duration.ofMillis(100);
    boolean on = enabled;
    if (config.get("arrow") != null) {
      if (!(config.get("arrow").getValueNode() instanceof MappingNode a)) {
        problem(config.get("arrow").getValueNode(), "config.arrow must be a mapping");
      } else {
        Map<String, NodeTuple> k = keys(a, ARROW, "config.arrow");
        if (k.containsKey("enabled")) {
          on = enabled && bool(k.get("enabled").getValueNode());
        }
        format = oneOf(k.get("format"), FORMATS, format);
        compression = compressionOf(k.get("compression"), compression);
        evolution = oneOf(k.get("schema_evolution"), EVOLUTION, evolution);
        oneOf(k.get("input_format"), DATA_FORMATS, "");
        oneOf(k.get("output_format"), DATA_FORMATS, "");
        oneOf(k.get("conversion_mode"), CONVERSION_MODES, "");
        if (k.containsKey("memory_optimization")) {
          bool(k.get("memory_optimization").getValueNode());
        }
        if (k.containsKey("batch_size")) {
          batchSize = positiveInt(k.get("batch_size").getValueNode(), "batch_size");
        }
      }
    }
    if (config.get("performance") != null) {
      if (!(config.get("performance").getValueNode() instanceof MappingNode p)) {
        problem(config.get("performance").getValueNode(), "config.performance must be a mapping");
      } else {
        Map<String, NodeTuple> k = keys(p, PERFORMANCE, "config.performance");
        if (k.containsKey("parallel_conversion")) {
          bool(k.get("parallel_conversion").getValueNode());
        }
        if (k.containsKey("batch_accumulation_timeout")) {
          timeout = duration(k.get("batch_accumulation_timeout").getValueNode());
        }
      }
    }
    return new Pipeline.ArrowSettings(on, format, compression, batchSize, evolution, timeout);
  }

  private String compressionOf(NodeTuple t, String fallback) {
    if (t != null && t.getValueNode() instanceof ScalarNode s && s.getValue().equals("brotli")) {
      problem(
          s,
          "compression 'brotli' is not an Arrow IPC body codec: expected one of none, lz4, zstd");
      return fallback;
    }
    return oneOf(t, COMPRESSIONS, fallback);
  }

  private Map<String, Schema> outputSchemas(NodeTuple t) {
    Map<String, Schema> out = new LinkedHashMap<>();
    if (t == null) {
      return out;
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      problem(
          t.getValueNode(), "config.output_schemas must be a list of {event_type, schema_file}");
      return out;
    }
    for (Node n : seq.getValue()) {
      if (!(n instanceof MappingNode m)) {
        problem(n, "an output schema must be a mapping with event_type and schema_file");
        continue;
      }
      Map<String, NodeTuple> k = keys(m, OUTPUT_SCHEMA, "an output schema");
      if (!k.containsKey("event_type") || !k.containsKey("schema_file")) {
        problem(m, "an output schema needs event_type and schema_file");
        continue;
      }
      String type = scalar(k.get("event_type").getValueNode(), "an event type");
      Node fileNode = k.get("schema_file").getValueNode();
      String path = scalar(fileNode, "a schema file");
      Path resolved =
          file.toAbsolutePath().getParent() == null
              ? Path.of(path)
              : file.toAbsolutePath().getParent().resolve(path);
      try {
        out.put(type, readSchema(resolved));
      } catch (IOException | RuntimeException e) {
        problem(
            fileNode,
            "unreadable schema file '"
                + path
                + "' ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                + "): expected an Arrow IPC file or stream");
      }
    }
    return out;
  }

  static Schema readSchema(Path path) throws IOException {
    return ArrowIpc.readSchema(path);
  }

  // ---- the graph ----

  private void graph(List<Pipeline.Component> components) {
    Map<String, Pipeline.Component> byId = new LinkedHashMap<>();
    components.forEach(c -> byId.put(c.id(), c));
    for (Pipeline.Component c : components) {
      for (String in : c.inputs()) {
        if (!byId.containsKey(in)) {
          problem(
              inputNodes.getOrDefault(c.id(), componentNodes.get(c.id())),
              "component '" + c.id() + "' reads from '" + in + "', which is not in the pipeline");
        }
      }
      for (String d : c.dependsOn()) {
        if (!byId.containsKey(d)) {
          problem(
              componentNodes.get(c.id()),
              "component '" + c.id() + "' depends on '" + d + "', which is not in the pipeline");
        }
      }
    }
    List<String> cycle = StartPlan.findCycle(components);
    if (!cycle.isEmpty()) {
      problem(
          componentNodes.get(cycle.get(0)),
          "dependency cycle: " + String.join(" -> ", cycle) + " -> " + cycle.get(0));
    }
    // Event types: what each component produces, and what processors and sinks expect to consume.
    for (Pipeline.Component c : components) {
      if (c.schemaMapping().isEmpty()) {
        continue;
      }
      Set<String> upstreamTypes = new HashSet<>();
      for (String in : c.inputs()) {
        Pipeline.Component u = byId.get(in);
        if (u != null) {
          upstreamTypes.addAll(u.outputSchemas().keySet());
          upstreamTypes.addAll(u.schemaMapping().values());
        }
      }
      for (String consumed : c.schemaMapping().keySet()) {
        if (!upstreamTypes.contains(consumed)) {
          problem(
              componentNodes.get(c.id()),
              "component '"
                  + c.id()
                  + "' maps event type '"
                  + consumed
                  + "', which none of its inputs "
                  + c.inputs()
                  + " produces");
        }
      }
    }
    // Connected services that both declare a schema for one event type must be compatible under
    // the downstream's schema_evolution mode.
    for (Pipeline.Component c : components) {
      for (String in : c.inputs()) {
        Pipeline.Component u = byId.get(in);
        if (u == null) {
          continue;
        }
        for (Map.Entry<String, Schema> e : c.outputSchemas().entrySet()) {
          Schema upstream = u.outputSchemas().get(e.getKey());
          if (upstream == null) {
            continue;
          }
          EvolutionPolicy policy = EvolutionPolicy.parse(c.arrow().schemaEvolution());
          var verdict =
              CompatibilityChecker.defaults()
                  .checkEvolution(List.of(upstream), e.getValue(), policy);
          if (!verdict.accepted()) {
            CompatibilityResult r = verdict.comparisons().get(0).result();
            problem(
                componentNodes.get(c.id()),
                "'"
                    + c.id()
                    + "' declares "
                    + e.getKey()
                    + " incompatibly with its input '"
                    + u.id()
                    + "' under schema_evolution "
                    + policy.configName()
                    + ": "
                    + r.describe());
          }
        }
      }
    }
  }

  // ---- YAML helpers ----

  private Map<String, NodeTuple> keys(MappingNode m, Set<String> allowed, String where) {
    Map<String, NodeTuple> out = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      String key = scalar(t.getKeyNode(), "a key");
      if (!allowed.contains(key)) {
        problem(
            t.getKeyNode(),
            "unknown key '"
                + key
                + "' in "
                + where
                + "; expected one of "
                + new java.util.TreeSet<>(allowed));
      } else if (out.containsKey(key)) {
        problem(t.getKeyNode(), "key '" + key + "' appears twice in " + where);
      }
      out.put(key, t);
    }
    return out;
  }

  private void expectScalar(
      Map<String, NodeTuple> t, String key, Node parent, List<String> expected) {
    if (!t.containsKey(key)) {
      problem(parent, "missing " + key + " (expected " + expected.get(0) + ")");
      return;
    }
    Node n = t.get(key).getValueNode();
    String v = scalar(n, key);
    if (!expected.contains(v)) {
      problem(n, key + " is '" + v + "'; expected " + String.join(" or ", expected));
    }
  }

  private String oneOf(NodeTuple t, List<String> allowed, String fallback) {
    if (t == null) {
      return fallback;
    }
    Node n = t.getValueNode();
    String v = scalar(n, "a value").toLowerCase(Locale.ROOT);
    if (!allowed.contains(v)) {
      problem(
          n,
          "'"
              + v
              + "' is not a valid "
              + scalar(t.getKeyNode(), "key")
              + ": expected one of "
              + String.join(", ", allowed));
      return fallback;
    }
    return v;
  }

  private String scalar(Node n, String what) {
    if (n instanceof ScalarNode s) {
      return s.getValue();
    }
    problem(n, "expected " + what + ", not a " + (n instanceof MappingNode ? "mapping" : "list"));
    return "";
  }

  private boolean bool(Node n) {
    String v = scalar(n, "true or false");
    if (!v.equals("true") && !v.equals("false")) {
      problem(n, "'" + v + "' is not a boolean: expected true or false");
    }
    return v.equals("true");
  }

  private int positiveInt(Node n, String what) {
    String v = scalar(n, "a number");
    try {
      int i = Integer.parseInt(v.replace("_", ""));
      if (i > 0) {
        return i;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    problem(n, what + " is '" + v + "': expected a positive whole number");
    return 1;
  }

  private Duration duration(Node n) {
    String v = scalar(n, "a duration").trim();
    Optional<Duration> d = io.flowctl.server.Durations.parse(v);
    if (d.isEmpty()) {
      problem(n, "'" + v + "' is not a duration: expected e.g. 100ms, 5s, 2m");
    }
    return d.orElse(Duration.ofMillis(100));
  }

  private List<String> strings(NodeTuple t, String what) {
    if (t == null) {
      return List.of();
    }
    if (t.getValueNode() instanceof ScalarNode s) {
      return List.of(s.getValue());
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      problem(t.getValueNode(), what + " must be a list");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Node n : seq.getValue()) {
      out.add(scalar(n, "a string in " + what));
    }
    return out;
  }

  private Map<String, String> stringMap(NodeTuple t, String what) {
    Map<String, String> out = new LinkedHashMap<>();
    if (t == null) {
      return out;
    }
    if (!(t.getValueNode() instanceof MappingNode m)) {
      problem(t.getValueNode(), what + " must be a mapping");
      return out;
    }
    for (NodeTuple e : m.getValue()) {
      out.put(scalar(e.getKeyNode(), "a key"), scalar(e.getValueNode(), "a value"));
    }
    return out;
  }

  private void problem(Node at, String message) {
    Mark m = at == null ? null : at.getStartMark().orElse(null);
    problems.add(
        new Problem(
            name, m == null ? 1 : m.getLine() + 1, m == null ? 1 : m.getColumn() + 1, message));
  }

  /** The file cannot be read as YAML: this one problem, at {@code at} when known. */
  private Result yamlProblem(Mark at, String message) {
    problems.add(
        new Problem(
            name, at == null ? 1 : at.getLine() + 1, at == null ? 1 : at.getColumn() + 1, message));
    return new Result(Optional.empty(), List.copyOf(problems));
  }

  /** Passes the parser's events to the composer, refusing collections nested too deep. */
  private static final class DepthLimit implements Parser {
    private final Parser parser;
    private int depth;

    DepthLimit(Parser parser) {
      this.parser = parser;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
      return parser.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
      return parser.peekEvent();
    }

    @Override
    public boolean hasNext() {
      return parser.hasNext();
    }

    @Override
    public Event next() {
      Event e = parser.next();
      if (e instanceof CollectionStartEvent && ++depth > MAX_NESTING) {
        throw new TooDeep(e.getStartMark().orElse(null));
      } else if (e instanceof CollectionEndEvent) {
        depth--;
      }
      return e;
    }
  }

  /** A collection opened deeper than {@link #MAX_NESTING}, at {@code at}. */
  private static final class TooDeep extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Mark at;

    TooDeep(Mark at) {
      super(null, null, false, false);
      this.at = at;
    }
  }
}
