package io.flowctl.proto.internal;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;

/**
 * A client-streaming call's single answer as a future: the first response completes it, an error
 * fails it, and a call that ends without answering fails it with {@code unanswered} (an {@link
 * IllegalStateException}), so a waiter never waits for an answer that cannot come. Override {@link
 * #beforeStart} to send with flow control.
 *
 * @param <ReqT> what the caller streams
 * @param <RespT> the one answer
 */
public class OneAnswer<ReqT, RespT> extends CompletableFuture<RespT>
    implements ClientResponseObserver<ReqT, RespT> {
  private final String unanswered;

  /**
   * @param unanswered the message when the call ends without an answer
   */
  public OneAnswer(String unanswered) {
    this.unanswered = unanswered;
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ReqT> requests) {}

  @Override
  public final void onNext(RespT answer) {
    complete(answer);
  }

  @Override
  public final void onError(Throwable t) {
    completeExceptionally(t);
  }

  @Override
  public final void onCompleted() {
    completeExceptionally(new IllegalStateException(unanswered)); // no-op once answered
  }
}
