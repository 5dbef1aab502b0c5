package io.flowctl.server.grpc;

import com.google.protobuf.Timestamp;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.function.Supplier;

/** What every unary handler of the control-plane services does alike. */
final class Calls {
  private Calls() {}

  /** Runs the call; its result is the answer, its exception the status (see GrpcStatuses). */
  static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      out.onError(GrpcStatuses.of(e));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
