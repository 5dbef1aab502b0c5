package io.flowctl.schema;

import java.util.Locale;

/**
 * What a new version of a subject's schema must keep with the versions before it. The plain levels
 * compare with the latest version only; the transitive ones with every earlier version.
 */
public enum EvolutionPolicy {
  /** Anything may change. */
  NONE(CompatibilityLevel.NONE, false),
  BACKWARD(CompatibilityLevel.BACKWARD, false),
  FORWARD(CompatibilityLevel.FORWARD, false),
  FULL(CompatibilityLevel.FULL, false),
  BACKWARD_TRANSITIVE(CompatibilityLevel.BACKWARD, true),
  FORWARD_TRANSITIVE(CompatibilityLevel.FORWARD, true),
  FULL_TRANSITIVE(CompatibilityLevel.FULL, true),
  /** The structural fingerprint may not change at all. */
  STRICT(CompatibilityLevel.FULL, false);

  private final CompatibilityLevel required;
  private final boolean transitive;

  EvolutionPolicy(CompatibilityLevel required, boolean transitive) {
    this.required = required;
    this.transitive = transitive;
  }

  /** The level each compared pair must reach. */
  public CompatibilityLevel requiredLevel() {
    return required;
  }

  /** Whether every earlier version is compared, not only the latest. */
  public boolean transitive() {
    return transitive;
  }

  /** The configuration spelling: {@code backward_transitive}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code none}, {@code backward}, …, {@code full_transitive}, {@code strict}. */
  public static EvolutionPolicy parse(String text) {
    if (text != null) {
      String key = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      for (EvolutionPolicy p : values()) {
        if (p.name().equals(key)) {
          return p;
        }
      }
    }
    throw new SchemaException(
        "unknown schema evolution policy '"
            + text
            + "' (expected one of none, backward, forward, full, backward_transitive,"
            + " forward_transitive, full_transitive, strict)");
  }
}
