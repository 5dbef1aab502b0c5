package io.flowctl.client.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Back-pressure, per-event errors and resume, over loopback. */
class StreamingTest {
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

  private void serve(ArrowSourceService.Feed feed) throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new ArrowSourceService("src", feed))
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  /** {@code n} events of {@code bytes} each, ids 1..n, counting how many were taken. */
  static ArrowSourceService.Feed feed(int n, int bytes, AtomicLong taken, int failAfter) {
    return start -> {
      String resumeAfter = start.resumeAfter();
      int[] i = {resumeAfter.isEmpty() ? 0 : Integer.parseInt(resumeAfter)};
      int[] sentThisStream = {0};
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          if (failAfter > 0 && sentThisStream[0] == failAfter && i[0] < n) {
            throw new IllegalStateException("source hiccup");
          }
          return i[0] < n;
        }

        @Override
        public ArrowSourceService.Identified next() {
          i[0]++;
          sentThisStream[0]++;
          taken.incrementAndGet();
          return new ArrowSourceService.Identified(
              Integer.toString(i[0]),
              Event.newBuilder()
                  .setEventType("t")
                  .setPayload(ByteString.copyFrom(new byte[bytes]))
                  .putMetadata("n", Integer.toString(i[0]))
                  .build());
        }
      };
    };
  }

  @Test
  void aSlowSinkSlowsTheSource_insteadOfGrowingMemory() throws Exception {
    AtomicLong taken = new AtomicLong();
    serve(feed(40, 1 << 20, taken, 0));
    AtomicLong handled = new AtomicLong();
    AtomicLong maxAhead = new AtomicLong();
    ArrowStreamConsumer slow =
        new ArrowStreamConsumer(
            channel,
            StreamRequest.getDefaultInstance(),
            2,
            e -> {
              maxAhead.accumulateAndGet(taken.get() - handled.get(), Math::max);
              Thread.sleep(20);
              handled.incrementAndGet();
            },
            null,
            Duration.ofMillis(50));
    slow.start().get(60, TimeUnit.SECONDS);

    assertThat(handled.get()).isEqualTo(40);
    // Two requested plus what one HTTP/2 window of 1 MiB events holds: never the whole stream.
    assertThat(maxAhead.get()).isLessThanOrEqualTo(6);
  }

  @Test
  void aStalledSink_holdsTheSourceBack_andEverythingArrivesWhenItResumes() throws Exception {
    AtomicLong taken = new AtomicLong();
    serve(feed(40, 1 << 20, taken, 0));
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicLong aheadAfterStall = new AtomicLong();
    ArrowStreamConsumer stalling =
        new ArrowStreamConsumer(
            channel,
            StreamRequest.getDefaultInstance(),
            2,
            e -> {
              seen.add(e.getMetadataMap().get("n"));
              if (seen.size() == 10) {
                Thread.sleep(1_500); // the sink stops taking events, then resumes
                aheadAfterStall.set(taken.get() - seen.size());
              }
            },
            null,
            Duration.ofMillis(50));
    stalling.start().get(60, TimeUnit.SECONDS);

    assertThat(seen)
        .containsExactlyElementsOf(
            java.util.stream.IntStream.rangeClosed(1, 40).mapToObj(Integer::toString).toList());
    // 1.5 s is long enough to produce the other 30 events; the source made no more than the
    // credits and one HTTP/2 window allow.
    assertThat(aheadAfterStall.get()).isLessThanOrEqualTo(6);
    System.out.println("stalled sink: the source was " + aheadAfterStall.get() + " events ahead");
  }

  @Test
  void aFailingEventIsReported_andTheStreamGoesOn() throws Exception {
    serve(feed(10, 10, new AtomicLong(), 0));
    List<String> failedIds = new CopyOnWriteArrayList<>();
    ArrowStreamConsumer c =
        new ArrowStreamConsumer(
            channel,
            StreamRequest.getDefaultInstance(),
            4,
            e -> {
              if (e.getMetadataMap().get("n").equals("3")) {
                throw new IllegalArgumentException("bad ledger");
              }
            },
            (id, e, x) -> failedIds.add(id + ": " + x.getMessage()),
            Duration.ofMillis(50));
    c.start().get(30, TimeUnit.SECONDS);

    assertThat(c.handledEvents()).isEqualTo(9);
    assertThat(c.failedEvents()).isEqualTo(1);
    assertThat(failedIds).containsExactly("3: bad ledger");
  }

  @Test
  void aBrokenStreamResumesAfterTheLastHandledEvent_withoutLossOrRepeats() throws Exception {
    serve(feed(30, 10, new AtomicLong(), 7));
    List<String> seen = new CopyOnWriteArrayList<>();
    ArrowStreamConsumer c =
        new ArrowStreamConsumer(
            channel,
            StreamRequest.getDefaultInstance(),
            3,
            e -> seen.add(e.getMetadataMap().get("n")),
            null,
            Duration.ofMillis(20));
    c.start().get(30, TimeUnit.SECONDS);

    assertThat(seen).hasSize(30).doesNotHaveDuplicates();
    assertThat(seen.get(29)).isEqualTo("30");
  }
}
