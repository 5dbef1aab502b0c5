package io.flowctl.server.monitoring;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Objects;

/**
 * Times every RPC of the control plane as {@code flowctl.rpc} (Prometheus: {@code
 * flowctl_rpc_seconds_count}, {@code _sum}, {@code _max}) tagged with the method and the status
 * code: the rates and latencies of the control plane's own calls.
 */
public final class RpcMetrics implements ServerInterceptor {
  private final MeterRegistry meters;

  public RpcMetrics(MeterRegistry meters) {
    this.meters = Objects.requireNonNull(meters, "meters");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            Timer.builder("flowctl.rpc")
                .description("Control-plane RPCs by method and status")
                .tag("method", method)
                .tag("code", status.getCode().name().toLowerCase(Locale.ROOT))
                .register(meters)
                .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            super.close(status, trailers);
          }
        },
        headers);
  }
}
