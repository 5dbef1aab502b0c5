package io.flowctl.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.client.Flowctl;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.proto.v1.HealthStatus;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flight-source bridge: a Flight stream into flowctl's StreamEvents, resumed when it breaks.
 */
class FlightSourceTest {
  private BufferAllocator allocator;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator(256L << 20);
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  private static ComponentConfig config(String id) {
    return Ledgers.config(id);
  }

  /** The events of one StreamEvents call, as the values of their batches. */
  private List<Long> stream(
      Flowctl.Component bridge, Map<String, String> params, List<String> types) {
    return Ledgers.streamed(bridge, params, types, allocator);
  }

  @Test
  void bridgesAFlightStreamAndResumesItAfterTheLastLedgerSeen() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<String> tickets = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (Flowctl.Component upstream =
            Flowctl.source("upstream")
                .config(config("upstream"))
                .output("arrow_data.TTPEventBatch", Ledgers.SCHEMA)
                .produce(
                    out -> {
                      tickets.add(
                          out.params().get("start_ledger") + ":" + out.params().get("end_ledger"));
                      // the first stream breaks off after two batches, mid-ledger
                      Ledgers.produce(out, calls.getAndIncrement() == 0 ? 2 : -1);
                    })
                .serveFlight(0)
                .build()
                .start();
        Flowctl.Component bridge =
            FlightSource.builder(
                    "bridge",
                    FlightAddress.parse(upstream.flightEndpoint().orElseThrow()),
                    "ttp_events")
                .config(config("bridge"))
                .retries(3, java.time.Duration.ofMillis(10))
                .build()
                .start()) {
      List<String> types = new ArrayList<>();
      List<Long> got = stream(bridge, Map.of("start_ledger", "1", "end_ledger", "10"), types);
      assertThat(got).isEqualTo(Ledgers.expected(1, 10)); // every row once, in order
      assertThat(types).containsOnly("arrow_data.TTPEventBatch");
      // resumed from ledger 3, the one the break cut through, its rows already sent skipped
      assertThat(tickets).containsExactly("1:10", "3:10");
      assertThat(bridge.health().status()).isEqualTo(HealthStatus.HEALTH_STATUS_HEALTHY);
    }
  }

  @Test
  void givesUpAfterItsTriesWithTheReason() throws Exception {
    try (Flowctl.Component upstream =
            Flowctl.source("broken")
                .config(config("broken"))
                .output("arrow_data.StellarLedgerBatch", Ledgers.SCHEMA)
                .produce(
                    out -> Ledgers.produce(out, 0)) // breaks before its first batch, every time
                .serveFlight(0)
                .build()
                .start();
        Flowctl.Component bridge =
            FlightSource.builder(
                    "bridge2",
                    FlightAddress.parse(upstream.flightEndpoint().orElseThrow()),
                    "stellar_ledger")
                .config(config("bridge2"))
                .retries(2, java.time.Duration.ofMillis(10))
                .build()
                .start()) {
      assertThatThrownBy(
              () ->
                  stream(
                      bridge, Map.of("start_ledger", "1", "end_ledger", "10"), new ArrayList<>()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("gave up after 2 resumed tries")
          .hasMessageContaining("the feed broke off");
    }
  }

  @Test
  void anUnreachableEndpointLeavesItUnhealthyWithTheReason() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (Flowctl.Component bridge =
        FlightSource.fromEnv(
                Map.of(
                    "FLIGHT_ENDPOINT", "grpc://127.0.0.1:" + port,
                    "FLIGHT_STREAM", "ttp_events",
                    "FLIGHT_RETRIES", "0",
                    "PORT", "127.0.0.1:0",
                    "HEALTH_PORT", "0"),
                "flight-source")
            .build()
            .start()) {
      assertThat(bridge.health().status()).isEqualTo(HealthStatus.HEALTH_STATUS_UNHEALTHY);
      assertThat(bridge.health().message())
          .contains("grpc+tcp://127.0.0.1:" + port)
          .contains("unreachable");
      assertThatThrownBy(() -> stream(bridge, Map.of(), new ArrayList<>()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("UNAVAILABLE")
          .hasMessageContaining("127.0.0.1:" + port);
    }
  }

  @Test
  void aStreamTheServiceDoesNotServeLeavesItUnhealthyNamingTheStream() throws Exception {
    try (Flowctl.Component upstream =
            Flowctl.source("only-ttp")
                .config(config("only-ttp"))
                .output("arrow_data.TTPEventBatch", Ledgers.SCHEMA)
                .produce(out -> Ledgers.produce(out, -1))
                .serveFlight(0)
                .build()
                .start();
        Flowctl.Component bridge =
            FlightSource.builder(
                    "bridge3",
                    FlightAddress.parse(upstream.flightEndpoint().orElseThrow()),
                    "stellar_ledger")
                .config(config("bridge3"))
                .build()
                .start()) {
      assertThat(bridge.health().status()).isEqualTo(HealthStatus.HEALTH_STATUS_UNHEALTHY);
      assertThat(bridge.health().message())
          .contains("no stream 'stellar_ledger'")
          .contains(upstream.flightEndpoint().orElseThrow());
      assertThatThrownBy(() -> stream(bridge, Map.of(), new ArrayList<>()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("NOT_FOUND")
          .hasMessageContaining("stellar_ledger");
    }
  }

  @Test
  void endpointsAndTicketsParseAsTheSpecSays() {
    assertThat(FlightAddress.parse("localhost:8815"))
        .isEqualTo(new FlightAddress("localhost", 8815, false));
    assertThat(FlightAddress.parse("grpc+tls://flight.example:443").tls()).isTrue();
    assertThat(FlightAddress.parse("grpc+tcp://[::1]:8815").uri())
        .isEqualTo("grpc+tcp://[::1]:8815");
    assertThatThrownBy(() -> FlightAddress.parse("http://x:1"))
        .hasMessageContaining("scheme 'http'");
    assertThatThrownBy(() -> FlightAddress.parse("nohost")).hasMessageContaining("not host:port");
    assertThat(FlightTicket.parse("ttp_events:100:200"))
        .isEqualTo(new FlightTicket("ttp_events", 100, 200));
    assertThat(FlightTicket.parse("ttp_events:abc"))
        .isEqualTo(new FlightTicket("ttp_events", 0, 0));
    assertThat(FlightTicket.parse("stellar_ledger:7").text()).isEqualTo("stellar_ledger:7");
    assertThat(FlightStreams.eventType("ttp_events")).isEqualTo("arrow_data.TTPEventBatch");
    assertThat(FlightStreams.eventType("other")).isEqualTo("arrow_data.ArrowBatch");
    assertThat(FlightStreams.stream("arrow_data.StellarTransactionBatch"))
        .isEqualTo("transactions");
    assertThat(URI.create(FlightAddress.parse("h:1").uri()).getScheme()).isEqualTo("grpc+tcp");
  }
}
