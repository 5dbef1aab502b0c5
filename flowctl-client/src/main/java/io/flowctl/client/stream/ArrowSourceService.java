package io.flowctl.client.stream;

import com.google.protobuf.Empty;
import io.flowctl.FlowctlException;
import io.flowctl.client.stream.internal.ComponentServiceBuilder;
import io.flowctl.client.stream.internal.Identity;
import io.flowctl.client.stream.internal.V1Events;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.SaveStateRequest;
import io.flowctl.proto.v1.StateRequest;
import io.flowctl.proto.v1.StateResponse;
import io.flowctl.proto.v1.StellarCursor;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves a source on the v1 data plane ({@code flowctl.v1.SourceService}): {@code StreamEvents} for
 * upstream's runner and for consumers that pull, {@code GetInfo}, {@code HealthCheck}, and {@code
 * GetState}/{@code SaveState} over a {@link StateStore}.
 *
 * <p>Events are taken from the feed only while the stream is ready (gRPC flow control), so a slow
 * reader slows the source instead of filling memory. A request with {@code resume} continues after
 * its {@code resume_token}, or, without one, after the token saved in the state store under the
 * component's id. Thread-safe; add it to the host's gRPC server.
 */
public final class ArrowSourceService
    implements io.flowctl.proto.v1.SourceServiceGrpc.AsyncService, io.grpc.BindableService {
  /** Where a source's events come from. */
  @FunctionalInterface
  public interface Feed {
    /**
     * The events to stream, each with its id. {@code hasNext} may block until the next event exists
     * and returns false at the end of the stream. An iterator that is also {@link AutoCloseable} (a
     * {@link Events}) is closed once when the stream ends, whichever way: at its end, when the
     * reader cancels, when its deadline passes or when a call fails. A cancel closes it from
     * another thread than the one that may be blocked in {@code hasNext}, so its {@code close} must
     * be thread-safe and should make a blocked {@code hasNext} return.
     */
    Iterator<Identified> from(Start start);
  }

  /** A feed's events that hold something to release when their stream ends (see {@link Feed}). */
  public interface Events extends Iterator<Identified>, AutoCloseable {
    /** Releases what the stream holds; called once, possibly from another thread. */
    @Override
    void close();
  }

  /**
   * Where a stream starts.
   *
   * @param params the request's parameters (upstream's runner passes {@code start_ledger} and
   *     {@code end_ledger})
   * @param resumeAfter the id of the last event the reader handled; empty: from the start
   */
  public record Start(Map<String, String> params, String resumeAfter) {
    public Start {
      params = Map.copyOf(params);
      Objects.requireNonNull(resumeAfter, "resumeAfter");
    }
  }

  /**
   * An event, its id in the source's order, and where it sits in the ledger stream.
   *
   * @param cursor the ledger position, or null for a source that has none
   */
  public record Identified(String id, Event event, StellarCursor cursor) {
    public Identified {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(event, "event");
    }

    public Identified(String id, Event event) {
      this(id, event, null);
    }
  }

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ArrowSourceService.class);

  private final String componentId;
  private final Feed feed;
  private final Identity identity;
  private final ComponentHealth health;
  private final StateStore state;
  private final AtomicLong sent = new AtomicLong();

  /** A source with an in-memory state store, healthy from the start. */
  public ArrowSourceService(String componentId, Feed feed) {
    this(builder(componentId, feed));
  }

  private ArrowSourceService(Builder b) {
    this.identity = b.identity(ComponentType.COMPONENT_TYPE_SOURCE);
    this.componentId = identity.componentId();
    this.feed = b.feed;
    this.health = identity.health();
    this.health.metrics(() -> Map.of("events_sent", Long.toString(sent.get())));
    this.state = b.state;
  }

  public static Builder builder(String componentId, Feed feed) {
    return new Builder(componentId, feed);
  }

  /** Events sent on all streams so far. */
  public long eventsSent() {
    return sent.get();
  }

  @Override
  public void streamEvents(
      StreamRequest request, StreamObserver<io.flowctl.proto.v1.Event> responseObserver) {
    ServerCallStreamObserver<io.flowctl.proto.v1.Event> out =
        (ServerCallStreamObserver<io.flowctl.proto.v1.Event>) responseObserver;
    Iterator<Identified> events;
    try {
      events = feed.from(new Start(request.getParamsMap(), resumeAfter(request)));
    } catch (FlowctlException e) {
      out.onError(io.flowctl.client.control.internal.GrpcErrors.toStatus(e));
      return;
    } catch (RuntimeException e) {
      out.onError(io.flowctl.client.control.internal.GrpcErrors.toStatus(e));
      return;
    }
    // However the call ends, its context is cancelled at once, on gRPC's own thread: the feed is
    // closed there, which also frees a drain blocked waiting for the feed's next event.
    Runnable release = closer(events);
    io.grpc.Context.current().addListener(ctx -> release.run(), Runnable::run);
    Object lock = new Object();
    boolean[] done = {false};
    Runnable drain =
        () -> {
          synchronized (lock) {
            try {
              while (!done[0] && out.isReady() && !out.isCancelled()) {
                if (!events.hasNext()) {
                  done[0] = true;
                  if (!out.isCancelled()) {
                    out.onCompleted();
                  }
                  release.run();
                  return;
                }
                Identified next = events.next();
                out.onNext(V1Events.toV1(next.id(), componentId, next.event(), next.cursor()));
                sent.incrementAndGet();
              }
            } catch (RuntimeException e) {
              done[0] = true;
              release.run();
              if (!out.isCancelled()) {
                out.onError(io.flowctl.client.control.internal.GrpcErrors.toStatus(e));
              }
            }
          }
        };
    out.setOnReadyHandler(drain);
    out.setOnCancelHandler(
        () -> {
          synchronized (lock) {
            done[0] = true;
          }
          release.run();
        });
    drain.run();
  }

  /** Closes {@code events} once, if they can be closed. */
  private Runnable closer(Iterator<Identified> events) {
    if (!(events instanceof AutoCloseable c)) {
      return () -> {};
    }
    java.util.concurrent.atomic.AtomicBoolean once =
        new java.util.concurrent.atomic.AtomicBoolean();
    return () -> {
      if (once.compareAndSet(false, true)) {
        try {
          c.close();
        } catch (Exception e) {
          LOG.warn("source '{}': closing a stream's feed failed: {}", componentId, e.toString());
        }
      }
    };
  }

  private String resumeAfter(StreamRequest request) {
    if (!request.getResume()) {
      return "";
    }
    if (!request.getResumeToken().isEmpty()) {
      return request.getResumeToken();
    }
    return state
        .load(componentId)
        .map(s -> s.state().getOrDefault(StateStore.RESUME_TOKEN, ""))
        .orElse("");
  }

  @Override
  public io.grpc.ServerServiceDefinition bindService() {
    return identity.serve(io.flowctl.proto.v1.SourceServiceGrpc.bindService(this));
  }

  @Override
  public void getState(StateRequest request, StreamObserver<StateResponse> out) {
    String key = request.getKey().isEmpty() ? componentId : request.getKey();
    try {
      StateResponse.Builder b = StateResponse.newBuilder();
      state
          .load(key)
          .ifPresent(
              s ->
                  b.putAllState(s.state())
                      .setResumeToken(s.state().getOrDefault(StateStore.RESUME_TOKEN, ""))
                      .setLastUpdatedUnix(s.updatedAt().getEpochSecond()));
      out.onNext(b.build());
      out.onCompleted();
    } catch (FlowctlException e) {
      out.onError(io.flowctl.client.control.internal.GrpcErrors.toStatus(e));
    }
  }

  @Override
  public void saveState(SaveStateRequest request, StreamObserver<Empty> out) {
    String key = request.getKey().isEmpty() ? componentId : request.getKey();
    try {
      state.save(key, request.getStateMap());
      out.onNext(Empty.getDefaultInstance());
      out.onCompleted();
    } catch (FlowctlException e) {
      out.onError(io.flowctl.client.control.internal.GrpcErrors.toStatus(e));
    }
  }

  /** Settings of a source service. */
  public static final class Builder extends ComponentServiceBuilder<Builder> {
    private final Feed feed;
    private StateStore state = StateStore.inMemory();

    private Builder(String componentId, Feed feed) {
      super(componentId);
      this.feed = Objects.requireNonNull(feed, "feed");
    }

    /** Where {@code SaveState} writes and {@code GetState} reads; default: memory. */
    public Builder state(StateStore state) {
      this.state = Objects.requireNonNull(state, "state");
      return this;
    }

    public ArrowSourceService build() {
      return new ArrowSourceService(this);
    }
  }
}
