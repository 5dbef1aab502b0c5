package io.flowctl.server.pipeline;

import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityResult;
import io.flowctl.schema.EvolutionPolicy;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.types.pojo.Schema;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * What holds between a pipeline's components: every input and dependency names a component, the
 * dependencies have no cycle, mapped event types are produced upstream, and schemas declared on
 * both sides of a link are compatible under the downstream's evolution policy.
 */
final class PipelineGraph {
  private PipelineGraph() {}

  static void check(
      List<Pipeline.Component> components,
      Map<String, Node> componentNodes,
      Map<String, Node> inputNodes,
      NodeReader problems) {
    Map<String, Pipeline.Component> byId = new LinkedHashMap<>();
    components.forEach(c -> byId.put(c.id(), c));
    for (Pipeline.Component c : components) {
      for (String in : c.inputs()) {
        if (!byId.containsKey(in)) {
          problems.problem(
              inputNodes.getOrDefault(c.id(), componentNodes.get(c.id())),
              "component '" + c.id() + "' reads from '" + in + "', which is not in the pipeline");
        }
      }
      for (String d : c.dependsOn()) {
        if (!byId.containsKey(d)) {
          problems.problem(
              componentNodes.get(c.id()),
              "component '" + c.id() + "' depends on '" + d + "', which is not in the pipeline");
        }
      }
    }
    List<String> cycle = StartPlan.findCycle(components);
    if (!cycle.isEmpty()) {
      problems.problem(
          componentNodes.get(cycle.get(0)),
          "dependency cycle: " + String.join(" -> ", cycle) + " -> " + cycle.get(0));
    }
    // Event types: what each component produces, and what processors and sinks expect to consume.
    for (Pipeline.Component c : components) {
      if (c.schemaMapping().isEmpty()) {
        continue;
      }
      Set<String> upstreamTypes = new HashSet<>();
      boolean undeclared = false; // an input that names none of its types (a protobuf source)
      for (String in : c.inputs()) {
        Pipeline.Component u = byId.get(in);
        if (u != null) {
          upstreamTypes.addAll(u.outputSchemas().keySet());
          upstreamTypes.addAll(u.schemaMapping().values());
          undeclared |= u.outputSchemas().isEmpty() && u.schemaMapping().isEmpty();
        }
      }
      for (String consumed : undeclared ? Set.<String>of() : c.schemaMapping().keySet()) {
        if (!upstreamTypes.contains(consumed)) {
          problems.problem(
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
          EvolutionPolicy policy = c.arrow().schemaEvolution();
          var verdict =
              CompatibilityChecker.defaults()
                  .checkEvolution(List.of(upstream), e.getValue(), policy);
          if (!verdict.accepted()) {
            CompatibilityResult r = verdict.comparisons().get(0).result();
            problems.problem(
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
}
