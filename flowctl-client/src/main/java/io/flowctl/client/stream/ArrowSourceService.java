package io.flowctl.client.stream;

import io.flowctl.proto.Event;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.Objects;

/**
 * Serves a source's events on the v1 data plane ({@code SourceService.StreamEvents}). Events are
 * taken from the feed only while the stream is ready (gRPC flow control), so a slow consumer slows
 * the source instead of filling memory. A feed that knows event ids resumes after the id the
 * downstream last acknowledged.
 */
public final class ArrowSourceService
    extends io.flowctl.proto.v1.SourceServiceGrpc.SourceServiceImplBase {
  /** Where a source's events come from. */
  @FunctionalInterface
  public interface Feed {
    /**
     * The events after {@code resumeAfterEventId} (empty: from the start), each with its id. {@code
     * hasNext} may block until the next event exists and returns false at the end.
     */
    Iterator<Identified> from(String resumeAfterEventId);
  }

  /** An event and its id in the source's order. */
  public record Identified(String id, Event event) {}

  private final String componentId;
  private final Feed feed;

  public ArrowSourceService(String componentId, Feed feed) {
    this.componentId = Objects.requireNonNull(componentId, "componentId");
    this.feed = Objects.requireNonNull(feed, "feed");
  }

  @Override
  public void streamEvents(
      StreamRequest request, StreamObserver<io.flowctl.proto.v1.Event> responseObserver) {
    ServerCallStreamObserver<io.flowctl.proto.v1.Event> out =
        (ServerCallStreamObserver<io.flowctl.proto.v1.Event>) responseObserver;
    Iterator<Identified> events = feed.from(request.getResumeAfterEventId());
    Object lock = new Object();
    boolean[] done = {false};
    Runnable drain =
        () -> {
          synchronized (lock) {
            try {
              while (!done[0] && out.isReady() && !out.isCancelled()) {
                if (!events.hasNext()) {
                  done[0] = true;
                  out.onCompleted();
                  return;
                }
                Identified next = events.next();
                if (request.getEventTypesCount() > 0
                    && !request.getEventTypesList().contains(next.event().getEventType())) {
                  continue;
                }
                out.onNext(V1Events.toV1(next.id(), componentId, next.event()));
              }
            } catch (RuntimeException e) {
              done[0] = true;
              out.onError(
                  io.grpc.Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
            }
          }
        };
    out.setOnReadyHandler(drain);
    out.setOnCancelHandler(() -> done[0] = true);
    drain.run();
  }
}
