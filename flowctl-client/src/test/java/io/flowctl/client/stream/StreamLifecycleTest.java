package io.flowctl.client.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.client.stream.internal.ArrowConsumerService;
import io.flowctl.client.stream.internal.ArrowProcessorService;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every data-plane call has its own lifecycle: concurrent and successive streams each keep their
 * own state and answer their own counts, a cancel stops a call's work and closes what it holds, a
 * damaged event never ends or loops a stream. Over loopback, with the calls upstream's runner
 * makes.
 */
class StreamLifecycleTest {
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private void serve(BindableService service) throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  private static io.flowctl.proto.v1.Event event(String id) {
    return io.flowctl.proto.v1.Event.newBuilder()
        .setId(id)
        .setType("t")
        .setPayload(ByteString.copyFromUtf8(id))
        .build();
  }

  /**
   * A sink stream's state the way a file-writing sink holds it: it refuses events once finished, as
   * a Parquet file refuses appends once written.
   */
  private static final class FileLike implements ConsumerHandler {
    final List<String> ids = new ArrayList<>();
    boolean finished;
    final AtomicInteger closes = new AtomicInteger();

    @Override
    public void handle(Event event) {
      if (finished) {
        throw new IllegalStateException("the event was already finished");
      }
      ids.add(event.getPayload().toStringUtf8());
    }

    @Override
    public void finish() {
      finished = true;
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  /** A Consume call that answers once: its response is the future's. */
  private CompletableFuture<ConsumeResponse> consume(
      List<StreamObserver<io.flowctl.proto.v1.Event>> writer) {
    CompletableFuture<ConsumeResponse> answer = new CompletableFuture<>();
    writer.add(
        ConsumerServiceGrpc.newStub(channel)
            .consume(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ConsumeResponse r) {
                    answer.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                }));
    return answer;
  }

  @Test
  void concurrentAndSuccessiveConsumeStreams_eachAnswerWhatTheySent() throws Exception {
    List<FileLike> streams = new CopyOnWriteArrayList<>();
    ArrowConsumerService sink =
        ArrowConsumerService.builder(
                "sink",
                () -> {
                  FileLike f = new FileLike();
                  streams.add(f);
                  return f;
                })
            .build();
    serve(sink);

    // Two inputs at once, interleaved; the first ends while the second goes on.
    List<StreamObserver<io.flowctl.proto.v1.Event>> w = new ArrayList<>();
    CompletableFuture<ConsumeResponse> a = consume(w);
    CompletableFuture<ConsumeResponse> b = consume(w);
    for (int i = 0; i < 5; i++) {
      w.get(0).onNext(event("a" + i));
      w.get(1).onNext(event("b" + i));
    }
    w.get(0).onCompleted();
    assertThat(a.get(10, TimeUnit.SECONDS).getEventsConsumed()).isEqualTo(5);
    for (int i = 5; i < 7; i++) {
      w.get(1).onNext(event("b" + i));
    }
    w.get(1).onCompleted();
    ConsumeResponse rb = b.get(10, TimeUnit.SECONDS);
    assertThat(rb.getEventsConsumed()).isEqualTo(7);
    assertThat(rb.getEventsFailed()).isZero();
    assertThat(a.get().getEventsFailed()).isZero();

    // A reconnect: a new stream after the others completed.
    List<StreamObserver<io.flowctl.proto.v1.Event>> w2 = new ArrayList<>();
    CompletableFuture<ConsumeResponse> c = consume(w2);
    for (int i = 0; i < 3; i++) {
      w2.get(0).onNext(event("c" + i));
    }
    w2.get(0).onCompleted();
    ConsumeResponse rc = c.get(10, TimeUnit.SECONDS);
    assertThat(rc.getEventsConsumed()).isEqualTo(3);
    assertThat(rc.getEventsFailed()).isZero();

    assertThat(streams).hasSize(3);
    // Each stream's handler saw that stream's events only (the two opened in either order).
    assertThat(streams.stream().map(f -> String.join(",", f.ids)))
        .containsExactlyInAnyOrder("a0,a1,a2,a3,a4", "b0,b1,b2,b3,b4,b5,b6", "c0,c1,c2");
    assertThat(streams).allMatch(s -> s.finished && s.closes.get() == 1);
    assertThat(sink.completedCalls()).isEqualTo(3);
    assertThat(sink.openCalls()).isZero();
  }

