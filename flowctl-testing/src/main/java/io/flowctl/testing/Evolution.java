package io.flowctl.testing;

import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.schema.ReaderModel;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One random evolution of a schema: the schema before, the schema after, and the steps between,
 * each tagged with the level the default rules give it. The evolution as a whole should keep the
 * meet of its steps' levels ({@link #expected(ReaderModel)}), which is what a property compares
 * with the checker's verdict.
 *
 * @param before the old schema
 * @param after the new schema
 * @param steps what changed, in the order applied
 */
public record Evolution(Schema before, Schema after, List<Step> steps) {
  public Evolution {
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
    steps = List.copyOf(steps);
  }

  /** The kinds of change an evolution is made of. */
  public enum Kind {
    /** A nullable field is added (at the top level or in a struct). */
    ADD_NULLABLE,
    /** A non-nullable field is added. */
    ADD_REQUIRED,
    /** A nullable field is removed. */
    REMOVE_NULLABLE,
    /** A non-nullable field is removed. */
    REMOVE_REQUIRED,
    /** The fields under one parent are rotated. */
    REORDER,
    /** A type becomes a wider one of the widening table. */
    WIDEN,
    /** A type becomes a narrower one (the reverse of a widening). */
    NARROW,
    /** A non-nullable field becomes nullable. */
    RELAX_NULLABILITY,
    /** A nullable field becomes non-nullable. */
    TIGHTEN_NULLABILITY,
    /** A utf8 or int64 field becomes dictionary-encoded. */
    DICTIONARY_ENCODE,
    /** A dictionary-encoded field becomes plain. */
    DICTIONARY_DECODE,
    /** A top-level field moves into a new struct. */
    MOVE_NESTED,
    /** A leaf changes to an unrelated type (bool, or utf8 for bools). */
    CHANGE_TYPE
  }

  /**
   * One change.
   *
   * @param kind what kind of change
   * @param path the dotted path of the field (or parent) changed; empty for the top level
   * @param detail a readable description, e.g. {@code Int(32, true) -> Int(64, true)}
   * @param closed the level the change keeps under {@link ReaderModel#CLOSED}
   * @param projecting the level under {@link ReaderModel#PROJECTING}
   */
  public record Step(
      Kind kind,
      String path,
      String detail,
      CompatibilityLevel closed,
      CompatibilityLevel projecting) {
    /** The level under {@code model}. */
    public CompatibilityLevel level(ReaderModel model) {
      return model == ReaderModel.PROJECTING ? projecting : closed;
    }

    @Override
    public String toString() {
      return kind + " " + (path.isEmpty() ? "<top level>" : path) + " (" + detail + ")";
    }
  }

  /** The level the whole evolution should keep under the default rules and {@code model}. */
  public CompatibilityLevel expected(ReaderModel model) {
    boolean backward = true;
    boolean forward = true;
    for (Step s : steps) {
      backward &= s.level(model).backward();
      forward &= s.level(model).forward();
    }
    return CompatibilityLevel.of(backward, forward);
  }

  /** The expected level under the default, closed reader model. */
  public CompatibilityLevel expected() {
    return expected(ReaderModel.CLOSED);
  }

  @Override
  public String toString() {
    return "Evolution" + steps + "\n  before: " + before + "\n  after:  " + after;
  }
}
