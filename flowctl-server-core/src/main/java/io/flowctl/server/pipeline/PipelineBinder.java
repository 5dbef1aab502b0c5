package io.flowctl.server.pipeline;

import io.flowctl.ipc.ArrowIpc;
import io.flowctl.schema.EvolutionPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Schema;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Binds a pipeline file's node tree to typed settings: the pipeline's name and driver, and per
 * component its role, command, inputs, environment, Arrow settings ({@link EvolutionPolicy}, not
 * text) and declared output schemas, read from the Arrow IPC files they name. Unknown keys, wrong
 * shapes and values outside their set are problems at their position. Remembers where each
 * component stands for {@link PipelineGraph}.
 */
final class PipelineBinder {
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
          "memory_optimization",
          "allow_refused_events");
  private static final Set<String> PERFORMANCE =
      Set.of("parallel_conversion", "batch_accumulation_timeout");
  private static final Set<String> OUTPUT_SCHEMA = Set.of("event_type", "schema_file");
  private static final List<String> FORMATS = List.of("ipc", "arrow_ipc", "parquet");
  private static final List<String> DATA_FORMATS =
      List.of("protobuf", "ipc", "arrow_ipc", "parquet", "json");
  private static final List<String> COMPRESSIONS = List.of("none", "lz4", "zstd");
  private static final List<String> CONVERSION_MODES = List.of("native", "hybrid", "compatibility");

  /** The policy names, as configuration spells them. */
  private static final List<String> EVOLUTION =
      Arrays.stream(EvolutionPolicy.values()).map(EvolutionPolicy::configName).toList();

  private final Path file;
  private final NodeReader in;
  final List<Pipeline.Component> components = new ArrayList<>();
  final List<String> pipelineComponents = new ArrayList<>();
  String pipelineName = "";
  String driver = "process";

  PipelineBinder(Path file, NodeReader in) {
    this.file = file;
    this.in = in;
  }

  /** Binds the file's top mapping; what it finds lands in the fields above. */
  void bind(MappingNode top) {
    Map<String, NodeTuple> t = in.keys(top, TOP, "the pipeline");
    in.expectScalar(t, "apiVersion", top, List.of("flowctl/v1"));
    in.expectScalar(t, "kind", top, List.of("Pipeline"));
    if (t.get("metadata") != null && t.get("metadata").getValueNode() instanceof MappingNode mm) {
      Map<String, NodeTuple> m = in.keys(mm, METADATA, "metadata");
      pipelineName = m.containsKey("name") ? in.scalar(m.get("name").getValueNode(), "a name") : "";
      if (!m.containsKey("name")) {
        in.problem(mm, "metadata needs a name");
      }
    } else {
      in.problem(top, "missing metadata (with a name)");
    }
    boolean arrowEnabled = true;
    if (t.get("spec") != null && t.get("spec").getValueNode() instanceof MappingNode spec) {
      Map<String, NodeTuple> s = in.keys(spec, SPEC, "spec");
      driver = in.oneOf(s.get("driver"), DRIVERS, "process");
      if (s.get("config") != null && !(s.get("config").getValueNode() instanceof MappingNode)) {
        in.problem(s.get("config").getValueNode(), "spec.config must be a mapping");
      }
      pipelineComponents.addAll(pipelines(s.get("pipelines")));
      if (s.get("arrow") != null && s.get("arrow").getValueNode() instanceof MappingNode a) {
        Map<String, NodeTuple> ak = in.keys(a, Set.of("enabled"), "spec.arrow");
        if (ak.containsKey("enabled")) {
          arrowEnabled = in.bool(ak.get("enabled").getValueNode());
        }
      }
      components.addAll(section(s, "sources", Pipeline.Role.SOURCE, arrowEnabled));
      components.addAll(section(s, "processors", Pipeline.Role.PROCESSOR, arrowEnabled));
      components.addAll(section(s, "sinks", Pipeline.Role.SINK, arrowEnabled));
      if (components.isEmpty() && pipelineComponents.isEmpty()) {
        in.problem(spec, "spec has no sources, processors, sinks or pipelines");
      }
    } else {
      in.problem(top, "missing spec (sources, processors, sinks)");
    }
  }

  // ---- components ----

  final Map<String, Node> componentNodes = new HashMap<>();
  final Map<String, Node> inputNodes = new HashMap<>();

  private List<Pipeline.Component> section(
      Map<String, NodeTuple> spec, String key, Pipeline.Role role, boolean arrowEnabled) {
    NodeTuple t = spec.get(key);
    if (t == null) {
      return List.of();
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      in.problem(t.getValueNode(), "spec." + key + " must be a list of components");
      return List.of();
    }
    List<Pipeline.Component> out = new ArrayList<>();
    for (Node n : seq.getValue()) {
      if (!(n instanceof MappingNode m)) {
        in.problem(n, "a component must be a mapping with at least an id");
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
    Map<String, NodeTuple> k = in.keys(m, COMPONENT, "a component");
    if (!k.containsKey("id")) {
      in.problem(m, "a component needs an id");
      return null;
    }
    Node idNode = k.get("id").getValueNode();
    String id = in.scalar(idNode, "an id");
    if (!VALID_ID.matcher(id).matches()) {
      in.problem(
          idNode,
          "component id '"
              + printable(id)
              + "' must be 1 to 128 letters, digits, '.', '_' or '-', starting with a letter or"
              + " digit (ids name log files and outputs)");
      return null;
    }
    if (componentNodes.containsKey(id)) {
      Node first = componentNodes.get(id);
      in.problem(
          idNode,
          "duplicate component id '" + id + "' (first at line " + NodeReader.line(first) + ")");
      return null;
    }
    componentNodes.put(id, m);
    String type = k.containsKey("type") ? in.scalar(k.get("type").getValueNode(), "a type") : "";
    if (k.containsKey("image") && k.containsKey("command")) {
      in.problem(m, "component '" + id + "' has both an image and a command; give one");
    } else if (type.isEmpty() && !k.containsKey("image") && !k.containsKey("command")) {
      in.problem(m, "component '" + id + "' needs an image, a command or a type (name@version)");
    }
    List<String> inputs = in.strings(k.get("inputs"), "inputs");
    if (k.containsKey("inputs")) {
      inputNodes.put(id, k.get("inputs").getValueNode());
    }
    if (role == Pipeline.Role.SOURCE && !inputs.isEmpty()) {
      in.problem(k.get("inputs").getValueNode(), "source '" + id + "' takes no inputs");
    }
    if (role != Pipeline.Role.SOURCE && inputs.isEmpty()) {
      in.problem(
          m, (role == Pipeline.Role.SINK ? "sink '" : "processor '") + id + "' needs inputs");
    }
    List<String> dependsOn = in.strings(k.get("depends_on"), "depends_on");
    Map<String, String> env = in.stringMap(k.get("env"), "env");
    List<String> command = new ArrayList<>(in.strings(k.get("command"), "command"));
    if (!command.isEmpty()) {
      command.addAll(in.strings(k.get("args"), "args")); // upstream passes args after the command
    }
    String image =
        k.containsKey("image") ? in.scalar(k.get("image").getValueNode(), "an image") : "";

    Pipeline.ArrowSettings arrow = Pipeline.ArrowSettings.DEFAULTS;
    Map<String, Schema> outputs = new LinkedHashMap<>();
    Map<String, String> mapping = new LinkedHashMap<>();
    if (k.get("config") != null && k.get("config").getValueNode() instanceof MappingNode config) {
      Map<String, NodeTuple> c = new LinkedHashMap<>();
      for (NodeTuple ct : config.getValue()) {
        c.put(in.scalar(ct.getKeyNode(), "a key"), ct);
      }
      arrow = arrow(c, arrowEnabled);
      outputs = outputSchemas(c.get("output_schemas"));
      mapping = in.stringMap(c.get("schema_mapping"), "config.schema_mapping");
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
        NodeReader.line(m),
        type);
  }

  /** {@code spec.pipelines}: whole pipelines as components; their ids must be unique too. */
  private List<String> pipelines(NodeTuple t) {
    if (t == null) {
      return List.of();
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      in.problem(t.getValueNode(), "spec.pipelines must be a list of pipeline components");
      return List.of();
    }
    Set<String> allowed = new java.util.HashSet<>(COMPONENT);
    List<String> ids = new ArrayList<>();
    for (Node n : seq.getValue()) {
      if (!(n instanceof MappingNode m)) {
        in.problem(n, "a pipeline component must be a mapping with at least an id");
        continue;
      }
      Map<String, NodeTuple> k = in.keys(m, allowed, "a pipeline component");
      if (!k.containsKey("id")) {
        in.problem(m, "a pipeline component needs an id");
        continue;
      }
      String id = in.scalar(k.get("id").getValueNode(), "an id");
      if (componentNodes.putIfAbsent(id, m) != null) {
        in.problem(k.get("id").getValueNode(), "duplicate component id '" + id + "'");
        continue;
      }
      if (k.containsKey("type")
          && !"pipeline".equals(in.scalar(k.get("type").getValueNode(), "a type"))) {
        in.problem(
            k.get("type").getValueNode(),
            "pipeline component '" + id + "' must have type 'pipeline'");
      }
      if (!k.containsKey("image") && !k.containsKey("command")) {
        in.problem(m, "pipeline component '" + id + "' needs an image or a command");
      }
      ids.add(id);
    }
    return ids;
  }

  private Pipeline.ArrowSettings arrow(Map<String, NodeTuple> config, boolean enabled) {
    String format = "ipc";
    String compression = "none";
    int batchSize = 10_000;
    EvolutionPolicy evolution = EvolutionPolicy.BACKWARD;
    Duration timeout = Duration.ofMillis(100);
    boolean on = enabled;
    boolean allowRefused = false;
    String conversionMode = "";
    Path descriptorSet = null;
    if (config.get("descriptor_set") != null) {
      Node n = config.get("descriptor_set").getValueNode();
      String path = in.scalar(n, "a descriptor set file");
      descriptorSet =
          file.toAbsolutePath().getParent() == null
              ? Path.of(path)
              : file.toAbsolutePath().getParent().resolve(path).normalize();
      if (!java.nio.file.Files.isRegularFile(descriptorSet)) {
        in.problem(n, "config.descriptor_set: no such file " + descriptorSet);
      }
    }
    if (config.get("arrow") != null) {
      if (!(config.get("arrow").getValueNode() instanceof MappingNode a)) {
        in.problem(config.get("arrow").getValueNode(), "config.arrow must be a mapping");
      } else {
        Map<String, NodeTuple> k = in.keys(a, ARROW, "config.arrow");
        if (k.containsKey("enabled")) {
          on = enabled && in.bool(k.get("enabled").getValueNode());
        }
        format = in.oneOf(k.get("format"), FORMATS, format);
        compression = compressionOf(k.get("compression"), compression);
        evolution = policy(k.get("schema_evolution"), evolution);
        in.oneOf(k.get("input_format"), DATA_FORMATS, "");
        in.oneOf(k.get("output_format"), DATA_FORMATS, "");
        conversionMode = in.oneOf(k.get("conversion_mode"), CONVERSION_MODES, "");
        if (k.containsKey("memory_optimization")) {
          in.bool(k.get("memory_optimization").getValueNode());
        }
        if (k.containsKey("allow_refused_events")) {
          allowRefused = in.bool(k.get("allow_refused_events").getValueNode());
        }
        if (k.containsKey("batch_size")) {
          batchSize = in.positiveInt(k.get("batch_size").getValueNode(), "batch_size");
        }
      }
    }
    if (config.get("performance") != null) {
      if (!(config.get("performance").getValueNode() instanceof MappingNode p)) {
        in.problem(
            config.get("performance").getValueNode(), "config.performance must be a mapping");
      } else {
        Map<String, NodeTuple> k = in.keys(p, PERFORMANCE, "config.performance");
        if (k.containsKey("parallel_conversion")) {
          in.bool(k.get("parallel_conversion").getValueNode());
        }
        if (k.containsKey("batch_accumulation_timeout")) {
          timeout = in.duration(k.get("batch_accumulation_timeout").getValueNode());
        }
      }
    }
    return new Pipeline.ArrowSettings(
        on,
        format,
        compression,
        batchSize,
        evolution,
        timeout,
        allowRefused,
        conversionMode,
        descriptorSet);
  }

  private String compressionOf(NodeTuple t, String fallback) {
    if (t != null && t.getValueNode() instanceof ScalarNode s && s.getValue().equals("brotli")) {
      in.problem(
          s,
          "compression 'brotli' is not an Arrow IPC body codec: expected one of none, lz4, zstd");
      return fallback;
    }
    return in.oneOf(t, COMPRESSIONS, fallback);
  }

  private Map<String, Schema> outputSchemas(NodeTuple t) {
    Map<String, Schema> out = new LinkedHashMap<>();
    if (t == null) {
      return out;
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      in.problem(
          t.getValueNode(), "config.output_schemas must be a list of {event_type, schema_file}");
      return out;
    }
    for (Node n : seq.getValue()) {
      if (!(n instanceof MappingNode m)) {
        in.problem(n, "an output schema must be a mapping with event_type and schema_file");
        continue;
      }
      Map<String, NodeTuple> k = in.keys(m, OUTPUT_SCHEMA, "an output schema");
      if (!k.containsKey("event_type") || !k.containsKey("schema_file")) {
        in.problem(m, "an output schema needs event_type and schema_file");
        continue;
      }
      String type = in.scalar(k.get("event_type").getValueNode(), "an event type");
      Node fileNode = k.get("schema_file").getValueNode();
      String path = in.scalar(fileNode, "a schema file");
      Path resolved =
          file.toAbsolutePath().getParent() == null
              ? Path.of(path)
              : file.toAbsolutePath().getParent().resolve(path);
      try {
        out.put(type, readSchema(resolved));
      } catch (IOException | RuntimeException e) {
        in.problem(
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

  private EvolutionPolicy policy(NodeTuple t, EvolutionPolicy fallback) {
    String name = in.oneOf(t, EVOLUTION, fallback.configName());
    return EvolutionPolicy.parse(name);
  }

  private static Schema readSchema(Path path) throws IOException {
    return ArrowIpc.readSchema(path);
  }
}
