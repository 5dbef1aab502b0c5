package io.flowctl.server.schema;

import io.flowctl.FlowctlException;

/** The store could not be read or written; callers see {@code UNAVAILABLE}. */
public class StoreException extends FlowctlException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(Code.UNAVAILABLE, message, cause);
  }
}
