package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data plane's soak: a source, a processor and the Parquet sink as processes, under loops of
 * what upstream's runner and pulling consumers do to them at once: streams read and cancelled,
 * reconnects that resume after the last event, whole and cancelled {@code Process} calls, two
 * concurrent {@code Consume} streams and a cancelled one. Every whole call must answer right; each
 * process's threads, heap after a full GC and resident memory are sampled and must show no trend
 * after warm-up. CI runs it for 30 s; {@code -Dflowctl.soak.seconds=600} is the ten-minute soak of
 * docs/reliability.md ({@code -Dflowctl.soak.write=true} also writes the samples to
 * target/data-plane-soak.tsv).
 */
class DataPlaneSoakTest {
  private static final long SECONDS = Long.getLong("flowctl.soak.seconds", 30);

  @TempDir Path dir;

  @Test
  void cancelReconnectAndConcurrentStreamLoops_showNoTrendInThreadsHeapOrRss() throws Exception {
    Map<String, String> env = Map.of("TTP_BATCHES", "1000000", "TTP_ROWS", "1000");
    List<ComponentProcess> all = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    AtomicBoolean stop = new AtomicBoolean();
    try (ComponentProcess source = ComponentProcess.start("ttp-source", dir, env);
        ComponentProcess processor = ComponentProcess.start("asset-totals", dir, env);
        ComponentProcess sink = ComponentProcess.start("parquet-sink", dir, env)) {
      all.addAll(List.of(source, processor, sink));
      AtomicLong rounds = new AtomicLong();
      List<String> wrong = new CopyOnWriteArrayList<>();
      List<Event> inputs = read(source, 2, "");
      List<Event> totals = StreamLifecycleProcessesTest.processOn(processor, inputs);

      // The runner's and pulling consumers' loops, all at once.
      pool.submit(
          loop(
              stop,
              wrong,
              () -> {
                List<Event> first = read(source, 3, ""); // read, then cancel
                List<Event> resumed = read(source, 2, first.get(2).getId()); // a reconnect
                check(
                    wrong,
                    resumed.get(0).getId().equals("4"),
                    "resumed at " + resumed.get(0).getId());
              }));
      pool.submit(
          loop(
              stop,
              wrong,
              () -> {
                List<Event> out = StreamLifecycleProcessesTest.processOn(processor, inputs);
                check(wrong, out.size() == 2, "Process answered " + out.size() + " events");
                cancelledProcess(processor, inputs);
              }));
      pool.submit(
          loop(
              stop,
              wrong,
              () -> {
                CompletableFuture<ConsumeResponse> a = new CompletableFuture<>();
                CompletableFuture<ConsumeResponse> b = new CompletableFuture<>();
                var stub = ConsumerServiceGrpc.newStub(sink.channel());
                StreamObserver<Event> toA = stub.consume(StreamLifecycleProcessesTest.answer(a));
                StreamObserver<Event> toB = stub.consume(StreamLifecycleProcessesTest.answer(b));
                for (Event e : totals) {
                  toA.onNext(e);
                  toB.onNext(e);
                }
                toA.onCompleted();
                toB.onCompleted();
                for (CompletableFuture<ConsumeResponse> r : List.of(a, b)) {
                  ConsumeResponse got = r.get(30, TimeUnit.SECONDS);
                  check(
                      wrong,
                      got.getEventsConsumed() == totals.size() && got.getEventsFailed() == 0,
                      "Consume answered " + got);
                }
                Context.CancellableContext c = Context.current().withCancellation();
                StreamObserver<Event> toC =
                    c.call(
                        () ->
                            stub.consume(
                                StreamLifecycleProcessesTest.answer(new CompletableFuture<>())));
                toC.onNext(totals.get(0));
                c.cancel(null);
                rounds.incrementAndGet();
              }));

      List<long[]> samples = new ArrayList<>(); // s, then threads, heap KiB, RSS KiB per process
      long start = System.nanoTime();
      long every = Math.max(3, SECONDS / 20);
      while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(SECONDS)) {
        Thread.sleep(every * 1_000);
        long[] x = new long[1 + 3 * all.size()];
        x[0] = (System.nanoTime() - start) / 1_000_000_000L;
        for (int i = 0; i < all.size(); i++) {
          ComponentProcess p = all.get(i);
          x[1 + 3 * i] = p.threads();
          x[2 + 3 * i] = p.heapAfterGcKib();
          x[3 + 3 * i] = p.rssKib();
        }
        samples.add(x);
      }
      stop.set(true);
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

      StringBuilder table = new StringBuilder("s");
      for (ComponentProcess p : all) {
        table.append(String.format("\t%1$s threads\t%1$s heap MiB\t%1$s RSS MiB", p.name));
      }
      table.append('\n');
      for (long[] x : samples) {
        table.append(x[0]);
        for (int i = 0; i < all.size(); i++) {
          table.append(
              String.format(
                  Locale.ROOT,
                  "\t%d\t%.1f\t%d",
                  x[1 + 3 * i],
                  x[2 + 3 * i] / 1024.0,
                  x[3 + 3 * i] >> 10));
        }
        table.append('\n');
      }
      System.out.println(
          "data-plane soak: "
              + rounds.get()
              + " sink rounds (2 concurrent Consume + 1 cancelled each), "
              + wrong.size()
              + " wrong answers\n"
              + table);
      if (Boolean.getBoolean("flowctl.soak.write")) {
        Files.writeString(Path.of("target", "data-plane-soak.tsv"), table);
      }
      assertThat(wrong).as("wrong answers").isEmpty();
      assertThat(rounds.get()).isPositive();
      // No trend after warm-up: from the first third on, each figure stays within a band.
      List<long[]> warm = samples.subList(samples.size() / 3, samples.size());
      for (int i = 0; i < all.size(); i++) {
        String who = all.get(i).name + "\n" + table;
        assertThat(spread(warm, 1 + 3 * i)).as("threads of " + who).isLessThanOrEqualTo(12);
        assertThat(spread(warm, 2 + 3 * i)).as("heap KiB of " + who).isLessThan(64 * 1024);
        long rssFirst = warm.get(0)[3 + 3 * i];
        long rssLast = warm.get(warm.size() - 1)[3 + 3 * i];
        assertThat(rssLast - rssFirst).as("RSS KiB of " + who).isLessThan(128 * 1024);
      }
      assertThat(processor.metric("open_streams")).isZero();
      assertThat(sink.metric("open_streams")).isZero();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  private static long spread(List<long[]> samples, int column) {
    long min = samples.stream().mapToLong(x -> x[column]).min().orElseThrow();
    long max = samples.stream().mapToLong(x -> x[column]).max().orElseThrow();
    return max - min;
  }

  /** {@code n} events of a StreamEvents (resuming after {@code after}), then a cancel. */
  private static List<Event> read(ComponentProcess source, int n, String after) throws Exception {
    Context.CancellableContext ctx = Context.current().withCancellation();
    try {
      return ctx.call(
          () -> {
            StreamRequest.Builder r = StreamRequest.newBuilder();
            if (!after.isEmpty()) {
              r.setResume(true).setResumeToken(after);
            }
            Iterator<Event> it =
                SourceServiceGrpc.newBlockingStub(source.channel())
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .streamEvents(r.build());
            List<Event> out = new ArrayList<>();
            while (out.size() < n && it.hasNext()) {
              out.add(it.next());
            }
            return out;
          });
    } finally {
      ctx.cancel(null);
    }
  }

  private static void cancelledProcess(ComponentProcess processor, List<Event> inputs)
      throws Exception {
    Context.CancellableContext ctx = Context.current().withCancellation();
    CompletableFuture<Void> ignored = new CompletableFuture<>();
    StreamObserver<Event> in =
        ctx.wrap(
                () ->
                    ProcessorServiceGrpc.newStub(processor.channel())
                        .process(StreamLifecycleProcessesTest.collect(new ArrayList<>(), ignored)))
            .call();
    in.onNext(inputs.get(0));
    ctx.cancel(null);
  }

  private static void check(List<String> wrong, boolean ok, String what) {
    if (!ok && wrong.size() < 20) {
      wrong.add(what);
    }
  }

  private interface Work {
    void run() throws Exception;
  }

  private static Runnable loop(AtomicBoolean stop, List<String> wrong, Work w) {
    return () -> {
      while (!stop.get()) {
        try {
          w.run();
        } catch (Exception e) {
          if (!stop.get() && wrong.size() < 20) {
            wrong.add(e.toString());
          }
        }
      }
    };
  }
}
