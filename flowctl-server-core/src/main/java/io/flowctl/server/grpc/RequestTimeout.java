package io.flowctl.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closes a unary or server-streaming call whose request has not fully arrived within a time limit.
 * gRPC buffers a request until its last byte: without a limit, a client that declares large
 * messages and never finishes them holds that memory for as long as it keeps the connection.
 * Closing the call resets the stream and frees what was buffered. Internal to the server.
 */
public final class RequestTimeout implements ServerInterceptor {
  private static final int WAITING = 0;
  private static final int ARRIVED = 1;
  private static final int TIMED_OUT = 2;

  private final ScheduledExecutorService timer;
  private final long nanos;

  public RequestTimeout(ScheduledExecutorService timer, Duration limit) {
    this.timer = Objects.requireNonNull(timer, "timer");
    this.nanos = limit.toNanos();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodType type = call.getMethodDescriptor().getType();
    if (type != MethodType.UNARY && type != MethodType.SERVER_STREAMING) {
      return next.startCall(call, headers); // streaming clients send at their own pace
    }
    AtomicInteger state = new AtomicInteger(WAITING);
    ScheduledFuture<?> expiry =
        timer.schedule(
            () -> {
              // Until the request has arrived no handler has run, so this thread alone touches
              // the call: the state makes the timeout and the arrival exclusive.
              if (state.compareAndSet(WAITING, TIMED_OUT)) {
                call.close(
                    Status.DEADLINE_EXCEEDED.withDescription(
                        "the request did not arrive within "
                            + TimeUnit.NANOSECONDS.toMillis(nanos)
                            + " ms"),
                    new Metadata());
              }
            },
            nanos,
            TimeUnit.NANOSECONDS);
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onMessage(Q message) {
        if (state.get() != TIMED_OUT) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        if (state.compareAndSet(WAITING, ARRIVED)) {
          expiry.cancel(false);
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        expiry.cancel(false);
        super.onCancel();
      }

      @Override
      public void onComplete() {
        expiry.cancel(false);
        super.onComplete();
      }
    };
  }
}
