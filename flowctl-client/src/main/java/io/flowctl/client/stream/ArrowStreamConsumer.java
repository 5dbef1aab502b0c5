package io.flowctl.client.stream;

import io.flowctl.client.stream.internal.ArrowConsumerService;
import io.flowctl.client.stream.internal.V1Events;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pulls an upstream source's events (v1 {@code StreamEvents}) with at most {@code maxInflight}
 * events requested and not yet handled: each handled event acknowledges one and requests the next,
 * so a slow handler slows the upstream. An event whose handler throws is reported to the error
 * listener and skipped; the stream goes on. A broken stream is re-opened, after a backoff, with
 * {@code resume} set and the last handled event's id as {@code resume_token}: the upstream
 * continues after it. An event that does not decode is reported and skipped like one whose handler
 * failed: it never breaks the stream. This is the direct, service-to-service option; under
 * upstream's runner the runner pushes events to {@link ArrowConsumerService} instead.
 */
public final class ArrowStreamConsumer implements AutoCloseable {
  /** Handles one event; runs on a gRPC thread, one event at a time. */
  @FunctionalInterface
  public interface Handler {
    void handle(Event event) throws Exception;
  }

  /** Hears about events a handler failed on (the legacy {@code ProcessorError} style). */
  @FunctionalInterface
  public interface ErrorListener {
    void failed(String eventId, Event event, Exception error);
  }

  private final SourceServiceGrpc.SourceServiceStub stub;
  private final StreamRequest request;
  private final int maxInflight;
  private final Handler handler;
  private final ErrorListener errors;
  private final Duration retry;
  private final AtomicReference<String> lastHandled = new AtomicReference<>("");
  private final AtomicLong handled = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final CompletableFuture<Void> completion = new CompletableFuture<>();
  private volatile ClientCallStreamObserver<StreamRequest> call;
  private volatile boolean closed;

  public ArrowStreamConsumer(
      Channel upstream,
      StreamRequest request,
      int maxInflight,
      Handler handler,
      ErrorListener errors,
      Duration retry) {
    this.stub = SourceServiceGrpc.newStub(Objects.requireNonNull(upstream, "upstream"));
    this.request = Objects.requireNonNull(request, "request");
    if (maxInflight < 1) {
      throw new IllegalArgumentException("maxInflight must be >= 1: " + maxInflight);
    }
    this.maxInflight = maxInflight;
    this.handler = Objects.requireNonNull(handler, "handler");
    this.errors = errors == null ? (id, e, x) -> {} : errors;
    this.retry = Objects.requireNonNull(retry, "retry");
  }

  /** Opens the stream; returns at once. The future completes when the upstream ends. */
  public CompletableFuture<Void> start() {
    open();
    return completion;
  }

  public long handledEvents() {
    return handled.get();
  }

  public long failedEvents() {
    return failed.get();
  }

  private void open() {
    if (closed) {
      return;
    }
    String after = lastHandled.get();
    StreamRequest r =
        after.isEmpty()
            ? request
            : request.toBuilder().setResume(true).setResumeToken(after).build();
    stub.streamEvents(
        r,
        new ClientResponseObserver<StreamRequest, io.flowctl.proto.v1.Event>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<StreamRequest> requestStream) {
            call = requestStream;
            requestStream.disableAutoRequestWithInitial(maxInflight);
          }

          @Override
          public void onNext(io.flowctl.proto.v1.Event v) {
            Event e = null;
            try {
              e =
                  V1Events.fromV1(
                      v); // a damaged envelope is this event's failure, not the stream's
              handler.handle(e);
              handled.incrementAndGet();
            } catch (Exception x) {
              failed.incrementAndGet();
              try {
                errors.failed(v.getId(), e != null ? e : V1Events.envelope(v), x);
              } catch (RuntimeException listenerFailed) {
                // the listener's own fault must not stop the stream either
              }
            }
            lastHandled.set(v.getId());
            call.request(1); // acknowledge: one more may come
          }

          @Override
          public void onError(Throwable t) {
            if (closed) {
              completion.completeExceptionally(t);
              return;
            }
            // Re-open from the last handled event after a pause.
            java.util.concurrent.CompletableFuture.delayedExecutor(
                    retry.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(ArrowStreamConsumer.this::open);
          }

          @Override
          public void onCompleted() {
            completion.complete(null);
          }
        });
  }

  @Override
  public void close() {
    closed = true;
    ClientCallStreamObserver<StreamRequest> c = call;
    if (c != null) {
      c.cancel("consumer closed", null);
    }
  }
}
