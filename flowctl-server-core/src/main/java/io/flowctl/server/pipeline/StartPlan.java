package io.flowctl.server.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The order to start a pipeline's components in: every component after everything it reads from or
 * depends on; among the ready ones, file order. Stop in the reverse order.
 */
final class StartPlan {
  private StartPlan() {}

  /** The start order (a valid pipeline has no cycle). */
  static List<Pipeline.Component> order(Pipeline pipeline) {
    List<Pipeline.Component> all = pipeline.components();
    Map<String, Set<String>> needs = new HashMap<>();
    for (Pipeline.Component c : all) {
      Set<String> n = new LinkedHashSet<>(c.inputs());
      n.addAll(c.dependsOn());
      needs.put(c.id(), n);
    }
    List<Pipeline.Component> out = new ArrayList<>();
    Set<String> started = new HashSet<>();
    while (out.size() < all.size()) {
      boolean progressed = false;
      for (Pipeline.Component c : all) {
        if (!started.contains(c.id()) && started.containsAll(needs.get(c.id()))) {
          out.add(c);
          started.add(c.id());
          progressed = true;
          break; // restart from the top: file order among the ready ones
        }
      }
      if (!progressed) {
        throw new IllegalStateException("the pipeline has a cycle: " + findCycle(all));
      }
    }
    return out;
  }

  /** One dependency cycle (ids in order), or empty. */
  static List<String> findCycle(List<Pipeline.Component> components) {
    Map<String, List<String>> edges = new HashMap<>();
    for (Pipeline.Component c : components) {
      List<String> e = new ArrayList<>(c.inputs());
      e.addAll(c.dependsOn());
      edges.put(c.id(), e);
    }
    Map<String, Integer> state = new HashMap<>(); // 1 = on the path, 2 = done
    for (Pipeline.Component c : components) {
      List<String> path = new ArrayList<>();
      List<String> cycle = visit(c.id(), edges, state, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    return List.of();
  }

  private static List<String> visit(
      String id, Map<String, List<String>> edges, Map<String, Integer> state, List<String> path) {
    Integer s = state.get(id);
    if (s != null && s == 2) {
      return List.of();
    }
    if (s != null && s == 1) {
      return new ArrayList<>(path.subList(path.indexOf(id), path.size()));
    }
    if (!edges.containsKey(id)) {
      return List.of();
    }
    state.put(id, 1);
    path.add(id);
    for (String next : edges.get(id)) {
      List<String> cycle = visit(next, edges, state, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    state.put(id, 2);
    return List.of();
  }
}
