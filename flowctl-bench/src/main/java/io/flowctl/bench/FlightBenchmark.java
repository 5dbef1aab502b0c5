package io.flowctl.bench;

import io.flowctl.client.Flowctl;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.flight.FlightAddress;
import io.flowctl.flight.FlightSource;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.testing.BatchData;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Arrow Flight both ways, rows per second over loopback, 16 token-transfer batches of 4,096 rows a
 * stream: a Java SDK source serving its batches over Flight ({@code serveFlight}) against Arrow
 * Java's own FlightServer serving the same prebuilt batches, both read with Arrow's FlightClient;
 * and the flight-source bridge's {@code StreamEvents} of that Flight stream (events received, as a
 * consumer gets them) against the plain {@code DoGet} of it.
 */
@OperationsPerInvocation(FlightBenchmark.BATCHES * FlightBenchmark.ROWS)
public class FlightBenchmark extends ThroughputBenchmark {
  static final int BATCHES = 16;
  static final int ROWS = 4096;

  private BufferAllocator allocator;
  private final List<BatchData.Written> batches = new ArrayList<>();
  private FlightServer arrowServer;
  private FlightClient arrowClient;
  private Flowctl.Component source;
  private FlightClient sourceClient;
  private Flowctl.Component bridge;
  private ManagedChannel bridgeChannel;
  private io.grpc.Server relay;
  private ManagedChannel relayUpstream;
  private ManagedChannel relayChannel;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    allocator = new RootAllocator();
    for (int b = 0; b < BATCHES; b++) {
      batches.add(TtpData.rows(ROWS).write(allocator));
    }
    var schema = batches.get(0).root().getSchema();
    arrowServer =
        FlightServer.builder(
                allocator,
                Location.forGrpcInsecure("127.0.0.1", 0),
                new PrebuiltFlight(batches, allocator) {
                  @Override
                  public org.apache.arrow.flight.FlightInfo getFlightInfo(
                      CallContext context, org.apache.arrow.flight.FlightDescriptor descriptor) {
                    return new org.apache.arrow.flight.FlightInfo(
                        schema,
                        descriptor,
                        List.of(
                            new org.apache.arrow.flight.FlightEndpoint(
                                new Ticket("ttp_events".getBytes()))),
                        -1,
                        -1);
                  }
                })
            .build()
            .start();
    arrowClient =
        FlightClient.builder(
                allocator, Location.forGrpcInsecure("127.0.0.1", arrowServer.getPort()))
            .build();
    source =
        Flowctl.source("bench-flight")
            .config(config("bench-flight"))
            .output("arrow_data.TTPEventBatch", schema)
            .produce(
                out -> {
                  for (BatchData.Written w : batches) {
                    out.emit(w.root());
                  }
                })
            .serveFlight(0)
            .build()
            .start();
    URI uri = URI.create(source.flightEndpoint().orElseThrow());
    sourceClient =
        FlightClient.builder(allocator, Location.forGrpcInsecure(uri.getHost(), uri.getPort()))
            .build();
    bridge =
        FlightSource.builder(
                "bench-bridge",
                new FlightAddress("127.0.0.1", arrowServer.getPort(), false),
                "ttp_events")
            .config(config("bench-bridge"))
            .build()
            .start();
    bridgeChannel = NettyChannelBuilder.forTarget(bridge.endpoint()).usePlaintext().build();
    relayUpstream =
        NettyChannelBuilder.forAddress("127.0.0.1", arrowServer.getPort()).usePlaintext().build();
    relay =
        io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                new java.net.InetSocketAddress("127.0.0.1", 0))
            .addService(
                new SourceServiceGrpc.SourceServiceImplBase() {
                  @Override
                  public void streamEvents(
                      StreamRequest request,
                      io.grpc.stub.StreamObserver<io.flowctl.proto.v1.Event> out) {
                    Iterator<org.apache.arrow.flight.impl.Flight.FlightData> in =
                        org.apache.arrow.flight.impl.FlightServiceGrpc.newBlockingStub(
                                relayUpstream)
                            .doGet(
                                org.apache.arrow.flight.impl.Flight.Ticket.newBuilder()
                                    .setTicket(
                                        com.google.protobuf.ByteString.copyFromUtf8("ttp_events"))
                                    .build());
                    int n = 0;
                    while (in.hasNext()) {
                      var d = in.next();
                      out.onNext(
                          io.flowctl.proto.v1.Event.newBuilder()
                              .setId(Integer.toString(++n))
                              .setType("arrow_data.TTPEventBatch")
                              .setPayload(d.getDataHeader().concat(d.getDataBody()))
                              .build());
                    }
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    relayChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", relay.getPort()).usePlaintext().build();
  }

  /** A component on loopback, its events uncompressed (as a pipeline on one host would set). */
  private static ComponentConfig config(String id) {
    return ComponentConfig.builder(id)
        .bindHost("127.0.0.1")
        .port(0)
        .healthPort(0)
        .arrowCompression("none")
        .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    bridgeChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    relayChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    relayUpstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    relay.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    bridge.close();
    sourceClient.close();
    source.close();
    arrowClient.close();
    arrowServer.close();
    batches.forEach(BatchData.Written::close);
    allocator.close();
  }

  private static long read(FlightClient client, String ticket) throws Exception {
    long rows = 0;
    try (FlightStream s = client.getStream(new Ticket(ticket.getBytes()))) {
      while (s.next()) {
        rows += s.getRoot().getRowCount();
      }
    }
    return rows;
  }

  /** Baseline: Arrow Java's FlightServer putting the prebuilt batches, read with DoGet. */
  @Benchmark
  public long arrowFlightServerDoGet() throws Exception {
    return read(arrowClient, "ttp_events");
  }

  /** A Java SDK source serving the same batches over Flight, read with DoGet. */
  @Benchmark
  public long sourceServingFlightDoGet() throws Exception {
    return read(sourceClient, "ttp_events");
  }

  /**
   * The floor of any bridge: the same stream's FlightData relayed byte for byte as events by a bare
   * gRPC service (no Arrow work, no flow control), received as the bridge's are. Two hops of the
   * same bytes where DoGet is one.
   */
  @Benchmark
  public long twoHopRelayStreamEvents() {
    return events(relayChannel);
  }

  private static long events(ManagedChannel channel) {
    long bytes = 0;
    Iterator<io.flowctl.proto.v1.Event> it =
        SourceServiceGrpc.newBlockingStub(channel).streamEvents(StreamRequest.getDefaultInstance());
    while (it.hasNext()) {
      bytes += it.next().getPayload().size();
    }
    return bytes;
  }

  /** The flight-source bridge's StreamEvents of the Arrow server's stream: every event received. */
  @Benchmark
  public long flightSourceStreamEvents() {
    return events(bridgeChannel);
  }
}
