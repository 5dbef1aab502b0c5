package io.flowctl.schema;

/**
 * A reader schema cannot read data of a writer schema; {@link #result()} holds every change and the
 * rule that refused it.
 */
public final class IncompatibleSchemaException extends SchemaException {
  private static final long serialVersionUID = 1L;

  private final transient CompatibilityResult result;

  public IncompatibleSchemaException(String message, CompatibilityResult result) {
    super(Code.FAILED_PRECONDITION, message);
    this.result = result;
  }

  /** The checker's verdict that refused the pair. */
  public CompatibilityResult result() {
    return result;
  }
}
