package io.flowctl.server.grpc;

import io.flowctl.FlowctlException;
import io.flowctl.proto.internal.Statuses;
import io.grpc.StatusRuntimeException;

/** The one place where library exceptions become gRPC statuses. */
final class GrpcStatuses {
  private GrpcStatuses() {}

  /** The status for {@code e}: its code when it is a {@link FlowctlException}, else INTERNAL. */
  public static StatusRuntimeException of(Throwable e) {
    return Statuses.of(e, e instanceof FlowctlException f ? f.code().name() : null);
  }
}
