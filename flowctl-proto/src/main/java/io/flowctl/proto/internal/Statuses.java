package io.flowctl.proto.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * What a failed call answers: the one mapping both the control plane's services and a component's
 * data-plane services use. The library's exception (in {@code flowctl-schema}, which this module
 * does not see) is named by its code; every library code is a gRPC code of the same name.
 */
public final class Statuses {
  private Statuses() {}

  /**
   * The status for {@code e}: itself when it is one already, else {@code code} (the name of a gRPC
   * code; null for INTERNAL) with the exception's message.
   */
  public static StatusRuntimeException of(Throwable e, String code) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    Status status = code == null ? Status.INTERNAL : Status.fromCode(Status.Code.valueOf(code));
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return status.withDescription(message).withCause(e).asRuntimeException();
  }
}
