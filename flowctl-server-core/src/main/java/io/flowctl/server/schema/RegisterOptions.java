package io.flowctl.server.schema;

/**
 * How to register a schema beyond the subject's policy.
 *
 * @param version the version number to store, for subjects in {@link SubjectMode#IMPORT} mode
 *     (which require it); 0 to take the next one
 * @param allowBreakingConsumers register even though a live consumer's declared reader schema
 *     cannot read it (an operator's explicit override)
 */
public record RegisterOptions(int version, boolean allowBreakingConsumers) {
  /** The next version, under the policy and the live consumers. */
  public static final RegisterOptions DEFAULT = new RegisterOptions(0, false);

  public RegisterOptions {
    if (version < 0) {
      throw new IllegalArgumentException("version " + version + " is negative");
    }
  }

  /** These options, storing the schema as {@code version} (IMPORT mode). */
  public RegisterOptions importing(int version) {
    return new RegisterOptions(version, allowBreakingConsumers);
  }

  /** These options, not refusing a version live consumers cannot read. */
  public RegisterOptions breakingConsumers() {
    return new RegisterOptions(version, true);
  }
}
