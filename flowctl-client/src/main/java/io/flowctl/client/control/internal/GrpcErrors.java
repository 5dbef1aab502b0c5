package io.flowctl.client.control.internal;

import io.flowctl.FlowctlException;
import io.flowctl.proto.internal.Statuses;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The client side's one mapping between gRPC statuses and {@link FlowctlException}s: what a call
 * answered becomes the library's typed exception ({@link #toException}), and what the client's own
 * data-plane services fail with becomes a status ({@link #toStatus}). Codes map one to one, so a
 * control plane's INVALID_ARGUMENT is the caller's INVALID_ARGUMENT.
 */
public final class GrpcErrors {
  private GrpcErrors() {}

  /** The exception for a failed call; {@code what} says which call, for the message. */
  public static FlowctlException toException(StatusRuntimeException e, String what) {
    Status s = e.getStatus();
    FlowctlException.Code code =
        switch (s.getCode()) {
          case INVALID_ARGUMENT, OUT_OF_RANGE -> FlowctlException.Code.INVALID_ARGUMENT;
          case NOT_FOUND -> FlowctlException.Code.NOT_FOUND;
          case ALREADY_EXISTS -> FlowctlException.Code.ALREADY_EXISTS;
          case FAILED_PRECONDITION, ABORTED -> FlowctlException.Code.FAILED_PRECONDITION;
          case RESOURCE_EXHAUSTED -> FlowctlException.Code.RESOURCE_EXHAUSTED;
          case UNAUTHENTICATED -> FlowctlException.Code.UNAUTHENTICATED;
          case PERMISSION_DENIED -> FlowctlException.Code.PERMISSION_DENIED;
          case UNAVAILABLE, CANCELLED -> FlowctlException.Code.UNAVAILABLE;
          case DEADLINE_EXCEEDED -> FlowctlException.Code.DEADLINE_EXCEEDED;
          default -> FlowctlException.Code.INTERNAL;
        };
    String description = s.getDescription() == null ? s.getCode().name() : s.getDescription();
    return new FlowctlException(code, what + ": " + description, e);
  }

  /** The status a service answers for {@code e}: its code for a {@link FlowctlException}. */
  public static StatusRuntimeException toStatus(Throwable e) {
    return Statuses.of(e, e instanceof FlowctlException f ? f.code().name() : null);
  }
}
