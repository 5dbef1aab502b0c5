package io.flowctl.flight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.client.Flowctl;
import io.flowctl.client.component.ComponentConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A Java source serving its batches over Flight, read with our Flight client on loopback. */
class FlightServingTest {
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

  private static FlightAddress address(Flowctl.Component c) {
    URI uri = URI.create(c.flightEndpoint().orElseThrow());
    return new FlightAddress(uri.getHost(), uri.getPort(), false);
  }

  @Test
  void listsDescribesAndStreamsTheSourceByTheStellarStreamNames() throws Exception {
    try (Flowctl.Component source =
            Flowctl.source("ttp")
                .config(config("ttp"))
                .output("arrow_data.TTPEventBatch", Ledgers.SCHEMA)
                .produce(out -> Ledgers.produce(out, -1))
                .serveFlight(0)
                .build()
                .start();
        FlightInput in = FlightInput.builder(address(source), allocator).build()) {
      assertThat(source.flightEndpoint().orElseThrow()).startsWith("grpc+tcp://127.0.0.1:");
      List<FlightInfo> flights = in.list();
      assertThat(flights).hasSize(1);
      assertThat(flights.get(0).getDescriptor().getPath()).containsExactly("ttp_events");
      FlightInfo info = in.info("ttp_events");
      assertThat(info.getSchemaOptional()).contains(Ledgers.SCHEMA);
      assertThat(new String(info.getEndpoints().get(0).getTicket().getBytes()))
          .isEqualTo("ttp_events");
      // by ticket, with the plan's ledger bounds
      List<Long> got = new ArrayList<>();
      try (FlightBatches b = in.read(FlightTicket.parse("ttp_events:5:7"))) {
        assertThat(b.schema()).isEqualTo(Ledgers.SCHEMA);
        while (b.next()) {
          got.addAll(Ledgers.values(b.root()));
        }
      }
      assertThat(got).isEqualTo(Ledgers.expected(5, 7));
      // by path: GetFlightInfo, then its endpoint's ticket at the location it names
      got.clear();
      try (FlightBatches b = in.readPath("ttp_events")) {
        while (b.next()) {
          got.addAll(Ledgers.values(b.root()));
        }
      }
      assertThat(got).isEqualTo(Ledgers.expected(1, 10));
      assertThatThrownBy(() -> in.info("stellar_ledger"))
          .isInstanceOf(FlowctlException.class)
          .hasMessageContaining("no stream 'stellar_ledger'")
          .hasMessageContaining("ttp_events")
          .extracting(e -> ((FlowctlException) e).code())
          .isEqualTo(FlowctlException.Code.NOT_FOUND);
      try (FlightBatches b = in.read(FlightTicket.parse("ledgers:1:2"))) {
        assertThatThrownBy(b::next)
            .isInstanceOf(FlowctlException.class)
            .hasMessageContaining("no stream 'ledgers'");
      }
    }
  }

  @Test
  void batchesFromTheProducersOwnAllocatorAreServedToo() throws Exception {
    try (BufferAllocator own = new RootAllocator(64L << 20);
        Flowctl.Component source =
            Flowctl.source("own")
                .config(config("own"))
                .output("arrow_data.ArrowBatch", Ledgers.SCHEMA)
                .produce(
                    out ->
                        Ledgers.produce(
                            new Flowctl.BatchEmitter() {
                              @Override
                              public void emit(org.apache.arrow.vector.VectorSchemaRoot b)
                                  throws InterruptedException {
                                out.emit(b);
                              }

                              @Override
                              public BufferAllocator allocator() {
                                return own; // another root than the component's
                              }

                              @Override
                              public java.util.Map<String, String> params() {
                                return out.params();
                              }

                              @Override
                              public String resumeAfter() {
                                return out.resumeAfter();
                              }
                            },
                            -1))
                .serveFlight(0)
                .build()
                .start();
        FlightInput in = FlightInput.builder(address(source), allocator).build();
        FlightBatches b = in.read(FlightTicket.parse("arrow_data.ArrowBatch:3:4"))) {
      List<Long> got = new ArrayList<>();
      while (b.next()) {
        got.addAll(Ledgers.values(b.root()));
      }
      assertThat(got).isEqualTo(Ledgers.expected(3, 4));
    }
  }

  @Test
  void aBearerTokenIsRequiredWhenSet() throws Exception {
    try (Flowctl.Component source =
        Flowctl.source("tok")
            .config(config("tok"))
            .output("arrow_data.ArrowBatch", Ledgers.SCHEMA)
            .produce(out -> Ledgers.produce(out, -1))
            .serveFlight(0)
            .flightAccess("s3cret", null)
            .build()
            .start()) {
      try (FlightInput in = FlightInput.builder(address(source), allocator).build()) {
        assertThatThrownBy(in::list)
            .isInstanceOf(FlowctlException.class)
            .hasMessageContaining("refused the credentials")
            .extracting(e -> ((FlowctlException) e).code())
            .isEqualTo(FlowctlException.Code.UNAUTHENTICATED);
      }
      try (FlightInput in =
          FlightInput.builder(address(source), allocator).token("wrong").build()) {
        assertThatThrownBy(() -> in.info("arrow_data.ArrowBatch"))
            .hasMessageContaining("not accepted");
      }
      try (FlightInput in =
              FlightInput.builder(address(source), allocator).token("s3cret").build();
          FlightBatches b = in.read(FlightTicket.parse("arrow_data.ArrowBatch:1:2"))) {
        List<Long> got = new ArrayList<>();
        while (b.next()) {
          got.addAll(Ledgers.values(b.root()));
        }
        assertThat(got).isEqualTo(Ledgers.expected(1, 2));
      }
    }
  }