  @Test
  void aCancelledConsumeClosesItsHandler_withoutFinishing() throws Exception {
    FileLike only = new FileLike();
    CountDownLatch closed = new CountDownLatch(1);
    ArrowConsumerService sink =
        ArrowConsumerService.builder(
                "sink",
                () ->
                    new ConsumerHandler() {
                      @Override
                      public void handle(Event event) {
                        only.handle(event);
                      }

                      @Override
                      public void finish() {
                        only.finish();
                      }

                      @Override
                      public void close() {
                        only.close();
                        closed.countDown();
                      }
                    })
            .build();
    serve(sink);
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    List<StreamObserver<io.flowctl.proto.v1.Event>> w = new ArrayList<>();
    ctx.run(() -> consume(w));
    w.get(0).onNext(event("x"));
    waitFor(() -> sink.consumedEvents() == 1);
    ctx.cancel(null); // the runner stops the run

    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(only.finished).isFalse();
    assertThat(only.closes.get()).isEqualTo(1);
    assertThat(sink.abortedCalls()).isEqualTo(1);
    assertThat(sink.openCalls()).isZero();
  }

  @Test
  void aConsumePastItsDeadline_closesItsHandler() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    AtomicInteger finished = new AtomicInteger();
    ArrowConsumerService sink =
        ArrowConsumerService.builder(
                "sink",
                () ->
                    new ConsumerHandler() {
                      @Override
                      public void handle(Event event) {}

                      @Override
                      public void finish() {
                        finished.incrementAndGet();
                      }

                      @Override
                      public void close() {
                        closed.countDown();
                      }
                    })
            .build();
    serve(sink);
    // Connected first, so the deadline runs on the call and not on the connection.
    ConsumerServiceGrpc.newBlockingStub(channel)
        .getInfo(com.google.protobuf.Empty.getDefaultInstance());
    StreamObserver<io.flowctl.proto.v1.Event> w =
        ConsumerServiceGrpc.newStub(channel)
            .withDeadlineAfter(1, TimeUnit.SECONDS)
            .consume(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ConsumeResponse value) {}

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {}
                });
    w.onNext(event("1")); // ...and never completes

    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(finished.get()).isZero();
    assertThat(sink.abortedCalls()).isEqualTo(1);
  }

  @Test
  void aSlowSink_holdsAWriterThatHeedsReadiness_back() throws Exception {
    AtomicLong handled = new AtomicLong();
    ArrowConsumerService sink =
        ArrowConsumerService.builder(
                "sink",
                (ConsumerHandler)
                    e -> {
                      Thread.sleep(20);
                      handled.incrementAndGet();
                    })
            .maxInflight(2)
            .build();
    serve(sink);
    CompletableFuture<ConsumeResponse> answer = new CompletableFuture<>();
    AtomicLong sent = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    ByteString mib = ByteString.copyFrom(new byte[1 << 20]);
    // The way a runner writes: only while the call is ready (gRPC's flow control).
    ConsumerServiceGrpc.newStub(channel)
        .consume(
            new ClientResponseObserver<io.flowctl.proto.v1.Event, ConsumeResponse>() {
              ClientCallStreamObserver<io.flowctl.proto.v1.Event> out;

              @Override
              public void beforeStart(ClientCallStreamObserver<io.flowctl.proto.v1.Event> s) {
                out = s;
                s.setOnReadyHandler(
                    () -> {
                      while (out.isReady() && sent.get() < 40) {
                        maxAhead.accumulateAndGet(sent.get() - handled.get(), Math::max);
                        out.onNext(
                            event("" + sent.incrementAndGet()).toBuilder().setPayload(mib).build());
                      }
                      if (sent.get() == 40 && sent.getAndIncrement() == 40) {
                        out.onCompleted();
                      }
                    });
              }

              @Override
              public void onNext(ConsumeResponse r) {
                answer.complete(r);
              }

              @Override
              public void onError(Throwable t) {
                answer.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });

    assertThat(answer.get(60, TimeUnit.SECONDS).getEventsConsumed()).isEqualTo(40);
    // Two requested plus what the transport's windows hold of 1 MiB events: never the stream.
    assertThat(maxAhead.get()).isLessThanOrEqualTo(8);
  }

  @Test
  void aDamagedEnvelope_isCountedOnce_andThePullStreamGoesOn() throws Exception {
    AtomicInteger opened = new AtomicInteger();
    // A source whose event 3 arrives with an Arrow row count that is not a number.
    serve(
        new SourceServiceGrpc.SourceServiceImplBase() {
          @Override
          public void streamEvents(
              StreamRequest request, StreamObserver<io.flowctl.proto.v1.Event> out) {
            opened.incrementAndGet();
            for (int i = 1; i <= 5; i++) {
              io.flowctl.proto.v1.Event.Builder e =
                  event(Integer.toString(i)).toBuilder().putMetadata("n", "" + i);
              if (i == 3) {
                e.putMetadata("arrow.schema_fingerprint", "fp")
                    .putMetadata("arrow.num_rows", "many");
              }
              out.onNext(e.build());
            }
            out.onCompleted();
          }
        });
    List<String> failed = new CopyOnWriteArrayList<>();
    List<String> handled = new CopyOnWriteArrayList<>();
    ArrowStreamConsumer c =
        new ArrowStreamConsumer(
            channel,
            StreamRequest.getDefaultInstance(),
            2,
            e -> handled.add(e.getMetadataMap().get("n")),
            (id, e, x) -> failed.add(id + " " + e.getEventType() + ": " + x.getMessage()),
            Duration.ofMillis(20));
    c.start().get(10, TimeUnit.SECONDS);
    c.close();

    assertThat(handled).containsExactly("1", "2", "4", "5");
    assertThat(failed).singleElement().asString().startsWith("3 t: ").contains("arrow.num_rows");
    assertThat(opened.get()).isEqualTo(1); // not re-opened at the damaged event
  }

  @Test
  void aCancelledStreamEvents_closesTheFeed_evenWhileItWaitsForTheNextEvent() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    serve(
        new ArrowSourceService(
            "src",
            start ->
                new ArrowSourceService.Events() {
                  int n;

                  @Override
                  public boolean hasNext() {
                    if (n == 0) {
                      return true;
                    }
                    try {
                      never.await(); // a feed waiting for a ledger that does not come
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    return false;
                  }

                  @Override
                  public ArrowSourceService.Identified next() {
                    n++;
                    return new ArrowSourceService.Identified(
                        "1", Event.newBuilder().setEventType("t").build());
                  }

                  @Override
                  public void close() {
                    never.countDown();
                    closed.countDown();
                  }
                }));
    CountDownLatch first = new CountDownLatch(1);
    AtomicLong got = new AtomicLong();
    ClientCallStreamObserver<?>[] call = {null};
    SourceServiceGrpc.newStub(channel)
        .streamEvents(
            StreamRequest.getDefaultInstance(),
            new ClientResponseObserver<StreamRequest, io.flowctl.proto.v1.Event>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<StreamRequest> s) {
                call[0] = s;
              }

              @Override
              public void onNext(io.flowctl.proto.v1.Event value) {
                got.incrementAndGet();
                first.countDown();
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
    call[0].cancel("the run stopped", null);

    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(got.get()).isEqualTo(1);
  }

  @Test
  void aFailedEvent_reachesTheErrorListenerAsItCame() throws Exception {
    List<Event> reported = new CopyOnWriteArrayList<>();
    ArrowProcessorService p =
        ArrowProcessorService.builder(
                "p",
                (ArrowProcessor.Handler)
                    (in, out) -> {
                      if (in.getPayload().toStringUtf8().equals("bad")) {
                        throw new IllegalArgumentException("cannot read it");
                      }
                      out.emit(in);
                    })
            .errors((id, e, x) -> reported.add(e))
            .build();
    serve(p);
    List<io.flowctl.proto.v1.Event> outputs = processAll(List.of("ok", "bad", "ok2"));

    assertThat(outputs).hasSize(2);
    assertThat(reported)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getEventType()).isEqualTo("t");
              assertThat(e.getPayload().toStringUtf8()).isEqualTo("bad");
            });
    assertThat(p.failedEvents()).isEqualTo(1);
  }

  @Test
  void concurrentProcessStreams_eachHaveTheirOwnHandler() throws Exception {
    AtomicInteger made = new AtomicInteger();
    ArrowProcessorService p =
        ArrowProcessorService.builder(
                "p",
                () ->
                    new ArrowProcessor.Handler() {
                      final List<Event> held = new ArrayList<>();

                      @Override
                      public void handle(Event in, ArrowProcessor.Emitter out) {
                        held.add(in);
                      }

                      @Override
                      public void finish(ArrowProcessor.Emitter out) throws InterruptedException {
                        out.emit(
                            Event.newBuilder()
                                .setEventType("count")
                                .setPayload(ByteString.copyFromUtf8("" + held.size()))
                                .build());
                      }

                      @Override
                      public void close() {
                        made.incrementAndGet();
                      }
                    })
            .build();
    serve(p);
    CompletableFuture<List<io.flowctl.proto.v1.Event>> a =
        CompletableFuture.supplyAsync(() -> processAllUnchecked(List.of("1", "2", "3")));
    CompletableFuture<List<io.flowctl.proto.v1.Event>> b =
        CompletableFuture.supplyAsync(() -> processAllUnchecked(List.of("1", "2")));

    assertThat(a.get(10, TimeUnit.SECONDS))
        .singleElement()
        .satisfies(e -> assertThat(e.getPayload().toStringUtf8()).isEqualTo("3"));
    assertThat(b.get(10, TimeUnit.SECONDS))
        .singleElement()
        .satisfies(e -> assertThat(e.getPayload().toStringUtf8()).isEqualTo("2"));
    waitFor(() -> made.get() == 2);
    assertThat(p.openCalls()).isZero();
  }

  @Test
  void aCancelledProcess_stopsTheHandler_countsNoFailure_andClosesIt() throws Exception {
    CountDownLatch closed = new CountDownLatch(1);
    AtomicLong emitted = new AtomicLong();
    ArrowProcessorService p =
        ArrowProcessorService.builder(
                "p",
                () ->
                    new ArrowProcessor.Handler() {
                      @Override
                      public void handle(Event in, ArrowProcessor.Emitter out)
                          throws InterruptedException {
                        for (int i = 0; i < 10_000; i++) { // a long input: many outputs
                          out.emit(in);
                          emitted.incrementAndGet();
                          Thread.sleep(1);
                        }
                      }

                      @Override
                      public void close() {
                        closed.countDown();
                      }
                    })
            .build();
    serve(p);
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    CountDownLatch some = new CountDownLatch(5);
    StreamObserver<io.flowctl.proto.v1.Event>[] in = new StreamObserver[1];
    ctx.run(
        () ->
            in[0] =
                ProcessorServiceGrpc.newStub(channel)
                    .process(
                        new StreamObserver<>() {
                          @Override
                          public void onNext(io.flowctl.proto.v1.Event value) {
                            some.countDown();
                          }

                          @Override
                          public void onError(Throwable t) {}

                          @Override
                          public void onCompleted() {}
                        }));
    in[0].onNext(event("long"));
    assertThat(some.await(10, TimeUnit.SECONDS)).isTrue();
    ctx.cancel(null);

    assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
    long atClose = emitted.get();
    assertThat(atClose).isLessThan(10_000);
    assertThat(p.failedEvents()).isZero();
    assertThat(p.openCalls()).isZero();
  }

  @Test
  void closingTheService_stopsItsWorkerThreads() throws Exception {
    ArrowProcessorService p =
        ArrowProcessorService.builder(
                "pool-owner", (ArrowProcessor.Handler) (in, out) -> out.emit(in))
            .concurrency(2)
            .build();
    serve(p);
    assertThat(processAll(List.of("1", "2", "3", "4"))).hasSize(4);
    assertThat(workerThreads()).isPositive();

    server.shutdown().awaitTermination(5, TimeUnit.SECONDS);
    p.close();
    waitFor(() -> workerThreads() == 0);
  }

  private static long workerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("flowctl-processor-pool-owner") && t.isAlive())
        .count();
  }

  private List<io.flowctl.proto.v1.Event> processAllUnchecked(List<String> ids) {
    try {
      return processAll(ids);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** One Process call: sends every event, half-closes, and returns every output. */
  private List<io.flowctl.proto.v1.Event> processAll(List<String> ids) throws Exception {
    List<io.flowctl.proto.v1.Event> outputs = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<io.flowctl.proto.v1.Event> in =
        ProcessorServiceGrpc.newStub(channel)
            .process(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.flowctl.proto.v1.Event value) {
                    outputs.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    for (String id : ids) {
      in.onNext(event(id));
    }
    in.onCompleted();
    done.get(10, TimeUnit.SECONDS);
    return outputs;
  }

  private static void waitFor(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 10 s");
      }
      Thread.sleep(10);
    }
  }
}
