package io.flowctl.client.stream;

import com.google.protobuf.Empty;
import io.flowctl.internal.Require;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.HealthCheckRequest;
import io.flowctl.proto.v1.HealthCheckResponse;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves a processor on the v1 data plane ({@code flowctl.v1.ProcessorService}), the way upstream's
 * runner drives processors: it streams events into {@code Process} and reads the processed events
 * back on the same call.
 *
 * <p>Events are handled one at a time, in order, and their outputs written in that order. At most
 * {@code maxInflight} events are requested ahead, and the next one only while the caller reads the
 * outputs ({@code isReady}), so a slow reader holds the writer back through gRPC flow control. An
 * event the handler fails on is counted, reported to the error listener and skipped: the stream
 * goes on. Each output keeps its input's id, source component, cursor and metadata ({@link
 * V1Events#derived}). Thread-safe; add it to the host's gRPC server.
 */
public final class ArrowProcessorService extends ProcessorServiceGrpc.ProcessorServiceImplBase {
  private final String componentId;
  private final ArrowProcessor.Handler handler;
  private final int maxInflight;
  private final ArrowStreamConsumer.ErrorListener errors;
  private final Identity identity;
  private final ComponentHealth health;
  private final AtomicLong processed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong produced = new AtomicLong();
  private volatile String lastError = "";
  private final Latency latency = new Latency();
  private final java.util.concurrent.ExecutorService workers; // null: one event at a time

  private ArrowProcessorService(Builder b) {
    this.componentId = b.componentId;
    this.handler = b.handler;
    this.maxInflight = b.maxInflight;
    if (b.concurrency > 1) {
      java.util.concurrent.ThreadPoolExecutor pool =
          new java.util.concurrent.ThreadPoolExecutor(
              b.concurrency,
              b.concurrency,
              30,
              java.util.concurrent.TimeUnit.SECONDS,
              new java.util.concurrent.LinkedBlockingQueue<>(),
              r -> {
                Thread t = new Thread(r, "flowctl-processor-" + b.componentId);
                t.setDaemon(true);
                return t;
              });
      pool.allowCoreThreadTimeOut(true); // an idle processor holds no threads
      this.workers = pool;
    } else {
      this.workers = null;
    }
    this.errors = b.errors;
    this.identity =
        new Identity(b.componentId, ComponentType.COMPONENT_TYPE_PROCESSOR, b.info, b.health);
    this.health = identity.health;
    this.health.metrics(this::metrics);
  }

  public static Builder builder(String componentId, ArrowProcessor.Handler handler) {
    return new Builder(componentId, handler);
  }

  private Map<String, String> metrics() {
    return Map.of(
        "processed_count", Long.toString(processed.get()),
        "error_count", Long.toString(failed.get()),
        "events_produced", Long.toString(produced.get()),
        "last_error", lastError,
        "processing_latency", latency.text());
  }

  public long processedEvents() {
    return processed.get();
  }

  public long failedEvents() {
    return failed.get();
  }

  @Override
  public StreamObserver<io.flowctl.proto.v1.Event> process(
      StreamObserver<io.flowctl.proto.v1.Event> responseObserver) {
    ServerCallStreamObserver<io.flowctl.proto.v1.Event> out =
        (ServerCallStreamObserver<io.flowctl.proto.v1.Event>) responseObserver;
    out.disableAutoRequest();
    Call call = new Call(out);
    out.setOnReadyHandler(call::onReady);
    out.request(maxInflight);
    return call;
  }

  /** One {@code Process} call. gRPC delivers its callbacks one at a time. */
  private final class Call implements StreamObserver<io.flowctl.proto.v1.Event> {
    private final ServerCallStreamObserver<io.flowctl.proto.v1.Event> out;
    private int owed; // requests held back while the reader is behind
    private boolean ended;

    Call(ServerCallStreamObserver<io.flowctl.proto.v1.Event> out) {
      this.out = out;
    }

    // With several workers: what each input made, in input order; guarded by this.
    private final java.util.ArrayDeque<
            java.util.concurrent.CompletableFuture<java.util.List<io.flowctl.proto.v1.Event>>>
        pending = new java.util.ArrayDeque<>();
    private boolean completing;
    private boolean finished;

