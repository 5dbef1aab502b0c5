package io.flowctl.server.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.flowctl.proto.ControlPlaneGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Runs heartbeat calls on the transport's own thread instead of handing each to the call executor.
 * A heartbeat takes microseconds and touches no database (the registry writes heartbeats in
 * batches), so the hand-off and the wake-up it costs were most of a heartbeat's price: a fleet's
 * heartbeats are the control plane's busiest call. Every other call keeps the executor, because it
 * may wait for the store. Internal to the server.
 */
public final class InlineHeartbeats implements ServerCallExecutorSupplier {
  private static final Set<String> HEARTBEATS =
      Set.of(
          ControlPlaneGrpc.getHeartbeatMethod().getFullMethodName(),
          io.flowctl.proto.v1.ControlPlaneServiceGrpc.getHeartbeatMethod().getFullMethodName());

  @Override
  public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata metadata) {
    return HEARTBEATS.contains(call.getMethodDescriptor().getFullMethodName())
        ? MoreExecutors.directExecutor()
        : null; // the server's executor
  }
}
