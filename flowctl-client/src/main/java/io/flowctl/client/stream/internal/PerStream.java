package io.flowctl.client.stream.internal;

import io.flowctl.client.control.internal.GrpcErrors;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.function.Supplier;

/** Opening a call's own handler from a service's factory, for the push services. */
final class PerStream {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PerStream.class);

  private PerStream() {}

  /** The factory's handler for a new call; null when it failed, after answering {@code out}. */
  static <H> H open(Supplier<? extends H> factory, StreamObserver<?> out, String what) {
    try {
      return Objects.requireNonNull(factory.get(), what + "'s handler factory gave null");
    } catch (RuntimeException e) {
      out.onError(GrpcErrors.toStatus(e));
      return null;
    }
  }

  /** A handler's {@code close}. */
  @FunctionalInterface
  interface Closer {
    void close() throws Exception;
  }

  /**
   * Closes a call's handler; its failure is logged, not thrown: the call is over either way.
   *
   * @param who the component, as the log names it ("sink 'parquet'")
   */
  static void close(Closer handler, String who) {
    try {
      handler.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("{}: closing a stream failed: {}", who, e.toString());
    }
  }

  /** What a refused call reads its input with: nothing. */
  static StreamObserver<io.flowctl.proto.v1.Event> ignoring() {
    return new StreamObserver<>() {
      @Override
      public void onNext(io.flowctl.proto.v1.Event value) {}

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
