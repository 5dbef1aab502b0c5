package io.flowctl.schema;

import java.util.List;
import java.util.Objects;

/**
 * The verdict on an old and a new schema: the strongest level that holds and every change found,
 * each with its path and the rule that judged it.
 *
 * @param level the strongest level that holds
 * @param changes every difference, in schema order; empty when the schemas are identical
 * @param oldFingerprint structural fingerprint of the old schema
 * @param newFingerprint structural fingerprint of the new schema
 */
public record CompatibilityResult(
    CompatibilityLevel level,
    List<SchemaChange> changes,
    Fingerprint oldFingerprint,
    Fingerprint newFingerprint) {

  public CompatibilityResult {
    Objects.requireNonNull(level, "level");
    changes = List.copyOf(changes);
    Objects.requireNonNull(oldFingerprint, "oldFingerprint");
    Objects.requireNonNull(newFingerprint, "newFingerprint");
  }

  /** Whether both schemas have the same structural fingerprint (what STRICT requires). */
  public boolean identical() {
    return oldFingerprint.equals(newFingerprint);
  }

  /** Whether {@code required} holds. */
  public boolean satisfies(CompatibilityLevel required) {
    return level.satisfies(required);
  }

  /** The changes that stop {@code required} from holding; empty when it holds. */
  public List<SchemaChange> violations(CompatibilityLevel required) {
    return changes.stream()
        .filter(c -> (required.backward() && !c.backward()) || (required.forward() && !c.forward()))
        .toList();
  }

  /** One line per change, for logs and error messages. */
  public String describe() {
    StringBuilder out = new StringBuilder(level.name());
    for (SchemaChange c : changes) {
      out.append("\n  ")
          .append(c.kind())
          .append(' ')
          .append(c.path())
          .append(": ")
          .append(c.message());
    }
    return out.toString();
  }
}
