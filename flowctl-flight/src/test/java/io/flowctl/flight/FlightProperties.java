package io.flowctl.flight;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.Flowctl;
import io.flowctl.client.component.ComponentConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
      List<Long> got =
          Ledgers.streamed(
              bridge,
              Map.of(
                  "start_ledger", Integer.toString(firstLedger),
                  "end_ledger", Integer.toString(last)),
              new ArrayList<>(),
              allocator);
      assertThat(got).isEqualTo(Ledgers.expected(firstLedger, last));
    }
  }

  private static ComponentConfig config(String id) {
    return Ledgers.config(id);
  }
}