    @Override
    public void onNext(io.flowctl.proto.v1.Event in) {
      if (workers != null) {
        java.util.concurrent.CompletableFuture<java.util.List<io.flowctl.proto.v1.Event>> f =
            java.util.concurrent.CompletableFuture.supplyAsync(() -> handle(in), workers);
        synchronized (this) {
          pending.addLast(f);
        }
        f.whenComplete((r, t) -> drain());
        return;
      }
      int[] index = {0};
      ArrowProcessor.Emitter emit =
          e -> {
            out.onNext(V1Events.derived(in, index[0]++, e));
            produced.incrementAndGet();
          };
      long t0 = System.nanoTime();
      try {
        handler.handle(V1Events.fromV1(in), emit);
        latency.add(System.nanoTime() - t0);
        processed.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(in, e);
      } catch (Exception e) {
        fail(in, e);
      }
      requestOne();
    }

    /** Runs the handler on a worker, keeping what it emits for its turn. */
    private java.util.List<io.flowctl.proto.v1.Event> handle(io.flowctl.proto.v1.Event in) {
      java.util.List<io.flowctl.proto.v1.Event> made = new java.util.ArrayList<>();
      int[] index = {0};
      long t0 = System.nanoTime();
      try {
        handler.handle(V1Events.fromV1(in), e -> made.add(V1Events.derived(in, index[0]++, e)));
        latency.add(System.nanoTime() - t0);
        processed.incrementAndGet();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(in, e);
        made.clear();
      } catch (Exception e) {
        fail(in, e);
        made.clear();
      }
      return made;
    }

    /**
     * Sends the outputs of every finished input at the head of the line, in input order, and asks
     * for one more input for each; ends the call once the last has gone after the reader's end.
     */
    private synchronized void drain() {
      while (!pending.isEmpty() && pending.peekFirst().isDone()) {
        for (io.flowctl.proto.v1.Event e : pending.removeFirst().join()) {
          out.onNext(e);
          produced.incrementAndGet();
        }
        requestOne();
      }
      if (completing && pending.isEmpty() && !finished) {
        finished = true;
        finish();
      }
    }

    private synchronized void requestOne() {
      if (ended) {
        return;
      }
      if (out.isReady()) {
        out.request(1);
      } else {
        owed++;
      }
    }

    private void fail(io.flowctl.proto.v1.Event in, Exception e) {
      failed.incrementAndGet();
      lastError = "event '" + in.getId() + "': " + e.getMessage();
      if (errors != null) {
        errors.failed(in.getId(), Event.getDefaultInstance(), e);
      }
    }

    synchronized void onReady() {
      if (owed > 0 && !ended) {
        out.request(owed);
        owed = 0;
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        ended = true;
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        ended = true;
        completing = true;
      }
      if (workers != null) {
        drain(); // finishes once the pending inputs have gone out
      } else {
        finish();
      }
    }

    private void finish() {
      int[] index = {0};
      try {
        handler.finish(
            e -> {
              out.onNext(V1Events.toV1(componentId + "-final-" + index[0]++, componentId, e, null));
              produced.incrementAndGet();
            });
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        failed.incrementAndGet();
        lastError = "at the end of the stream: " + e.getMessage();
        if (errors != null) {
          errors.failed("", Event.getDefaultInstance(), e);
        }
      }
      out.onCompleted();
    }
  }

  @Override
  public void getInfo(Empty request, StreamObserver<ComponentInfo> out) {
    identity.getInfo(out);
  }

  @Override
  public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
    identity.healthCheck(request, out);
  }

  /** Settings of a processor service. */
  public static final class Builder extends ComponentServiceBuilder<Builder> {
    private final ArrowProcessor.Handler handler;
    private int maxInflight = 16;
    private int concurrency = 1;
    private ArrowStreamConsumer.ErrorListener errors;

    private Builder(String componentId, ArrowProcessor.Handler handler) {
      super(componentId);
      this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** Events requested ahead of the one being handled; default 16. */
    public Builder maxInflight(int events) {
      this.maxInflight = Require.positive(events, "maxInflight");
      return this;
    }

    /**
     * Events handled at once, on their own threads; their outputs still leave in input order (an
     * input's outputs wait for those of the inputs before it). Default 1: one at a time, on gRPC's
     * thread. At most {@link #maxInflight} are taken ahead.
     */
    public Builder concurrency(int workers) {
      this.concurrency = Require.positive(workers, "concurrency");
      return this;
    }

    /** Hears about every event the handler failed on. */
    public Builder errors(ArrowStreamConsumer.ErrorListener errors) {
      this.errors = Objects.requireNonNull(errors, "errors");
      return this;
    }

    public ArrowProcessorService build() {
      return new ArrowProcessorService(this);
    }
  }
}
