package io.flowctl.schema;

import java.util.ArrayList;
import java.util.List;

/**
 * Where a field sits in a schema: the names from the top-level column down, with {@code []} for a
 * list element and {@code {key}} / {@code {value}} for map keys and values. Rendered as {@code
 * transfer.amount}, {@code tags[]}, {@code balances{value}.asset}; the schema itself is the empty
 * path, rendered as {@code <schema>}.
 *
 * @param segments the names, outermost first
 */
public record FieldPath(List<String> segments) {
  public static final FieldPath ROOT = new FieldPath(List.of());

  static final String ELEMENT = "[]";
  static final String MAP_KEY = "{key}";
  static final String MAP_VALUE = "{value}";

  public FieldPath {
    segments = List.copyOf(segments);
  }

  /** A top-level column. */
  public static FieldPath of(String... names) {
    return new FieldPath(List.of(names));
  }

  /** This path extended by one segment. */
  public FieldPath child(String name) {
    List<String> next = new ArrayList<>(segments.size() + 1);
    next.addAll(segments);
    next.add(name);
    return new FieldPath(next);
  }

  /** The path of the parent, or {@link #ROOT}. */
  public FieldPath parent() {
    return segments.isEmpty() ? ROOT : new FieldPath(segments.subList(0, segments.size() - 1));
  }

  /** The last segment, or the empty string for the root. */
  public String leaf() {
    return segments.isEmpty() ? "" : segments.get(segments.size() - 1);
  }

  @Override
  public String toString() {
    if (segments.isEmpty()) {
      return "<schema>";
    }
    StringBuilder out = new StringBuilder();
    for (String s : segments) {
      boolean attached = s.equals(ELEMENT) || s.equals(MAP_KEY) || s.equals(MAP_VALUE);
      if (out.length() > 0 && !attached) {
        out.append('.');
      }
      out.append(s);
    }
    return out.toString();
  }
}