  @Test
  void closingAReaderCancelsTheProducerAndStreamsAreBounded() throws Exception {
    CountDownLatch producing = new CountDownLatch(1);
    CountDownLatch interrupted = new CountDownLatch(1);
    try (Flowctl.Component source =
            Flowctl.source("live")
                .config(config("live"))
                .output("arrow_data.ArrowBatch", Ledgers.SCHEMA)
                .produce(
                    out -> {
                      try {
                        Ledgers.produce(out, -1); // ten ledgers, then live: waits for more
                        if (out.params().get("end_ledger").equals("0")) {
                          producing.countDown();
                          Thread.sleep(60_000);
                        }
                      } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw e;
                      }
                    })
                .serveFlight(0)
                .flightStreams(1)
                .build()
                .start();
        FlightInput in = FlightInput.builder(address(source), allocator).build()) {
      FlightBatches first = in.read(FlightTicket.parse("arrow_data.ArrowBatch"));
      assertThat(first.next()).isTrue();
      assertThat(producing.await(10, TimeUnit.SECONDS)).isTrue();
      try (FlightBatches second = in.read(FlightTicket.parse("arrow_data.ArrowBatch"))) {
        assertThatThrownBy(second::next)
            .isInstanceOf(FlowctlException.class)
            .hasMessageContaining("at most 1 Flight streams")
            .extracting(e -> ((FlowctlException) e).code())
            .isEqualTo(FlowctlException.Code.RESOURCE_EXHAUSTED);
      }
      first.close();
      assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
      // the slot is free again
      try (FlightBatches again = in.read(FlightTicket.parse("arrow_data.ArrowBatch:1:1"))) {
        List<Long> got = new ArrayList<>();
        while (again.next()) {
          got.addAll(Ledgers.values(again.root()));
        }
        assertThat(got).isEqualTo(Ledgers.expected(1, 1));
      }
    }
  }

  @Test
  void servesOverTlsAndMutualTlsWithTheDataPlanesCertificate(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    var server = io.flowctl.testing.TestCertificates.create(dir, "localhost");
    var client =
        io.flowctl.testing.TestCertificates.create(
            java.nio.file.Files.createDirectories(dir.resolve("client")), "reader");
    ComponentConfig tls =
        ComponentConfig.builder("tls")
            .bindHost("127.0.0.1")
            .port(0)
            .healthPort(0)
            .advertiseHost("localhost")
            .certificate(server.certificate(), server.privateKey())
            .build();
    try (Flowctl.Component source =
        Flowctl.source("tls")
            .config(tls)
            .output("arrow_data.StellarLedgerBatch", Ledgers.SCHEMA)
            .produce(out -> Ledgers.produce(out, -1))
            .serveFlight(0)
            .flightAccess(
                null, client.certificate()) // the client's self-signed certificate is its CA
            .build()
            .start()) {
      String uri = source.flightEndpoint().orElseThrow();
      assertThat(uri).startsWith("grpc+tls://localhost:");
      FlightAddress address = FlightAddress.parse(uri);
      // without a client certificate the handshake is refused
      try (FlightInput in =
          FlightInput.builder(address, allocator).trust(server.certificate()).build()) {
        assertThatThrownBy(() -> in.info("stellar_ledger"))
            .isInstanceOf(FlowctlException.class)
            .hasMessageContaining(uri);
      }
      try (FlightInput in =
              FlightInput.builder(address, allocator)
                  .trust(server.certificate())
                  .clientCertificate(client.certificate(), client.privateKey())
                  .build();
          FlightBatches b = in.readPath("stellar_ledger")) {
        List<Long> got = new ArrayList<>();
        while (b.next()) {
          got.addAll(Ledgers.values(b.root()));
        }
        assertThat(got).isEqualTo(Ledgers.expected(1, 10));
      }
    }
  }

  @Test
  void anUnreachableEndpointIsOneLineNamingIt() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (FlightInput in =
        FlightInput.builder(new FlightAddress("127.0.0.1", port, false), allocator).build()) {
      assertThatThrownBy(() -> in.info("ttp_events"))
          .isInstanceOf(FlowctlException.class)
          .hasMessageContaining("127.0.0.1:" + port)
          .hasMessageContaining("unreachable")
          .extracting(e -> ((FlowctlException) e).code())
          .isEqualTo(FlowctlException.Code.UNAVAILABLE);
    }
  }
}
