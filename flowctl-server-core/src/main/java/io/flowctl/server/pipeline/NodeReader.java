package io.flowctl.server.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Typed values read off YAML nodes. A value of the wrong shape is a problem at its line and column,
 * saying what was expected, and reading goes on with a fallback so that one pass finds every
 * problem of a file.
 */
final class NodeReader {
  private final String file;
  private final List<Problem> problems = new ArrayList<>();

  NodeReader(String file) {
    this.file = file;
  }

  /** A problem at {@code at}'s start (the file's start when unknown). */
  void problem(Node at, String message) {
    problem(at == null ? null : at.getStartMark().orElse(null), message);
  }

  void problem(Mark m, String message) {
    problem(m == null ? 1 : m.getLine() + 1, m == null ? 1 : m.getColumn() + 1, message);
  }

  /** A problem at a 1-based line and column. */
  void problem(int line, int column, String message) {
    problems.add(new Problem(file, line, column, message));
  }

  boolean clean() {
    return problems.isEmpty();
  }

  /** The problems so far, in file order. */
  List<Problem> problems() {
    List<Problem> out = new ArrayList<>(problems);
    out.sort(java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
    return List.copyOf(out);
  }

  /** The line (1-based) a node starts on. */
  static int line(Node n) {
    return n.getStartMark().map(Mark::getLine).orElse(0) + 1;
  }

  Map<String, NodeTuple> keys(MappingNode m, Set<String> allowed, String where) {
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

  void expectScalar(Map<String, NodeTuple> t, String key, Node parent, List<String> expected) {
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

  String oneOf(NodeTuple t, List<String> allowed, String fallback) {
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

  String scalar(Node n, String what) {
    if (n instanceof ScalarNode s) {
      return s.getValue();
    }
    problem(n, "expected " + what + ", not a " + (n instanceof MappingNode ? "mapping" : "list"));
    return "";
  }

  boolean bool(Node n) {
    String v = scalar(n, "true or false");
    if (!v.equals("true") && !v.equals("false")) {
      problem(n, "'" + v + "' is not a boolean: expected true or false");
    }
    return v.equals("true");
  }

  int positiveInt(Node n, String what) {
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

  Duration duration(Node n) {
    String v = scalar(n, "a duration").trim();
    Optional<Duration> d = io.flowctl.server.internal.Durations.parse(v);
    if (d.isEmpty()) {
      problem(n, "'" + v + "' is not a duration: expected e.g. 100ms, 5s, 2m");
    }
    return d.orElse(Duration.ofMillis(100));
  }

  List<String> strings(NodeTuple t, String what) {
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

  Map<String, String> stringMap(NodeTuple t, String what) {
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
}
