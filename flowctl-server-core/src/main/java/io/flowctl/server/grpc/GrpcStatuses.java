package io.flowctl.server.grpc;

import io.flowctl.FlowctlException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place where library exceptions become gRPC statuses. */
final class GrpcStatuses {
  private GrpcStatuses() {}

  /** The status for {@code e}: its code when it is a {@link FlowctlException}, else INTERNAL. */
  public static StatusRuntimeException of(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    // Every library code is a gRPC code of the same name.
    Status status =
        e instanceof FlowctlException f
            ? Status.fromCode(Status.Code.valueOf(f.code().name()))
            : Status.INTERNAL;
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return status.withDescription(message).withCause(e).asRuntimeException();
  }
}
