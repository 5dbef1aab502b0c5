package io.flowctl.client.stream.internal;

import io.flowctl.proto.Event;
import io.flowctl.proto.EventSinkGrpc;
import io.flowctl.proto.SinkAck;
import io.flowctl.proto.internal.OneAnswer;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
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
    OneAnswer<Event, SinkAck> result =
        new OneAnswer<>("the sink sent no ack") {
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
        };
    EventSinkGrpc.newStub(sink).ingest(result);
    return result;
  }
}
