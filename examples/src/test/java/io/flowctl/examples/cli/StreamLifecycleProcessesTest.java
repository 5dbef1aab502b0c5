package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.parquet.ParquetEventReader;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.flowctl.proto.v1.Event;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example components as processes, driven the way upstream's runner drives them and the way it
 * ends calls: concurrent and successive {@code Consume} streams into the Parquet sink, cancelled
 * {@code StreamEvents}, {@code Process} and {@code Consume} calls, a damaged event mid-{@code
 * Process}, and a hostile client on raw HTTP/2 (Node). Checked from outside: the answers, the
 * files, the processes' threads, resident memory, Arrow memory and logs.
 */
class StreamLifecycleProcessesTest {
  static final Path NODE = Path.of("src", "test", "node").toAbsolutePath();

  @TempDir static Path dir;
  static ComponentProcess source;
  static ComponentProcess processor;
  static ComponentProcess sink;

  @BeforeAll
  static void start() throws Exception {
    // A source long enough that only a cancel ends its stream.
    Map<String, String> env = Map.of("TTP_BATCHES", "1000000", "TTP_ROWS", "2000");
    source = ComponentProcess.start("ttp-source", dir, env);
    processor = ComponentProcess.start("asset-totals", dir, env);
    sink = ComponentProcess.start("parquet-sink", dir, env);
  }

  @AfterAll
  static void stop() throws Exception {
    for (ComponentProcess p : new ComponentProcess[] {source, processor, sink}) {
      if (p != null) {
        assertThat(p.stop()).as(p.name + ": 128 + SIGTERM after its drain").isEqualTo(143);
        // A component that leaked Arrow memory fails closing its allocator at exit.
        assertThat(p.logLines()).as(p.name + " log").noneMatch(l -> l.contains("leak"));
      }
    }
  }

  /** {@code n} events from the source, then the stream is cancelled. */
  static List<Event> sourceEvents(int n) {
    Context.CancellableContext ctx = Context.current().withCancellation();
    try {
      return ctx.call(
          () -> {
            Iterator<Event> it =
                SourceServiceGrpc.newBlockingStub(source.channel())
                    .withDeadlineAfter(60, TimeUnit.SECONDS)
                    .streamEvents(StreamRequest.getDefaultInstance());
            List<Event> out = new ArrayList<>();
            while (out.size() < n && it.hasNext()) {
              out.add(it.next());
            }
            return out;
          });
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      ctx.cancel(null);
    }
  }

  /** One whole Process call: every input, half-close, every output. */
  static List<Event> process(List<Event> inputs) throws Exception {
    return processOn(processor, inputs);
  }

  static List<Event> processOn(ComponentProcess processor, List<Event> inputs) throws Exception {
    List<Event> out = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<Event> in =
        ProcessorServiceGrpc.newStub(processor.channel()).process(collect(out, done));
    inputs.forEach(in::onNext);
    in.onCompleted();
    done.get(60, TimeUnit.SECONDS);
    return out;
  }

