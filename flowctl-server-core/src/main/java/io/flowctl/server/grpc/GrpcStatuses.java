package io.flowctl.server.grpc;

import io.flowctl.FlowctlException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** The one place where library exceptions become gRPC statuses. */
public final class GrpcStatuses {
  private GrpcStatuses() {}

  /** The status for {@code e}: its code when it is a {@link FlowctlException}, else INTERNAL. */
  public static StatusRuntimeException of(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    Status status =
        e instanceof FlowctlException f
            ? switch (f.code()) {
              case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
              case NOT_FOUND -> Status.NOT_FOUND;
              case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
              case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
              case RESOURCE_EXHAUSTED -> Status.RESOURCE_EXHAUSTED;
              case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
              case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
              case UNAVAILABLE -> Status.UNAVAILABLE;
              case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
              default -> Status.INTERNAL;
            }
            : Status.INTERNAL;
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return status.withDescription(message).withCause(e).asRuntimeException();
  }
}
