package io.flowctl.schema;

/**
 * How two schema versions relate. BACKWARD: a reader using the <em>new</em> schema reads data
 * written with the <em>old</em> one. FORWARD: a reader using the old schema reads data written with
 * the new one. FULL: both. NONE: neither.
 */
public enum CompatibilityLevel {
  NONE,
  BACKWARD,
  FORWARD,
  FULL;

  /** The level for the two directions. */
  public static CompatibilityLevel of(boolean backward, boolean forward) {
    if (backward && forward) {
      return FULL;
    }
    return backward ? BACKWARD : forward ? FORWARD : NONE;
  }

  /** Whether new-schema readers read old data. */
  public boolean backward() {
    return this == BACKWARD || this == FULL;
  }

  /** Whether old-schema readers read new data. */
  public boolean forward() {
    return this == FORWARD || this == FULL;
  }

  /** Whether this level gives everything {@code required} does (FULL satisfies BACKWARD). */
  public boolean satisfies(CompatibilityLevel required) {
    return (!required.backward() || backward()) && (!required.forward() || forward());
  }
}