  @Test
  void theParquetSink_takesConcurrentAndSuccessiveStreams_eachIntoAFileOfItsOwn() throws Exception {
    List<Event> totals = process(sourceEvents(4));
    assertThat(totals).hasSize(4);
    Map<String, List<Long>> expected = new TreeMap<>();
    var codec = io.flowctl.client.codec.ArrowEventCodec.builder().build();
    try (BufferAllocator allocator = new RootAllocator()) {
      for (Event e : totals) {
        try (var in =
            codec.decode(io.flowctl.client.stream.internal.V1Events.fromV1(e), allocator)) {
          while (in.loadNextBatch()) {
            add(in.root(), expected);
          }
        }
      }
    }
    assertThat(expected).isNotEmpty();
    java.util.Set<Path> before;
    Files.createDirectories(dir.resolve("out"));
    try (var list = Files.list(dir.resolve("out"))) {
      before = list.collect(java.util.stream.Collectors.toSet());
    }

    // Two processors wired to the sink: two Consume streams at once, interleaved.
    CompletableFuture<ConsumeResponse> a = new CompletableFuture<>();
    CompletableFuture<ConsumeResponse> b = new CompletableFuture<>();
    StreamObserver<Event> toA = ConsumerServiceGrpc.newStub(sink.channel()).consume(answer(a));
    StreamObserver<Event> toB = ConsumerServiceGrpc.newStub(sink.channel()).consume(answer(b));
    for (Event e : totals) {
      toA.onNext(e);
      toB.onNext(e);
    }
    toA.onCompleted();
    toB.onCompleted();
    // ...and a reconnect: a third stream after both completed.
    CompletableFuture<ConsumeResponse> c = new CompletableFuture<>();
    StreamObserver<Event> toC = ConsumerServiceGrpc.newStub(sink.channel()).consume(answer(c));
    totals.forEach(toC::onNext);
    toC.onCompleted();

    for (CompletableFuture<ConsumeResponse> r : List.of(a, b, c)) {
      ConsumeResponse answer = r.get(60, TimeUnit.SECONDS);
      assertThat(answer.getEventsConsumed()).isEqualTo(4);
      assertThat(answer.getEventsFailed()).isZero();
      assertThat(answer.getErrorsList()).isEmpty();
    }
    // Three new files, one per stream, each with every total.
    List<Path> files;
    try (var list = Files.list(dir.resolve("out"))) {
      files =
          list.filter(f -> f.getFileName().toString().endsWith(".parquet"))
              .filter(f -> !before.contains(f))
              .toList();
    }
    assertThat(files).hasSize(3);
    try (BufferAllocator allocator = new RootAllocator()) {
      for (Path f : files) {
        assertThat(read(f, allocator)).as(f.toString()).isEqualTo(expected);
      }
    }
    // Every stream's buffers were given back.
    assertThat(sink.metric("arrow_memory_usage_bytes")).isZero();
    assertThat(sink.metric("open_streams")).isZero();
  }

  @Test
  void cancelledCalls_leaveThreadsAndMemoryFlat() throws Exception {
    // One round: a StreamEvents, a Process (mid-input) and a Consume call, each cancelled.
    List<Event> inputs = sourceEvents(2);
    cancelRound(inputs); // warm up: classes, JIT, pools
    long[] before = {source.threads(), processor.threads(), sink.threads()};
    long[] rssBefore = {source.rssKib(), processor.rssKib(), sink.rssKib()};
    for (int i = 0; i < 30; i++) {
      cancelRound(inputs);
    }
    long[] mid = {source.threads(), processor.threads(), sink.threads()};
    for (int i = 0; i < 30; i++) {
      cancelRound(inputs);
    }
    long[] after = {source.threads(), processor.threads(), sink.threads()};
    long[] rssAfter = {source.rssKib(), processor.rssKib(), sink.rssKib()};
    System.out.printf(
        "60 cancel rounds: threads %s -> %s -> %s, RSS KiB %s -> %s%n",
        java.util.Arrays.toString(before),
        java.util.Arrays.toString(mid),
        java.util.Arrays.toString(after),
        java.util.Arrays.toString(rssBefore),
        java.util.Arrays.toString(rssAfter));
    for (int i = 0; i < 3; i++) {
      // gRPC's executor pool grows to the calls' concurrency and reuses its threads: a plateau,
      // not a thread per cancelled call.
      assertThat(mid[i]).as("threads of component " + i).isLessThanOrEqualTo(before[i] + 24);
      assertThat(after[i]).as("threads of component " + i).isLessThanOrEqualTo(mid[i] + 4);
      assertThat(rssAfter[i] - rssBefore[i]).as("RSS growth KiB").isLessThan(128 * 1024);
    }
    assertThat(processor.metric("open_streams")).isZero();
    assertThat(sink.metric("open_streams")).isZero();
    assertThat(processor.metric("error_count")).isZero(); // a cancel is no failed event
  }

  /** One cancelled call of each kind: StreamEvents, Process (mid-input) and Consume. */
  static void cancelRound(List<Event> inputs) throws Exception {
    sourceEvents(1);
    Context.CancellableContext p = Context.current().withCancellation();
    CountDownLatch one = new CountDownLatch(1);
    StreamObserver<Event> in =
        p.call(
            () ->
                ProcessorServiceGrpc.newStub(processor.channel())
                    .process(
                        new StreamObserver<>() {
                          @Override
                          public void onNext(Event value) {
                            one.countDown();
                          }

                          @Override
                          public void onError(Throwable t) {}

                          @Override
                          public void onCompleted() {}
                        }));
    in.onNext(inputs.get(0));
    one.await(30, TimeUnit.SECONDS);
    in.onNext(inputs.get(1));
    p.cancel(null);
    Context.CancellableContext s = Context.current().withCancellation();
    StreamObserver<Event> toSink =
        s.call(
            () ->
                ConsumerServiceGrpc.newStub(sink.channel())
                    .consume(answer(new CompletableFuture<>())));
    toSink.onNext(inputs.get(0));
    s.cancel(null);
    // Each cancel reaches its server and closes that stream's handler.
    awaitZero(processor, "open_streams");
    awaitZero(sink, "open_streams");
  }

