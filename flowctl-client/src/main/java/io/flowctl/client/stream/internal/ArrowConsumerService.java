package io.flowctl.client.stream.internal;

import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.client.stream.ConsumerHandler;
import io.flowctl.internal.Require;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Serves a sink on the v1 data plane ({@code flowctl.v1.ConsumerService}), the way upstream's
 * runner feeds sinks: it streams every matching event into {@code Consume} and reads one {@link
 * ConsumeResponse} when it closes the stream.
 *
 * <p>Every {@code Consume} call is a stream of its own with a {@link ConsumerHandler} of its own,
 * opened when the call starts: upstream's runner opens one call per processor wired to the sink (a
 * sink with two inputs gets two at once) and new ones after a reconnect, so nothing one call holds
 * is seen by another. Events are handled one at a time, in order, at most {@code maxInflight}
 * requested ahead, so a slow sink holds its writer back. An event the handler fails on (a damaged
 * payload, say) is counted in {@code events_failed} with its reason in {@code errors} (the first
 * {@value #MAX_ERRORS}), and the stream goes on. A call that ends without an answer (cancelled,
 * past its deadline, the writer gone) closes its handler without {@code finish}. Thread-safe; add
 * it to the host's gRPC server.
 */
public final class ArrowConsumerService
    implements ConsumerServiceGrpc.AsyncService, io.grpc.BindableService {
  /** Reasons kept per call in {@code ConsumeResponse.errors}. */
  public static final int MAX_ERRORS = 100;

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ArrowConsumerService.class);

  private final String componentId;
  private final Supplier<? extends ConsumerHandler> handlers;
  private final int maxInflight;
  private final Identity identity;
  private final ComponentHealth health;
  private final AtomicLong consumed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong aborted = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private final Latency latency = new Latency();
  private final Refusals refusals;

  private ArrowConsumerService(Builder b) {
    this.componentId = b.componentId;
    this.handlers = b.handlers;
    this.maxInflight = b.maxInflight;
    this.identity =
        new Identity(b.componentId, ComponentType.COMPONENT_TYPE_CONSUMER, b.info, b.health);
    this.health = identity.health;
    this.refusals = new Refusals("sink '" + componentId + "'", health, LOG);
    this.health.metrics(
        () ->
            Map.of(
                "processed_count", Long.toString(consumed.get()),
                "error_count", Long.toString(failed.get()),
                "processing_latency", latency.text(),
                "error_reason", refusals.firstCause(),
                "open_streams", Long.toString(open.get())));
  }

  /**
   * A sink whose streams each get a new handler from {@code perStream}: the way to keep state (open
   * files, pending rows) per stream.
   */
  public static Builder builder(String componentId, Supplier<? extends ConsumerHandler> perStream) {
    return new Builder(componentId, perStream);
  }

  /**
   * A sink whose every stream shares {@code handler}: for a stateless, thread-safe handler (its
   * {@code finish} and {@code close} run at the end of each stream).
   */
  public static Builder builder(String componentId, ConsumerHandler handler) {
    Objects.requireNonNull(handler, "handler");
    return new Builder(componentId, () -> handler);
  }

  public long consumedEvents() {
    return consumed.get();
  }

  public long failedEvents() {
    return failed.get();
  }

  /** {@code Consume} calls that ended with an answer. */
  public long completedCalls() {
    return calls.get();
  }

  /** {@code Consume} calls that ended without one (cancelled, past a deadline, writer gone). */
  public long abortedCalls() {
    return aborted.get();
  }

  /** {@code Consume} calls under way now. */
  public long openCalls() {
    return open.get();
  }

  @Override
  public StreamObserver<io.flowctl.proto.v1.Event> consume(
      StreamObserver<ConsumeResponse> responseObserver) {
    ServerCallStreamObserver<ConsumeResponse> out =
        (ServerCallStreamObserver<ConsumeResponse>) responseObserver;
    ConsumerHandler handler = PerStream.open(handlers, out, "the sink");
    if (handler == null) {
      return PerStream.ignoring();
    }
    out.setOnCancelHandler(() -> {}); // a late answer after a cancel is dropped, not thrown
    out.disableAutoRequest();
    open.incrementAndGet();
    out.request(maxInflight);
    return new Call(out, handler);
  }

  /** One {@code Consume} stream; gRPC delivers its callbacks one at a time. */
  private final class Call implements StreamObserver<io.flowctl.proto.v1.Event> {
    private final ServerCallStreamObserver<ConsumeResponse> out;
    private final ConsumerHandler handler;
    private final List<String> errors = new ArrayList<>();
    private long callConsumed;
    private long callFailed;
    private boolean ended;

    Call(ServerCallStreamObserver<ConsumeResponse> out, ConsumerHandler handler) {
      this.out = out;
      this.handler = handler;
    }

    @Override
    public void onNext(io.flowctl.proto.v1.Event in) {
      if (ended) {
        return;
      }
      long t0 = System.nanoTime();
      try {
        handler.handle(V1Events.fromV1(in));
        latency.add(System.nanoTime() - t0);
        callConsumed++;
        consumed.incrementAndGet();
        refusals.handled();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed("event '" + in.getId() + "'", e);
      } catch (Exception e) {
        failed("event '" + in.getId() + "'", e);
      }
      if (!out.isCancelled()) {
        out.request(1);
      }
    }

    private void failed(String what, Exception e) {
      callFailed++;
      failed.incrementAndGet();
      refusals.refused(what, e);
      if (errors.size() < MAX_ERRORS) {
        errors.add(what + ": " + e.getMessage());
      }
    }

    @Override
    public void onError(Throwable t) {
      // Cancelled, past its deadline or the writer went away: nobody reads an answer.
      if (ended) {
        return;
      }
      ended = true;
      aborted.incrementAndGet();
      close();
    }

    @Override
    public void onCompleted() {
      if (ended) {
        return;
      }
      ended = true;
      try {
        handler.finish();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed("at the end of the stream", e);
      } catch (Exception e) {
        failed("at the end of the stream", e);
      }
      close();
      out.onNext(
          ConsumeResponse.newBuilder()
              .setEventsConsumed(callConsumed)
              .setEventsFailed(callFailed)
              .addAllErrors(errors)
              .build());
      out.onCompleted();
      calls.incrementAndGet();
    }

    private void close() {
      open.decrementAndGet();
      PerStream.close(handler::close, "sink '" + componentId + "'");
    }
  }

  @Override
  public io.grpc.ServerServiceDefinition bindService() {
    return identity.serve(ConsumerServiceGrpc.bindService(this));
  }

  /** Settings of a consumer service. */
  public static final class Builder extends ComponentServiceBuilder<Builder> {
    private final Supplier<? extends ConsumerHandler> handlers;
    private int maxInflight = 16;

    private Builder(String componentId, Supplier<? extends ConsumerHandler> handlers) {
      super(componentId);
      this.handlers = Objects.requireNonNull(handlers, "handlers");
    }

    /** Events requested ahead of the one being handled; default 16. */
    public Builder maxInflight(int events) {
      this.maxInflight = Require.positive(events, "maxInflight");
      return this;
    }

    public ArrowConsumerService build() {
      return new ArrowConsumerService(this);
    }
  }
}
