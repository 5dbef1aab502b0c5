package io.flowctl.client.stream.internal;

import io.flowctl.proto.Event;
import io.flowctl.proto.EventSinkGrpc;
import io.flowctl.proto.SinkAck;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;

/**
 * Pushes a source's events into a legacy sink ({@code EventSink.Ingest}), sending only while the
 * stream is ready: a slow sink slows the source.
 */
public final class LegacyPublisher {
  private LegacyPublisher() {}

  /** Sends every event, then completes with the sink's acknowledgement. */
  public static CompletableFuture<SinkAck> toSink(Channel sink, Iterator<Event> events) {
    CompletableFuture<SinkAck> result = new CompletableFuture<>();
    EventSinkGrpc.newStub(sink)
        .ingest(
            new ClientResponseObserver<Event, SinkAck>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<Event> requests) {
                Object lock = new Object();
                boolean[] done = {false};
                requests.setOnReadyHandler(
                    () -> {
                      synchronized (lock) {
                        while (!done[0] && requests.isReady()) {
                          if (!events.hasNext()) {
                            done[0] = true;
                            requests.onCompleted();
                            return;
                          }
                          requests.onNext(events.next());
                        }
                      }
                    });
              }

              @Override
              public void onNext(SinkAck ack) {
                result.complete(ack);
              }

              @Override
              public void onError(Throwable t) {
                result.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                if (!result.isDone()) {
                  result.completeExceptionally(new IllegalStateException("the sink sent no ack"));
                }
              }
            });
    return result;
  }
}