  static void awaitZero(ComponentProcess c, String metric) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (c.metric(metric) != 0) {
      assertThat(System.nanoTime()).as(c.name + " " + metric + " back to 0").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void aDamagedEventMidProcess_isCounted_andTheStreamGoesOn() throws Exception {
    List<Event> good = sourceEvents(2);
    double failedBefore = processor.metric("error_count");
    Event damaged =
        good.get(0).toBuilder()
            .setId("damaged")
            .setPayload(ByteString.copyFromUtf8("not an Arrow stream at all"))
            .build();
    List<Event> out = process(List.of(good.get(0), damaged, good.get(1)));

    assertThat(out)
        .extracting(Event::getId)
        .containsExactly(good.get(0).getId(), good.get(1).getId());
    assertThat(processor.metric("error_count")).isEqualTo(failedBefore + 1);
  }

  @Test
  void hostileClients_getOneLogLineEach_notAStackTrace() throws Exception {
    int before = sink.logLines().size() + processor.logLines().size();
    Map<ComponentProcess, String> methods =
        Map.of(
            sink, "/flowctl.v1.ConsumerService/Consume",
            processor, "/flowctl.v1.ProcessorService/Process");
    for (ComponentProcess target : List.of(sink, processor)) {
      Process node =
          new ProcessBuilder(
                  "node",
                  NODE.resolve("hostile-client.mjs").toString(),
                  "127.0.0.1:" + target.port,
                  "100",
                  methods.get(target))
              .redirectErrorStream(true)
              .start();
      String seen = new String(node.getInputStream().readAllBytes());
      assertThat(node.waitFor(120, TimeUnit.SECONDS)).isTrue();
      // Refused as too large (8) and as no such method (12); the server may also end a
      // misbehaving connection, which the client then opens again.
      assertThat(seen).contains("\"8\":").contains("\"12\":");
    }
    List<String> lines = new ArrayList<>(sink.logLines());
    lines.addAll(processor.logLines());
    System.out.println("log lines written under 600 hostile calls: " + (lines.size() - before));
    assertThat(lines.size() - before).isLessThan(150);
    assertThat(lines).noneMatch(l -> l.startsWith("\tat "));
    assertThat(lines).anyMatch(l -> l.contains("refused a call: RESOURCE_EXHAUSTED"));
    // ...and both still serve.
    assertThat(process(sourceEvents(1))).hasSize(1);
  }

  static StreamObserver<ConsumeResponse> answer(CompletableFuture<ConsumeResponse> f) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ConsumeResponse r) {
        f.complete(r);
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  static StreamObserver<Event> collect(List<Event> into, CompletableFuture<Void> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Event e) {
        into.add(e);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
  }

  /** Transfers and amount per asset, summed over every row of a sink's Parquet file. */
  static Map<String, List<Long>> read(Path parquet, BufferAllocator allocator) throws Exception {
    ParquetEventCodec codec = ParquetEventCodec.defaults();
    io.flowctl.proto.Event e = codec.wrap(ByteString.copyFrom(Files.readAllBytes(parquet)));
    Map<String, List<Long>> out = new TreeMap<>();
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        add(in.root(), out);
      }
    }
    return out;
  }

  static void add(VectorSchemaRoot root, Map<String, List<Long>> out) {
    VarCharVector asset = (VarCharVector) root.getVector("asset_code");
    BigIntVector transfers = (BigIntVector) root.getVector("transfers");
    BigIntVector amount = (BigIntVector) root.getVector("total_amount");
    for (int i = 0; i < root.getRowCount(); i++) {
      List<Long> t =
          out.computeIfAbsent(asset.getObject(i).toString(), k -> new ArrayList<>(List.of(0L, 0L)));
      t.set(0, t.get(0) + transfers.get(i));
      t.set(1, t.get(1) + amount.get(i));
    }
  }
}
