package io.flowctl.client.stream;

import com.google.protobuf.Empty;
import io.flowctl.internal.Require;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.flowctl.proto.v1.HealthCheckRequest;
import io.flowctl.proto.v1.HealthCheckResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves a sink on the v1 data plane ({@code flowctl.v1.ConsumerService}), the way upstream's
 * runner feeds sinks: it streams every matching event into {@code Consume} and reads one {@link
 * ConsumeResponse} when it closes the stream.
 *
 * <p>Events are handled one at a time, in order, at most {@code maxInflight} requested ahead, so a
 * slow sink holds its writer back. An event the handler fails on (a damaged payload, say) is
 * counted in {@code events_failed} with its reason in {@code errors} (the first {@value
 * #MAX_ERRORS}), and the stream goes on. Thread-safe; add it to the host's gRPC server.
 */
public final class ArrowConsumerService extends ConsumerServiceGrpc.ConsumerServiceImplBase {
  /** Reasons kept per call in {@code ConsumeResponse.errors}. */
  public static final int MAX_ERRORS = 100;

  /** Handles the events of a sink; runs on gRPC threads, one event at a time. */
  public interface Handler {
    void handle(io.flowctl.proto.Event event) throws Exception;

    /** Called when the writer closed its stream, before the answer: flush what is held. */
    default void finish() throws Exception {}
  }

  private final String componentId;
  private final Handler handler;
  private final int maxInflight;
  private final Identity identity;
  private final ComponentHealth health;
  private final AtomicLong consumed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong calls = new AtomicLong();

  private ArrowConsumerService(Builder b) {
    this.componentId = b.componentId;
    this.handler = b.handler;
    this.maxInflight = b.maxInflight;
    this.identity =
        new Identity(b.componentId, ComponentType.COMPONENT_TYPE_CONSUMER, b.info, b.health);
    this.health = identity.health;
    this.health.metrics(
        () ->
            Map.of(
                "processed_count", Long.toString(consumed.get()),
                "error_count", Long.toString(failed.get()),
                "processing_latency", latency.text()));
  }

  private final Latency latency = new Latency();

  public static Builder builder(String componentId, Handler handler) {
    return new Builder(componentId, handler);
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

  @Override
  public StreamObserver<io.flowctl.proto.v1.Event> consume(
      StreamObserver<ConsumeResponse> responseObserver) {
    ServerCallStreamObserver<ConsumeResponse> out =
        (ServerCallStreamObserver<ConsumeResponse>) responseObserver;
    out.disableAutoRequest();
    out.request(maxInflight);
    return new StreamObserver<>() {
      private long callConsumed;
      private long callFailed;
      private final List<String> errors = new ArrayList<>();

      @Override
      public void onNext(io.flowctl.proto.v1.Event in) {
        long t0 = System.nanoTime();
        try {
          handler.handle(V1Events.fromV1(in));
          latency.add(System.nanoTime() - t0);
          callConsumed++;
          consumed.incrementAndGet();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failed(in.getId(), e);
        } catch (Exception e) {
          failed(in.getId(), e);
        }
        out.request(1);
      }

      private void failed(String id, Exception e) {
        callFailed++;
        failed.incrementAndGet();
        if (errors.size() < MAX_ERRORS) {
          errors.add("event '" + id + "': " + e.getMessage());
        }
      }

      @Override
      public void onError(Throwable t) {
        // the writer went away; nothing to answer
      }

      @Override
      public void onCompleted() {
        try {
          handler.finish();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failed("", e);
        } catch (Exception e) {
          failed("", e);
        }
        out.onNext(
            ConsumeResponse.newBuilder()
                .setEventsConsumed(callConsumed)
                .setEventsFailed(callFailed)
                .addAllErrors(errors)
                .build());
        out.onCompleted();
        calls.incrementAndGet();
      }
    };
  }

  @Override
  public void getInfo(Empty request, StreamObserver<ComponentInfo> out) {
    identity.getInfo(out);
  }

  @Override
  public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
    identity.healthCheck(request, out);
  }

  /** Settings of a consumer service. */
  public static final class Builder extends ComponentServiceBuilder<Builder> {
    private final Handler handler;
    private int maxInflight = 16;

    private Builder(String componentId, Handler handler) {
      super(componentId);
      this.handler = Objects.requireNonNull(handler, "handler");
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
