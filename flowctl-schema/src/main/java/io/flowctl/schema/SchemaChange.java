package io.flowctl.schema;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * One difference between an old and a new schema, with the rule's verdict on it.
 *
 * @param kind what changed
 * @param path where, e.g. {@code transfer.amount}
 * @param oldType the old type (or field) as text, empty when the field is new
 * @param newType the new type (or field) as text, empty when the field is gone
 * @param backward whether new-schema readers still read old data despite this change
 * @param forward whether old-schema readers still read new data despite this change
 * @param message a sentence naming the field and the rule that judged it
 */
public record SchemaChange(
    ChangeKind kind,
    FieldPath path,
    String oldType,
    String newType,
    boolean backward,
    boolean forward,
    String message) {

  public SchemaChange {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    oldType = oldType == null ? "" : oldType;
    newType = newType == null ? "" : newType;
    Objects.requireNonNull(message, "message");
  }

  /** The strongest level this change alone allows. */
  public CompatibilityLevel level() {
    return CompatibilityLevel.of(backward, forward);
  }

  /** Every level that still holds with this change, {@code NONE} always included. */
  public Set<CompatibilityLevel> allowedLevels() {
    EnumSet<CompatibilityLevel> levels = EnumSet.of(CompatibilityLevel.NONE);
    for (CompatibilityLevel l : CompatibilityLevel.values()) {
      if (level().satisfies(l)) {
        levels.add(l);
      }
    }
    return levels;
  }

  @Override
  public String toString() {
    return kind + " " + path + ": " + message;
  }
}
