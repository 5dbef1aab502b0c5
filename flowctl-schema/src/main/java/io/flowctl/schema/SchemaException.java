package io.flowctl.schema;

import io.flowctl.FlowctlException;

/** A schema, or a value that names one, is malformed or unusable. */
public class SchemaException extends FlowctlException {
  private static final long serialVersionUID = 1L;

  public SchemaException(String message) {
    super(Code.INVALID_ARGUMENT, message);
  }

  public SchemaException(String message, Throwable cause) {
    super(Code.INVALID_ARGUMENT, message, cause);
  }

  protected SchemaException(Code code, String message) {
    super(code, message);
  }
}
