package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.cli.ExitCodes;
import io.flowctl.client.Flowctl;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.stream.internal.V1Events;
import io.flowctl.flight.FlightAddress;
import io.flowctl.flight.FlightBatches;
import io.flowctl.flight.FlightInput;
import io.flowctl.flight.FlightSource;
import io.flowctl.flight.FlightTicket;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.registry.ServiceState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Arrow Flight against peers written outside Java ({@code src/test/node/flight-peer.mjs}: Node's
 * {@code @grpc/grpc-js} with Arrow Flight's own Flight.proto, Arrow JS for the IPC messages): a
 * stand-in replaying the plan's stellar-arrow-source on the wire, read by our client and bridged
 * into a pipeline; and a Flight client reading a Java source's batches.
 */
class FlightInteropTest {
  static final Path NODE = GoStyleComponentsRunTest.NODE;
  static final Path PROTOS = GoStyleComponentsRunTest.PROTOS;

  @TempDir Path dir;
  private BufferAllocator allocator;
  private final List<Process> processes = new ArrayList<>();

  @BeforeEach
  void setUp() {
    assertThat(NODE.resolve("node_modules/@grpc/grpc-js"))
        .as("Node packages: bin/test runs npm ci in " + NODE)
        .exists();
    allocator = new RootAllocator(512L << 20);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : processes) {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
      p.destroyForcibly();
    }
    allocator.close();
  }

  /** Arrow Java's Flight.proto, taken from the flight-core jar this build uses. */
  private Path flightProtoDir() throws Exception {
    Path d = Files.createDirectories(dir.resolve("flight-proto"));
    try (InputStream in = FlightInfo.class.getResourceAsStream("/Flight.proto")) {
      assertThat(in).as("flight-core carries Flight.proto").isNotNull();
      Files.copy(in, d.resolve("Flight.proto"));
    }
    return d;
  }

  private Process node(String role, Map<String, String> env, String log) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("node", NODE.resolve("flight-peer.mjs").toString(), role);
    pb.environment().put("FLIGHT_PROTO_DIR", flightProtoDir().toString());
    pb.environment().put("FLOWCTL_PROTO_DIR", PROTOS.toString());
    pb.environment().putAll(env);
    Process p = pb.redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
    processes.add(p);
    return p;
  }

  /** The stand-in, once its Flight port answers. */
  private int standIn(Map<String, String> extra) throws Exception {
    int port = ComponentProcessesTest.freePort();
    Map<String, String> env = new HashMap<>(extra);
    env.put("ARROW_PORT", Integer.toString(port));
    env.put("HEALTH_PORT", Integer.toString(ComponentProcessesTest.freePort()));
    Process p = node("stellar-arrow-source", env, "stand-in-" + port + ".log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.readString(dir.resolve("stand-in-" + port + ".log")).contains("Flight on")) {
      assertThat(p.isAlive()).as(() -> log("stand-in-" + port + ".log")).isTrue();
      assertThat(System.nanoTime()).as("the stand-in starts").isLessThan(deadline);
      Thread.sleep(50);
    }
    return port;
  }

  private String log(String name) {
    try {
      return Files.readString(dir.resolve(name));
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  /** Token-transfer row i of the Node peers (ttp-rows.mjs): amount 1e9 + 1000 i. */
  private static long amounts(int fromRow, int toRow) {
    long sum = 0;
    for (int i = fromRow; i < toRow; i++) {
      sum += 1_000_000_000L + i * 1000L;
    }
    return sum;
  }

  private static long sumAmounts(VectorSchemaRoot root) {
    BigIntVector amount = (BigIntVector) root.getVector("amount");
    long s = 0;
    for (int i = 0; i < root.getRowCount(); i++) {
      s += amount.get(i);
    }
    return s;
  }

  @Test
  void ourClientReadsTheStandIn_byPathThroughItsLocation_andItRegistersAsTheGoSourceDoes()
      throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("sqlite:" + dir.resolve("cp.db"))
            .start()) {
      int port =
          standIn(
              Map.of(
                  "FLOWCTL_ENABLED", "true",
                  "FLOWCTL_ENDPOINT", "127.0.0.1:" + cp.port(),
                  "FLOWCTL_HEARTBEAT_INTERVAL", "1s"));
      // its legacy registration and heartbeats, as stellar-arrow-source's flowctl.go sends them
      ServiceState s = awaitRegistered(cp);
      assertThat(s.info().getOutputEventTypesList())
          .containsExactly("raw_ledger_service.RawLedgerChunk");
      assertThat(s.info().getMetadataMap())
          .containsEntry("data_format", "apache_arrow")
          .containsEntry("ledger_type", "stellar");
      assertThat(s.info().getHealthEndpoint()).endsWith("/health");
      long beat = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (cp.services().status(s.serviceId()).orElseThrow().metrics().isEmpty()) {
        assertThat(System.nanoTime()).as("a heartbeat with metrics").isLessThan(beat);
        Thread.sleep(100);
      }
      assertThat(cp.services().status(s.serviceId()).orElseThrow().metrics())
          .containsKeys("success_count", "total_processed", "last_successful_sequence");

      try (FlightInput in =
          FlightInput.builder(new FlightAddress("127.0.0.1", port, false), allocator).build()) {
        FlightInfo info = in.info("ttp_events");
        assertThat(info.getEndpoints().get(0).getLocations().get(0).getUri().toString())
            .isEqualTo("arrow-flight://localhost:" + port);
        assertThat(info.getRecords()).isEqualTo(-1);
        assertThat(info.getSchemaOptional().orElseThrow())
            .isEqualTo(io.flowctl.examples.TtpEvents.SCHEMA);
        // by path (its ticket is the path joined by ':'), redeemed on the service asked
        long rows = 0;
        long sum = 0;
        try (FlightBatches b = in.readPath("ttp_events", "1000", "1009")) {
          while (b.next()) {
            rows += b.root().getRowCount();
            sum += sumAmounts(b.root());
          }
        }
        assertThat(rows).isEqualTo(100);
        assertThat(sum).isEqualTo(amounts(0, 100));
        // its stellar_ledger schema and rows, one per ledger
        try (FlightBatches b = in.read(FlightTicket.parse("stellar_ledger:2000:2006"))) {
          var schema = b.schema();
          assertThat(schema.findField("ledger_close_time").getType())
              .isEqualTo(
                  new ArrowType.Timestamp(
                      org.apache.arrow.vector.types.TimeUnit.MICROSECOND, "UTC"));
          assertThat(schema.findField("ledger_hash").getType())
              .isEqualTo(new ArrowType.FixedSizeBinary(32));
          assertThat(schema.getFields()).hasSize(14).noneMatch(f -> f.isNullable());
          List<Long> ledgers = new ArrayList<>();
          while (b.next()) {
            UInt4Vector seq = (UInt4Vector) b.root().getVector("ledger_sequence");
            for (int i = 0; i < b.root().getRowCount(); i++) {
              ledgers.add(seq.getValueAsLong(i));
            }
          }
          assertThat(ledgers).containsExactly(2000L, 2001L, 2002L, 2003L, 2004L, 2005L, 2006L);
        }
        // a live ticket (no end): closing the reader ends it
        try (FlightBatches b = in.read(FlightTicket.parse("ttp_events"))) {
          assertThat(b.next()).isTrue();
        }
      }
      // as docs/flight.md shows it
      long rowsRead = 0;
      // region read-flight
      try (BufferAllocator allocator = new RootAllocator(1L << 30);
          FlightInput in =
              FlightInput.builder(FlightAddress.parse("localhost:" + port), allocator)
                  .token(System.getenv("FLIGHT_TOKEN")) // optional bearer token
                  .build();
          FlightBatches batches = in.read(FlightTicket.parse("ttp_events:1000:1999"))) {
        while (batches.next()) {
          VectorSchemaRoot batch = batches.root(); // valid until the next call
          rowsRead += batch.getRowCount();
        }
      }
      // endregion
      assertThat(rowsRead).isEqualTo(10_000);
      // the command line against it
      String endpoint = "127.0.0.1:" + port;
      CliRunner info = CliRunner.run("flight", "info", endpoint, "stellar_ledger", "--json");
      assertThat(info.status()).as(info.err()).isEqualTo(ExitCodes.OK);
      JsonNode json = new ObjectMapper().readTree(info.out());
      assertThat(json.get("schema").get("fields")).hasSize(14);
      assertThat(json.get("endpoints").get(0).get("ticket").asText()).isEqualTo("stellar_ledger");
      assertThat(json.get("endpoints").get(0).get("locations").get(0).asText())
          .isEqualTo("arrow-flight://localhost:" + port);
      Path file = dir.resolve("ttp.arrows");
      CliRunner get =
          CliRunner.run(
              "flight", "get", endpoint, "ttp_events:1000:1004", "--out", file.toString());
      assertThat(get.status()).as(get.err()).isEqualTo(ExitCodes.OK);
      assertThat(get.out()).contains("50 rows");
      CliRunner inspect = CliRunner.run("inspect", file.toString());
      assertThat(inspect.out()).containsPattern("rows:\\s+50");
      CliRunner list = CliRunner.run("flight", "list", endpoint);
      assertThat(list.status()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(list.err().strip()).contains("does not implement").doesNotContain("\n");
      int closed = ComponentProcessesTest.freePort();
      CliRunner unreachable = CliRunner.run("flight", "info", "127.0.0.1:" + closed, "ttp_events");
      assertThat(unreachable.status()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(unreachable.err().strip())
          .contains("127.0.0.1:" + closed)
          .contains("unreachable")
          .doesNotContain("\n");
    }
  }

  private ServiceState awaitRegistered(FlowctlServer cp) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      Optional<ServiceState> s =
          cp.services().list().stream()
              .filter(
                  x ->
                      x.info()
                          .getOutputEventTypesList()
                          .contains("raw_ledger_service.RawLedgerChunk"))
              .findFirst();
      if (s.isPresent()) {
        return s.get();
      }
      assertThat(System.nanoTime()).as("the stand-in registers").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  @Test
  void aNodeFlightClientReadsTheExampleTtpSource() throws Exception {
    try (FlowctlServer controlPlane =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store("sqlite:" + dir.resolve("cp2.db"))
            .start()) {
      readTheTtpSource(controlPlane);
    }
  }

  private void readTheTtpSource(FlowctlServer controlPlane) throws Exception {
    int flightPort = ComponentProcessesTest.freePort();
    try (ComponentProcess source =
        ComponentProcess.start(
            "ttp-source",
            dir,
            Map.of(
                "FLIGHT_PORT", Integer.toString(flightPort),
                "TTP_BATCHES", "4",
                "TTP_ROWS", "250",
                "ENABLE_FLOWCTL", "true",
                "FLOWCTL_ENDPOINT", "127.0.0.1:" + controlPlane.port()))) {
      readTheTtpSource(controlPlane, flightPort);
    }
  }

  private void readTheTtpSource(FlowctlServer controlPlane, int flightPort) throws Exception {
    // where it serves Flight is in its registration, and flowctl services shows it
    long registered = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (controlPlane.services().status("ttp-source").isEmpty()) {
      assertThat(System.nanoTime()).as("ttp-source registers").isLessThan(registered);
      Thread.sleep(50);
    }
    assertThat(controlPlane.services().status("ttp-source").orElseThrow().info().getMetadataMap())
        .containsEntry("flight_endpoint", "grpc+tcp://127.0.0.1:" + flightPort);
    CliRunner services = CliRunner.run("services", "--server", "127.0.0.1:" + controlPlane.port());
    assertThat(services.out()).contains("flight: grpc+tcp://127.0.0.1:" + flightPort);
    Path report = dir.resolve("client.json");
    Process client =
        node(
            "flight-client",
            Map.of(
                "ENDPOINT",
                "127.0.0.1:" + flightPort,
                "STREAM",
                "ttp_events",
                "REPORT",
                report.toString()),
            "client.log");
    assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
    JsonNode got = new ObjectMapper().readTree(Files.readString(report));
    assertThat(got.has("error")).as(got.toString()).isFalse();
    assertThat(got.get("flights")).extracting(JsonNode::asText).containsExactly("ttp_events");
    assertThat(got.get("fields")).hasSize(io.flowctl.examples.TtpEvents.SCHEMA.getFields().size());
    assertThat(got.get("fields").get(0).get("name").asText()).isEqualTo("ledger_sequence");
    assertThat(got.get("endpoints").get(0).get("locations").get(0).asText())
        .isEqualTo("grpc+tcp://127.0.0.1:" + flightPort);
    assertThat(got.get("rows").asLong()).isEqualTo(1000);
    assertThat(got.get("batches").asInt()).isEqualTo(4);
    // the values the example source makes (its generator, seed 42; the first stream gets its
    // first batches), summed here: Arrow JS read them value for value
    long sum = 0;
    io.flowctl.examples.TtpEvents generator = new io.flowctl.examples.TtpEvents(42);
    for (int i = 0; i < 4; i++) {
      try (VectorSchemaRoot b = generator.next(250, allocator)) {
        sum += sumAmounts(b);
      }
    }
    assertThat(got.get("amount").asText()).isEqualTo(Long.toString(sum));
  }

  @Test
  void theBridgeResumesABrokenStandInStream_everyRowOnce() throws Exception {
    int port = standIn(Map.of("BREAK_AFTER", "1", "BATCH_LEDGERS", "3"));
    ComponentConfig config =
        ComponentConfig.builder("flight-source")
            .bindHost("127.0.0.1")
            .port(0)
            .healthPort(0)
            .build();
    try (Flowctl.Component bridge =
        FlightSource.builder(
                "flight-source", FlightAddress.parse("grpc://127.0.0.1:" + port), "ttp_events")
            .config(config)
            .retries(3, java.time.Duration.ofMillis(20))
            .build()
            .start()) {
      ManagedChannel ch = NettyChannelBuilder.forTarget(bridge.endpoint()).usePlaintext().build();
      try {
        Iterator<io.flowctl.proto.v1.Event> events =
            SourceServiceGrpc.newBlockingStub(ch)
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .streamEvents(
                    StreamRequest.newBuilder()
                        .putParams("start_ledger", "1000")
                        .putParams("end_ledger", "1019")
                        .build());
        ArrowEventCodec codec = ArrowEventCodec.builder().eventType("x").build();
        Map<Long, Integer> perLedger = new java.util.TreeMap<>();
        long sum = 0;
        while (events.hasNext()) {
          io.flowctl.proto.v1.Event e = events.next();
          assertThat(e.getType()).isEqualTo("arrow_data.TTPEventBatch");
          try (ArrowEventReader r = codec.decode(V1Events.fromV1(e), allocator)) {
            while (r.loadNextBatch()) {
              UInt4Vector seq = (UInt4Vector) r.root().getVector("ledger_sequence");
              for (int i = 0; i < r.root().getRowCount(); i++) {
                perLedger.merge(seq.getValueAsLong(i), 1, Integer::sum);
              }
              sum += sumAmounts(r.root());
            }
          }
        }
        assertThat(perLedger).hasSize(20).allSatisfy((l, n) -> assertThat(n).isEqualTo(10));
        assertThat(sum).isEqualTo(amounts(0, 200));
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void aRunFromTheStandInThroughTheBridgeAndTheJavaTotalsToAGoStyleConsumer() throws Exception {
    int port = standIn(Map.of("BATCH_LEDGERS", "10"));
    Path report = dir.resolve("report.json");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    String yaml =
        """
        apiVersion: flowctl/v1
        kind: Pipeline
        metadata:
          name: flight-bridge
        spec:
          sources:
            - id: stellar-flight
              command: ["%1$s", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m", "-cp", "%2$s", "io.flowctl.cli.Main", "component", "flight-source"]
              env:
                PORT: ":%3$d"
                HEALTH_PORT: "%4$d"
                FLIGHT_ENDPOINT: "grpc://127.0.0.1:%5$d"
                FLIGHT_STREAM: "ttp_events"
                START_LEDGER: "1000"
                END_LEDGER: "1099"
          processors:
            - id: java-totals
              command: ["%1$s", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Xmx512m", "-cp", "%2$s", "io.flowctl.cli.Main", "component", "asset-totals"]
              inputs: [stellar-flight]
              env:
                PORT: ":%6$d"
                HEALTH_PORT: "%7$d"
                BATCH_SIZE: "100"
                ARROW_COMPRESSION: "none"
          sinks:
            - id: node-sink
              command: ["node", "%8$s/go-style-component.mjs", "consumer"]
              inputs: [java-totals]
              env:
                PORT: ":%9$d"
                REPORT: "%10$s"
                FLOWCTL_PROTO_DIR: "%11$s"
        """
            .formatted(
                java,
                cp,
                ComponentProcessesTest.freePort(),
                ComponentProcessesTest.freePort(),
                port,
                ComponentProcessesTest.freePort(),
                ComponentProcessesTest.freePort(),
                NODE,
                ComponentProcessesTest.freePort(),
                report,
                PROTOS);
    Path file = Files.writeString(dir.resolve("flight.yaml"), yaml);
    CliRunner r = CliRunner.run("run", file.toString(), "--data", dir.resolve("data").toString());
    assertThat(r.status()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("RUN_STATUS_COMPLETED");
    JsonNode got = new ObjectMapper().readTree(Files.readString(report));
    assertThat(got.get("failed").asInt()).isZero();
    Map<String, List<String>> totals = new java.util.TreeMap<>();
    got.get("totals")
        .fields()
        .forEachRemaining(
            e ->
                totals.put(
                    e.getKey(),
                    List.of(e.getValue().get(0).asText(), e.getValue().get(1).asText())));
    // ledgers 1000-1099 are the Node peers' rows 0-999, the same the Go-style source sends
    assertThat(totals).isEqualTo(GoStyleComponentsRunTest.expected());
  }
}
