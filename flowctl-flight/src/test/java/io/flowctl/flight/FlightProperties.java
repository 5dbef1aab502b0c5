package io.flowctl.flight;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.Flowctl;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.stream.internal.V1Events;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/** The laws of the ticket grammar and of the bridge's resume. */
class FlightProperties {
  @Property
  void aTicketReadsBackAsWritten(
      @ForAll @StringLength(min = 1, max = 30) String name,
      @ForAll @LongRange(min = 0, max = 0xFFFFFFFFL) long start,
      @ForAll @LongRange(min = 0, max = 0xFFFFFFFFL) long end) {
    String stream = name.replace(':', '_');
    FlightTicket t = new FlightTicket(stream, start, end);
    assertThat(FlightTicket.parse(t.text())).isEqualTo(t);
    assertThat(FlightTicket.of(t.toTicket())).isEqualTo(t);
    assertThat(FlightTicket.fromParams(stream, t.params())).isEqualTo(t);
  }

  /**
   * Wherever the upstream stream breaks off (after any batch, mid-ledger or not), the bridge's
   * stream holds every row of the range once, in order.
   */
  @Property(tries = 12)
  void aResumedStreamHoldsEveryRowOnce(
      @ForAll @IntRange(min = 0, max = 7) int breakAfter,
      @ForAll @IntRange(min = 1, max = 6) int firstLedger,
      @ForAll @IntRange(min = 0, max = 5) int extraLedgers)
      throws Exception {
    int last = firstLedger + 4 + extraLedgers;
    AtomicInteger calls = new AtomicInteger();
    try (BufferAllocator allocator = new RootAllocator(64L << 20);
        Flowctl.Component upstream =
            Flowctl.source("up")
                .config(config("up"))
                .output("arrow_data.TTPEventBatch", Ledgers.SCHEMA)
                .produce(
                    out -> Ledgers.produce(out, calls.getAndIncrement() == 0 ? breakAfter : -1))
                .serveFlight(0)
                .build()
                .start();
        Flowctl.Component bridge =
            FlightSource.builder(
                    "bridge",
                    FlightAddress.parse(upstream.flightEndpoint().orElseThrow()),
                    "ttp_events")
                .config(config("bridge"))
                .retries(2, java.time.Duration.ofMillis(1))
                .build()
                .start()) {
      ManagedChannel ch = NettyChannelBuilder.forTarget(bridge.endpoint()).usePlaintext().build();
      List<Long> got = new ArrayList<>();
      try {
        Iterator<io.flowctl.proto.v1.Event> it =
            SourceServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .streamEvents(
                    StreamRequest.newBuilder()
                        .putParams("start_ledger", Integer.toString(firstLedger))
                        .putParams("end_ledger", Integer.toString(last))
                        .build());
        ArrowEventCodec codec = ArrowEventCodec.builder().eventType("x").build();
        while (it.hasNext()) {
          try (ArrowEventReader r = codec.decode(V1Events.fromV1(it.next()), allocator)) {
            while (r.loadNextBatch()) {
              got.addAll(Ledgers.values(r.root()));
            }
          }
        }
      } finally {
        ch.shutdownNow();
      }
      assertThat(got).isEqualTo(Ledgers.expected(firstLedger, last));
    }
  }

  private static ComponentConfig config(String id) {
    return ComponentConfig.builder(id).bindHost("127.0.0.1").port(0).healthPort(0).build();
  }
}
