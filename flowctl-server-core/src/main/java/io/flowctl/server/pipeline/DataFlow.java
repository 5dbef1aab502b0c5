package io.flowctl.server.pipeline;

import io.flowctl.FlowctlException;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.flowctl.proto.v1.Event;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Moves a started pipeline's data the way upstream flowctl's runner does: it calls every source's
 * {@code StreamEvents} (with {@code start_ledger}/{@code end_ledger} from the source's {@code
 * START_LEDGER}/{@code END_LEDGER}), pipes the events through the processors' {@code Process}
 * streams in file order, and fans the last output out to every sink's {@code Consume}, each sink
 * getting the event types it registered as inputs (all, when it registered none).
 *
 * <p>Unlike upstream's runner it drops nothing: every stream is flow-controlled end to end, so a
 * slow sink holds the processors and the source back. The flow completes when every source's stream
 * ended and every sink answered its {@code Consume}; it fails, naming the component and the status,
 * when any stream fails. Messages up to 50 MiB, as upstream dials.
 */
final class DataFlow implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DataFlow.class);

  static final int MAX_MESSAGE_BYTES = 50 << 20;

  /** Events requested ahead from each stream. */
  private static final int WINDOW = 16;

  /**
   * What a finished flow moved, and what its processors and sinks refused (by component id, only
   * those that refused any).
   */
  record Result(
      long sourceEvents,
      Map<String, Long> processed,
      Map<String, ConsumeResponse> sinks,
      Map<String, Refused> refusals) {}

  /**
   * Events one component refused or failed on, and the first cause it gave.
   *
   * @param events how many
   * @param reason the first cause, as one line ("'amount' changed type from int64 to utf8")
   */
  record Refused(long events, String reason) {}

  /**
   * One component the flow connects: its id, data endpoint, the event types it takes in and whether
   * its data plane serves TLS.
   */
  record Endpoint(String id, String address, List<String> inputTypes, boolean tls) {
    Endpoint(String id, String address, List<String> inputTypes) {
      this(id, address, inputTypes, false);
    }
  }

  private final List<Endpoint> sources;
  private final List<Endpoint> processors;
  private final List<Endpoint> sinks;
  private final Map<String, StreamRequest> sourceRequests;
  private final DataPlaneTls tls;
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
  private final CompletableFuture<Result> result = new CompletableFuture<>();
  private final List<ClientCallStreamObserver<?>> calls = new ArrayList<>();
  private final AtomicLong sourceEvents = new AtomicLong();
  private final Map<String, AtomicLong> processed = new LinkedHashMap<>();
  private final Map<String, ConsumeResponse> answers = new LinkedHashMap<>();

  DataFlow(
      List<Endpoint> sources,
      List<Endpoint> processors,
      List<Endpoint> sinks,
      Map<String, StreamRequest> sourceRequests) {
    this(sources, processors, sinks, sourceRequests, DataPlaneTls.DEFAULT);
  }

  DataFlow(
      List<Endpoint> sources,
      List<Endpoint> processors,
      List<Endpoint> sinks,
      Map<String, StreamRequest> sourceRequests,
      DataPlaneTls tls) {
    if (sources.isEmpty()) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, "a pipeline needs a source to move data");
    }
    this.sources = List.copyOf(sources);
    this.processors = List.copyOf(processors);
    this.sinks = List.copyOf(sinks);
    this.sourceRequests = Map.copyOf(sourceRequests);
    this.tls = Objects.requireNonNull(tls, "tls");
  }

  /** Starts moving data; the future completes when the flow ends or fails. */
  CompletableFuture<Result> start() {
    try {
      Stage downstream = sinkStage();
      for (int i = processors.size() - 1; i >= 0; i--) {
        downstream = processorStage(processors.get(i), downstream);
      }
      Stage first = downstream;
      int[] open = {sources.size()};
      for (Endpoint s : sources) {
        openSource(s, first, open);
      }
    } catch (RuntimeException e) {
      fail("wiring the pipeline", e);
    }
    return result;
  }

  /** Where events go next: a writer with flow control, and a way to end it. */
  private interface Stage {
    /** Writes one event; returns whether more may be written now. */
    boolean write(Event e);

    /** Runs {@code r} once the stage can take more. */
    void whenReady(Runnable r);

    /** The upstream of this stage ended. */
    void end();
  }

  private void openSource(Endpoint s, Stage next, int[] open) {
    StreamRequest request = sourceRequests.getOrDefault(s.id(), StreamRequest.getDefaultInstance());
    SourceServiceGrpc.newStub(channel(s))
        .streamEvents(
            request,
            new Pull<>(s.id(), next) {
              @Override
              void counted() {
                sourceEvents.incrementAndGet();
              }

              @Override
              void ended() {
                synchronized (open) {
                  if (--open[0] == 0) {
                    next.end();
                  }
                }
              }
            });
  }

  /**
   * Reads a stream {@code WINDOW} events ahead, and no further while the next stage cannot take
   * more: the stage's flow control reaches back to this stream's sender.
   */
  private abstract class Pull<Q> implements ClientResponseObserver<Q, Event> {
    private final String component;
    private final Stage next;

    /** Hears when the request side of this call can take more (a processor's input). */
    final Ready writable = new Ready();

    private ClientCallStreamObserver<Q> call;
    private int owed;

    Pull(String component, Stage next) {
      this.component = component;
      this.next = next;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(WINDOW);
      requestStream.setOnReadyHandler(writable::fire); // gRPC takes it only here
      track(requestStream);
    }

    @Override
    public void onNext(Event e) {
      counted();
      if (next.write(e)) {
        call.request(1);
      } else {
        synchronized (this) {
          owed++;
        }
        next.whenReady(this::resume);
      }
    }

    private void resume() {
      int n;
      synchronized (this) {
        n = owed;
        owed = 0;
      }
      if (n > 0) {
        call.request(n);
      }
    }

    void counted() {}

    abstract void ended();

    @Override
    public void onError(Throwable t) {
      fail("the stream from '" + component + "'", t);
    }

    @Override
    public void onCompleted() {
      ended();
    }
  }

  /** A processor's {@code Process} call: events in, its output to the next stage. */
  private Stage processorStage(Endpoint p, Stage next) {
    AtomicLong count = new AtomicLong();
    processed.put(p.id(), count);
    Pull<Event> output =
        new Pull<>(p.id(), next) {
          @Override
          void counted() {
            count.incrementAndGet();
          }

          @Override
          void ended() {
            next.end();
          }
        };
    StreamObserver<Event> in = ProcessorServiceGrpc.newStub(channel(p)).process(output);
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<Event> writer = (ClientCallStreamObserver<Event>) in;
    return new Writers(List.of(writer), List.of(output.writable), List.of(List.of()));
  }

  /** Every sink's {@code Consume} call; each event goes to the sinks that take its type. */
  private Stage sinkStage() {
    List<ClientCallStreamObserver<Event>> writers = new ArrayList<>();
    List<Ready> signals = new ArrayList<>();
    List<List<String>> filters = new ArrayList<>();
    int[] pending = {sinks.size()};
    for (Endpoint s : sinks) {
      Ready writable = new Ready();
      ClientResponseObserver<Event, ConsumeResponse> answer =
          new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<Event> requestStream) {
              requestStream.setOnReadyHandler(writable::fire);
            }

            @Override
            public void onNext(ConsumeResponse r) {
              synchronized (answers) {
                answers.put(s.id(), r);
              }
            }

            @Override
            public void onError(Throwable t) {
              fail("the sink '" + s.id() + "'", t);
            }

            @Override
            public void onCompleted() {
              synchronized (pending) {
                if (--pending[0] == 0) {
                  finish();
                }
              }
            }
          };
      @SuppressWarnings("unchecked")
      ClientCallStreamObserver<Event> writer =
          (ClientCallStreamObserver<Event>) ConsumerServiceGrpc.newStub(channel(s)).consume(answer);
      track(writer);
      writers.add(writer);
      signals.add(writable);
      filters.add(s.inputTypes());
    }
    if (sinks.isEmpty()) {
      return new Stage() {
        @Override
        public boolean write(Event e) {
          return true; // a pipeline without sinks: the events end here
        }

        @Override
        public void whenReady(Runnable r) {
          r.run();
        }

        @Override
        public void end() {
          finish();
        }
      };
    }
    return new Writers(writers, signals, filters);
  }

  /** Writers sharing one upstream: it may send more only while all of them can take more. */
  private final class Writers implements Stage {
    private final List<ClientCallStreamObserver<Event>> writers;
    private final List<List<String>> filters;
    private final List<Runnable> waiting = new ArrayList<>();

    Writers(
        List<ClientCallStreamObserver<Event>> writers,
        List<Ready> signals,
        List<List<String>> filters) {
      this.writers = writers;
      this.filters = filters;
      for (Ready r : signals) {
        r.listen(this::ready);
      }
    }

    /** Several sources may write into one stage: writes are serialized here. */
    @Override
    public synchronized boolean write(Event e) {
      for (int i = 0; i < writers.size(); i++) {
        List<String> types = filters.get(i);
        if (types.isEmpty() || types.contains(e.getType())) {
          writers.get(i).onNext(e);
        }
      }
      return allReady();
    }

    private boolean allReady() {
      for (ClientCallStreamObserver<Event> w : writers) {
        if (!w.isReady()) {
          return false;
        }
      }
      return true;
    }

    @Override
    public void whenReady(Runnable r) {
      boolean now;
      synchronized (this) {
        now = allReady();
        if (!now) {
          waiting.add(r);
        }
      }
      if (now) {
        r.run();
      }
    }

    private void ready() {
      List<Runnable> run;
      synchronized (this) {
        if (!allReady() || waiting.isEmpty()) {
          return;
        }
        run = new ArrayList<>(waiting);
        waiting.clear();
      }
      run.forEach(Runnable::run);
    }

    @Override
    public void end() {
      synchronized (this) {
        for (ClientCallStreamObserver<Event> w : writers) {
          w.onCompleted();
        }
      }
    }
  }

  /** A call's on-ready signal, set before the call starts and listened to afterwards. */
  private static final class Ready {
    private volatile Runnable listener;

    void listen(Runnable r) {
      listener = r;
      r.run(); // it may have become ready already
    }

    void fire() {
      Runnable r = listener;
      if (r != null) {
        r.run();
      }
    }
  }

  private synchronized void track(ClientCallStreamObserver<?> call) {
    calls.add(call);
  }

  private void finish() {
    Map<String, Long> counts = new LinkedHashMap<>();
    processed.forEach((id, n) -> counts.put(id, n.get()));
    Map<String, ConsumeResponse> sinkAnswers;
    synchronized (answers) {
      sinkAnswers = Map.copyOf(answers);
    }
    // Asking the components what they refused blocks: not on a gRPC callback's thread.
    Thread ask =
        new Thread(
            () ->
                result.complete(
                    new Result(sourceEvents.get(), counts, sinkAnswers, refusals(sinkAnswers))),
            "flowctl-run-refusals");
    ask.setDaemon(true);
    ask.start();
  }

  /**
   * What each processor and sink refused: a processor drops what it refuses from its output, so the
   * runner asks it (its detailed {@code HealthCheck}: {@code error_count} and {@code error_reason},
   * or {@code last_error}); a sink's answer counts its own ({@code events_failed}, {@code errors}).
   * A component that does not answer the check is taken at its answer's word.
   */
  private Map<String, Refused> refusals(Map<String, ConsumeResponse> sinkAnswers) {
    Map<String, Refused> out = new LinkedHashMap<>();
    for (Endpoint p : processors) {
      Map<String, String> m = healthMetrics(p, ProcessorServiceGrpc.getHealthCheckMethod());
      long n = number(m.get("error_count"));
      if (n > 0) {
        out.put(p.id(), new Refused(n, reasonOf(m, "")));
      }
    }
    for (Endpoint s : sinks) {
      ConsumeResponse a = sinkAnswers.get(s.id());
      long n = a == null ? 0 : a.getEventsFailed();
      if (n > 0) {
        Map<String, String> m = healthMetrics(s, ConsumerServiceGrpc.getHealthCheckMethod());
        out.put(s.id(), new Refused(n, reasonOf(m, a.getErrorsCount() > 0 ? a.getErrors(0) : "")));
      }
    }
    return out;
  }

  /**
   * A component's detailed health metrics through its service's {@code HealthCheck} ({@code
   * check}), waiting at most five seconds; none when it does not answer.
   */
  private Map<String, String> healthMetrics(
      Endpoint e,
      io.grpc.MethodDescriptor<
              io.flowctl.proto.v1.HealthCheckRequest, io.flowctl.proto.v1.HealthCheckResponse>
          check) {
    try {
      return io.grpc.stub.ClientCalls.blockingUnaryCall(
              channel(e),
              check,
              io.grpc.CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
              io.flowctl.proto.v1.HealthCheckRequest.newBuilder().setIncludeDetails(true).build())
          .getMetricsMap();
    } catch (RuntimeException unanswered) {
      LOG.debug("'{}' did not answer a health check: {}", e.id(), unanswered.toString());
      return Map.of();
    }
  }

  private static String reasonOf(Map<String, String> metrics, String otherwise) {
    String r = metrics.getOrDefault("error_reason", "");
    if (r.isEmpty()) {
      r = metrics.getOrDefault("last_error", "");
    }
    return r.isEmpty() ? otherwise : r;
  }

  private static long number(String s) {
    if (s == null) {
      return 0;
    }
    try {
      return (long) Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void fail(String where, Throwable t) {
    String why =
        t instanceof io.grpc.StatusRuntimeException s
            ? s.getStatus().getCode()
                + (s.getStatus().getDescription() == null
                    ? ""
                    : ": " + s.getStatus().getDescription())
            : t.toString();
    if (result.completeExceptionally(
        new FlowctlException(
            FlowctlException.Code.UNAVAILABLE, where + " failed (" + why + ")", t))) {
      LOG.warn("pipeline data flow failed: {} failed ({})", where, why);
      cancelAll();
    }
  }

  private synchronized void cancelAll() {
    for (ClientCallStreamObserver<?> c : calls) {
      try {
        c.cancel("the pipeline failed", null);
      } catch (RuntimeException ignored) {
        // already done
      }
    }
  }

  private synchronized ManagedChannel channel(Endpoint e) {
    return channels.computeIfAbsent(
        (e.tls() ? "tls:" : "") + e.address(),
        key -> {
          NettyChannelBuilder b =
              NettyChannelBuilder.forTarget(e.address()).maxInboundMessageSize(MAX_MESSAGE_BYTES);
          return (e.tls() ? b.sslContext(tls.clientContext()) : b.usePlaintext()).build();
        });
  }

  /** An endpoint as Go components register it (":50051") made dialable. */
  static String dialable(String endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    if (endpoint.startsWith(":")) {
      return "127.0.0.1" + endpoint;
    }
    if (endpoint.startsWith("0.0.0.0:") || endpoint.startsWith("[::]:")) {
      return "127.0.0.1" + endpoint.substring(endpoint.lastIndexOf(':'));
    }
    return endpoint;
  }

  @Override
  public void close() {
    if (!result.isDone()) {
      result.completeExceptionally(
          new FlowctlException(FlowctlException.Code.UNAVAILABLE, "the pipeline was stopped"));
    }
    cancelAll();
    List<ManagedChannel> all;
    synchronized (this) {
      all = new ArrayList<>(channels.values());
    }
    for (ManagedChannel c : all) {
      c.shutdownNow();
      try {
        c.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
