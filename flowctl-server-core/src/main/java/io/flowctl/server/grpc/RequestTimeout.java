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
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
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

  /** A call whose request may still be on its way; the state makes arrival and expiry exclusive. */
  private static final class Pending extends AtomicInteger {
    final long deadline;
    volatile ServerCall<?, ?> call; // dropped on arrival, so a finished call is not kept

    Pending(long deadline, ServerCall<?, ?> call) {
      super(WAITING);
      this.deadline = deadline;
      this.call = call;
    }
  }

  private final long nanos;

  /**
   * Calls in arrival order. Every call has the same limit, so this is also deadline order: a scan
   * stops at the first call not yet due, and a call costs a queue entry rather than a timer task
   * (scheduling one task per call serialised every call on the timer's lock).
   */
  private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();

  /** Checks for overdue requests on {@code timer} every quarter of the limit (at most 100 ms). */
  public RequestTimeout(ScheduledExecutorService timer, Duration limit) {
    Objects.requireNonNull(timer, "timer");
    this.nanos = limit.toNanos();
    long every = Math.max(1_000_000L, Math.min(nanos / 4, 100_000_000L));
    timer.scheduleWithFixedDelay(this::expire, every, every, TimeUnit.NANOSECONDS);
  }

  private void expire() {
    long now = System.nanoTime();
    for (Pending p = pending.peek(); p != null; p = pending.peek()) {
      if (p.get() == WAITING && p.deadline - now > 0) {
        return;
      }
      pending.poll();
      ServerCall<?, ?> call = p.call;
      // Until the request has arrived no handler has run, so this thread alone touches the call.
      if (call != null && p.compareAndSet(WAITING, TIMED_OUT)) {
        call.close(
            Status.DEADLINE_EXCEEDED.withDescription(
                "the request did not arrive within "
                    + TimeUnit.NANOSECONDS.toMillis(nanos)
                    + " ms"),
            new Metadata());
      }
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodType type = call.getMethodDescriptor().getType();
    if (type != MethodType.UNARY && type != MethodType.SERVER_STREAMING) {
      return next.startCall(call, headers); // streaming clients send at their own pace
    }
    Pending state = new Pending(System.nanoTime() + nanos, call);
    pending.add(state);
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
          state.call = null;
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        state.compareAndSet(WAITING, ARRIVED);
        state.call = null;
        super.onCancel();
      }

      @Override
      public void onComplete() {
        state.call = null;
        super.onComplete();
      }
    };
  }
}
