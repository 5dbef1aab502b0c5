package io.flowctl.client.stream.internal;

import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.client.stream.ArrowStreamConsumer;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.internal.Require;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Serves a processor on the v1 data plane ({@code flowctl.v1.ProcessorService}), the way upstream's
 * runner drives processors: it streams events into {@code Process} and reads the processed events
 * back on the same call.
 *
 * <p>Every {@code Process} call gets a {@link ArrowProcessor.Handler} of its own from the service's
 * factory, so what one stream holds (rows waiting for a batch, say) never mixes with another's.
 * Events are handled one at a time, in order, and their outputs written in that order. At most
 * {@code maxInflight} events are requested ahead, and the next one only while the caller reads the
 * outputs ({@code isReady}), so a slow reader holds the writer back through gRPC flow control. An
 * event the handler fails on is counted, reported to the error listener with the event and skipped:
 * the stream goes on. A call that is cancelled or runs past its deadline stops taking events at
 * once, hands nothing more to the handler and closes it. Each output keeps its input's id, source
 * component, cursor and metadata ({@link V1Events#derived}). Thread-safe; add it to the host's gRPC
 * server and {@link #close()} it after the server stopped (it may own worker threads).
 */
public final class ArrowProcessorService
    implements ProcessorServiceGrpc.AsyncService, io.grpc.BindableService, AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ArrowProcessorService.class);

  private final String componentId;
  private final Supplier<? extends ArrowProcessor.Handler> handlers;
  private final int maxInflight;
  private final ArrowStreamConsumer.ErrorListener errors;
  private final Identity identity;
  private final ComponentHealth health;
  private final AtomicLong processed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong produced = new AtomicLong();
  private final AtomicLong open = new AtomicLong();
  private volatile String lastError = "";
  private final Latency latency = new Latency();
  private final Refusals refusals;
  private final ExecutorService workers; // null: one event at a time

  private ArrowProcessorService(Builder b) {
    this.componentId = b.componentId;
    this.handlers = b.handlers;
    this.maxInflight = b.maxInflight;
    if (b.concurrency > 1) {
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              b.concurrency,
              b.concurrency,
              30,
              TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(),
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
    this.refusals = new Refusals("processor '" + componentId + "'", health, LOG);
  }

  /**
   * A processor whose streams each get a new handler from {@code perStream}: the way to keep state
   * per stream.
   */
  public static Builder builder(
      String componentId, Supplier<? extends ArrowProcessor.Handler> perStream) {
    return new Builder(componentId, perStream);
  }

  /**
   * A processor whose every stream shares {@code handler}: for a stateless, thread-safe handler
   * (its {@code finish} and {@code close} run at the end of each stream).
   */
  public static Builder builder(String componentId, ArrowProcessor.Handler handler) {
    Objects.requireNonNull(handler, "handler");
    return new Builder(componentId, () -> handler);
  }

  private Map<String, String> metrics() {
    return Map.of(
        "processed_count", Long.toString(processed.get()),
        "error_count", Long.toString(failed.get()),
        "events_produced", Long.toString(produced.get()),
        "last_error", lastError,
        "error_reason", refusals.firstCause(),
        "processing_latency", latency.text(),
        "open_streams", Long.toString(open.get()));
  }

  public long processedEvents() {
    return processed.get();
  }

  public long failedEvents() {
    return failed.get();
  }

  /** {@code Process} calls under way now. */
  public long openCalls() {
    return open.get();
  }

  /** Stops the worker threads (after the server stopped); running handlers finish first. */
  @Override
  public void close() {
    if (workers != null) {
      workers.shutdown();
      try {
        if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
          workers.shutdownNow();
        }
      } catch (InterruptedException e) {
        workers.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public StreamObserver<io.flowctl.proto.v1.Event> process(
      StreamObserver<io.flowctl.proto.v1.Event> responseObserver) {
    ServerCallStreamObserver<io.flowctl.proto.v1.Event> out =
        (ServerCallStreamObserver<io.flowctl.proto.v1.Event>) responseObserver;
    ArrowProcessor.Handler handler = PerStream.open(handlers, out, "the processor");
    if (handler == null) {
      return PerStream.ignoring();
    }
    out.disableAutoRequest();
    Call call = new Call(out, handler, io.grpc.Context.current());
    out.setOnReadyHandler(call::onReady);
    out.setOnCancelHandler(call::cancelled);
    open.incrementAndGet();
    out.request(maxInflight);
    return call;
  }

  /** The emitter's answer once the call is over: the handler stops, nothing is counted. */
  private static final class CallEnded extends RuntimeException {
    CallEnded() {
      super("the Process call ended", null, false, false);
    }
  }

  /** One {@code Process} call. gRPC delivers its callbacks one at a time. */
  private final class Call implements StreamObserver<io.flowctl.proto.v1.Event> {
    private final ServerCallStreamObserver<io.flowctl.proto.v1.Event> out;
    private final ArrowProcessor.Handler handler;
    private int owed; // requests held back while the reader is behind
    private boolean ended; // no more input: completed, cancelled or failed
    private volatile boolean aborted; // cancelled or failed: no more work, no more output
    // With several workers: what each input made, in input order; guarded by this.
    private final ArrayDeque<CompletableFuture<List<io.flowctl.proto.v1.Event>>> pending =
        new ArrayDeque<>();
    private boolean completing;
    private boolean finished;
    private boolean closed;
    // Cancelled at once when the call is (gRPC runs the cancel handler only after the handler).
    private final io.grpc.Context context;

    Call(
        ServerCallStreamObserver<io.flowctl.proto.v1.Event> out,
        ArrowProcessor.Handler handler,
        io.grpc.Context context) {
      this.out = out;
      this.handler = handler;
      this.context = context;
    }

    private boolean over() {
      return aborted || context.isCancelled();
    }

    @Override
    public void onNext(io.flowctl.proto.v1.Event in) {
      if (aborted) {
        return;
      }
      if (workers != null) {
        CompletableFuture<List<io.flowctl.proto.v1.Event>> f;
        try {
          f = CompletableFuture.supplyAsync(() -> handle(in), workers);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          fail(in, null, new IllegalStateException("the processor is closing"));
          return;
        }
        synchronized (this) {
          pending.addLast(f);
        }
        f.whenComplete((r, t) -> drain());
        return;
      }
      int[] index = {0};
      ArrowProcessor.Emitter emit =
          e -> {
            if (over()) {
              throw new CallEnded();
            }
            out.onNext(V1Events.derived(in, index[0]++, e));
            produced.incrementAndGet();
          };
      run(in, emit);
      requestOne();
    }

    /** Runs the handler on one input; false when it failed. */
    private boolean run(io.flowctl.proto.v1.Event in, ArrowProcessor.Emitter emit) {
      Event event = null;
      long t0 = System.nanoTime();
      try {
        event = V1Events.fromV1(in);
        handler.handle(event, emit);
        latency.add(System.nanoTime() - t0);
        processed.incrementAndGet();
        refusals.handled();
        return true;
      } catch (CallEnded ended) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail(in, event, e);
      } catch (Exception e) {
        fail(in, event, e);
      }
      return false;
    }

    /** Runs the handler on a worker, keeping what it emits for its turn. */
    private List<io.flowctl.proto.v1.Event> handle(io.flowctl.proto.v1.Event in) {
      List<io.flowctl.proto.v1.Event> made = new ArrayList<>();
      if (over()) {
        return made;
      }
      int[] index = {0};
      ArrowProcessor.Emitter keep =
          e -> {
            if (over()) {
              throw new CallEnded();
            }
            made.add(V1Events.derived(in, index[0]++, e));
          };
      if (!run(in, keep)) {
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
          if (!aborted) {
            out.onNext(e);
            produced.incrementAndGet();
          }
        }
        requestOne();
      }
      if (pending.isEmpty()) {
        if (completing && !finished) {
          finished = true;
          finish();
        } else if (aborted) {
          closeHandler();
        }
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

    private void fail(io.flowctl.proto.v1.Event in, Event decoded, Exception e) {
      failed.incrementAndGet();
      lastError = "event '" + in.getId() + "': " + e.getMessage();
      refusals.refused("event '" + in.getId() + "'", e);
      if (errors != null) {
        // The event as decoded, or as much of it as the envelope says when it did not decode.
        try {
          errors.failed(in.getId(), decoded != null ? decoded : V1Events.envelope(in), e);
        } catch (RuntimeException listenerFailed) {
          LOG.warn(
              "processor '{}': its error listener failed: {}",
              componentId,
              listenerFailed.toString());
        }
      }
    }

    synchronized void onReady() {
      if (owed > 0 && !ended) {
        out.request(owed);
        owed = 0;
      }
    }

    /** The caller cancelled (or the deadline passed): stop taking and making events. */
    void cancelled() {
      abort();
    }

    @Override
    public void onError(Throwable t) {
      abort();
    }

    private void abort() {
      synchronized (this) {
        if (aborted || finished) {
          return;
        }
        ended = true;
        aborted = true;
      }
      if (workers != null) {
        drain(); // closes the handler once the inputs under way are done
      } else {
        closeHandler();
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        if (aborted) {
          return;
        }
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
              if (over()) {
                throw new CallEnded();
              }
              out.onNext(V1Events.toV1(componentId + "-final-" + index[0]++, componentId, e, null));
              produced.incrementAndGet();
            });
      } catch (CallEnded e) {
        // cancelled while finishing
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        failed.incrementAndGet();
        lastError = "at the end of the stream: " + e.getMessage();
        if (errors != null) {
          errors.failed("", Event.getDefaultInstance(), e);
        }
      }
      closeHandler();
      if (!aborted) {
        out.onCompleted();
      }
    }

    private void closeHandler() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      open.decrementAndGet();
      PerStream.close(handler::close, "processor '" + componentId + "'");
    }
  }

  @Override
  public io.grpc.ServerServiceDefinition bindService() {
    return identity.serve(ProcessorServiceGrpc.bindService(this));
  }

  /** Settings of a processor service. */
  public static final class Builder extends ComponentServiceBuilder<Builder> {
    private final Supplier<? extends ArrowProcessor.Handler> handlers;
    private int maxInflight = 16;
    private int concurrency = 1;
    private ArrowStreamConsumer.ErrorListener errors;

    private Builder(String componentId, Supplier<? extends ArrowProcessor.Handler> handlers) {
      super(componentId);
      this.handlers = Objects.requireNonNull(handlers, "handlers");
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
