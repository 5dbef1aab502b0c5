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

  /**
   * The most a list answer may hold. The wire's list calls have no pages, so a larger answer is
   * refused (RESOURCE_EXHAUSTED naming the filters and the paged HTTP API) instead of being built.
   */
  static final int MAX_LIST_BYTES = 16 << 20;

  /** Adds up the items of one list answer; throws once they pass {@link #MAX_LIST_BYTES}. */
  static final class ListBudget {
    private final String what;
    private long bytes;

    ListBudget(String what) {
      this.what = what;
    }

    <M extends com.google.protobuf.MessageLite> M add(M item) {
      bytes += item.getSerializedSize() + 8;
      if (bytes > MAX_LIST_BYTES) {
        throw new io.flowctl.FlowctlException(
            io.flowctl.FlowctlException.Code.RESOURCE_EXHAUSTED,
            what
                + " would pass "
                + (MAX_LIST_BYTES >> 20)
                + " MiB: filter it (by type, event type or metadata), or read the pages of the"
                + " HTTP side's /api/services");
      }
      return item;
    }
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
