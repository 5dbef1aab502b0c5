package io.flowctl.schema;

/**
 * A reader schema cannot read data of a writer schema; {@link #result()} holds every change and the
 * rule that refused it.
 */
public final class IncompatibleSchemaException extends SchemaException {
  private static final long serialVersionUID = 1L;

  private final transient CompatibilityResult result;
  private final String changes;

  public IncompatibleSchemaException(String message, CompatibilityResult result) {
    this(message, result, message);
  }

  /**
   * @param changes the changes alone, as one line ("'amount' changed type from int64 to utf8"), for
   *     reports that say who refused what
   */
  public IncompatibleSchemaException(String message, CompatibilityResult result, String changes) {
    super(Code.FAILED_PRECONDITION, message);
    this.result = result;
    this.changes = changes;
  }

  /** The changes that refused the pair, as one line; the message when none was given. */
  public String changes() {
    return changes;
  }

  /** The checker's verdict that refused the pair. */
  public CompatibilityResult result() {
    return result;
  }
}
