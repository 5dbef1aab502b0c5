package io.flowctl.client.stream.internal;

import io.flowctl.client.stream.ArrowStreamConsumer;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventSinkGrpc;
import io.flowctl.proto.SinkAck;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink on the legacy data plane ({@code flowctl.EventSink.Ingest}). gRPC asks for the next event
 * only after the handler returns, so a slow sink slows its senders. A failing event is counted and
 * reported in the final {@code SinkAck} without ending the stream.
 */
public final class LegacySinkService extends EventSinkGrpc.EventSinkImplBase {
  private final ArrowStreamConsumer.Handler handler;
  private final ArrowStreamConsumer.ErrorListener errors;
  private final AtomicLong ingested = new AtomicLong();

  public LegacySinkService(
      ArrowStreamConsumer.Handler handler, ArrowStreamConsumer.ErrorListener errors) {
    this.handler = Objects.requireNonNull(handler, "handler");
    this.errors = errors == null ? (id, e, x) -> {} : errors;
  }

  public long ingestedEvents() {
    return ingested.get();
  }

  @Override
  public StreamObserver<Event> ingest(StreamObserver<SinkAck> ack) {
    return new StreamObserver<>() {
      private long n;
      private long failed;
      private String firstError = "";

      @Override
      public void onNext(Event e) {
        n++;
        try {
          handler.handle(e);
          ingested.incrementAndGet();
        } catch (Exception x) {
          failed++;
          if (firstError.isEmpty()) {
            firstError = "event " + n + ": " + x.getMessage();
          }
          errors.failed(Long.toString(n), e, x);
        }
      }

      @Override
      public void onError(Throwable t) {
        // the sender went away; nothing to answer
      }

      @Override
      public void onCompleted() {
        ack.onNext(
            SinkAck.newBuilder()
                .setSuccess(failed == 0)
                .setError(firstError)
                .putMetadata("events", Long.toString(n))
                .putMetadata("failed", Long.toString(failed))
                .build());
        ack.onCompleted();
      }
    };
  }
}
