package io.flowctl.bench;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.control.SchemaLookup;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.client.stream.internal.V1Events;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.Event;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.server.FlowctlServer;
import io.flowctl.testing.BatchData;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Streams of 16 token-transfer batches of 4,096 rows over loopback gRPC, source to sink: ours (a v1
 * {@code StreamEvents} source encoding each batch, a consumer decoding it) against Arrow Flight's
 * {@code DoGet} of the same batches, and against a gRPC stream of the same bytes pre-serialized
 * (our overhead alone). Also control-plane RPCs against a bare unary RPC, and a cached schema
 * lookup against the RPC.
 */
public class StreamingBenchmark extends ThroughputBenchmark {
  static final int BATCHES = 16;
  static final int ROWS = 4096;

  private BufferAllocator allocator;
  private final List<BatchData.Written> batches = new ArrayList<>();
  private final List<Event> encoded = new ArrayList<>();
  private Server ours;
  private Server raw;
  private FlightServer flight;
  private FlightClient flightClient;
  private ManagedChannel oursChannel;
  private ManagedChannel rawChannel;
  private FlowctlServer controlPlane;
  private ManagedChannel cpChannel;
  private ControlPlaneGrpc.ControlPlaneBlockingStub cp;
  private HealthGrpc.HealthBlockingStub health;
  private SchemaLookup lookup;
  private Fingerprint fingerprint;
  private ArrowEventCodec codec;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    allocator = new RootAllocator();
    codec = ArrowEventCodec.defaults();
    for (int b = 0; b < BATCHES; b++) {
      BatchData.Written w = TtpData.rows(ROWS).write(allocator);
      batches.add(w);
      encoded.add(codec.encode(w.root()));
    }
    ours =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new ArrowSourceService(
                    "bench",
                    resume -> {
                      Iterator<BatchData.Written> it = batches.iterator();
                      int[] n = {0};
                      return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                          return it.hasNext();
                        }

                        @Override
                        public ArrowSourceService.Identified next() {
                          return new ArrowSourceService.Identified(
                              Integer.toString(++n[0]), codec.encode(it.next().root()));
                        }
                      };
                    }))
            .build()
            .start();
    raw =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new SourceServiceGrpc.SourceServiceImplBase() {
                  @Override
                  public void streamEvents(
                      StreamRequest request, StreamObserver<io.flowctl.proto.v1.Event> out) {
                    int n = 0;
                    for (Event e : encoded) {
                      out.onNext(V1Events.toV1(Integer.toString(++n), "raw", e));
                    }
                    out.onCompleted();
                  }
                })
            .build()
            .start();
    oursChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", ours.getPort()).usePlaintext().build();
    rawChannel = NettyChannelBuilder.forAddress("127.0.0.1", raw.getPort()).usePlaintext().build();

    Location location = Location.forGrpcInsecure("127.0.0.1", 0);
    flight =
        FlightServer.builder(allocator, location, new PrebuiltFlight(batches, allocator))
            .build()
            .start();
    flightClient =
        FlightClient.builder(allocator, Location.forGrpcInsecure("127.0.0.1", flight.getPort()))
            .build();

    controlPlane = FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start();
    cpChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", controlPlane.port()).usePlaintext().build();
    cp = ControlPlaneGrpc.newBlockingStub(cpChannel);
    health = HealthGrpc.newBlockingStub(cpChannel);
    cp.register(
        ServiceInfo.newBuilder()
            .setServiceId("bench")
            .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
            .addOutputEventTypes("arrow_data.TTPEventBatch")
            .build());
    cp.registerSchema(
        SchemaRegistration.newBuilder()
            .setServiceId("bench")
            .setSchemaInfo(
                SchemaInfo.newBuilder()
                    .setEventType("arrow_data.TTPEventBatch")
                    .setSchemaDefinition(
                        com.google.protobuf.ByteString.copyFrom(
                            io.flowctl.ipc.ArrowIpc.schemaStream(TtpData.schema()))))
            .build());
    fingerprint = SchemaFingerprints.structural(TtpData.schema());
    lookup = SchemaLookup.builder(cpChannel).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    flightClient.close();
    flight.close();
    for (ManagedChannel c : List.of(oursChannel, rawChannel, cpChannel)) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    ours.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    controlPlane.close();
    batches.forEach(BatchData.Written::close);
    allocator.close();
  }

  /** Ours: encode at the source, decode and load every batch at the sink. */
  @Benchmark
  public long streamOurs() {
    long rows = 0;
    Iterator<io.flowctl.proto.v1.Event> it =
        SourceServiceGrpc.newBlockingStub(oursChannel)
            .streamEvents(StreamRequest.getDefaultInstance());
    while (it.hasNext()) {
      Event e = V1Events.fromV1(it.next());
      try (ArrowEventReader in = codec.decode(e, allocator)) {
        while (in.loadNextBatch()) {
          rows += in.root().getRowCount();
        }
      }
    }
    return rows;
  }

  /** Baseline: the same bytes, pre-serialized, streamed and not decoded. */
  @Benchmark
  public long streamPreSerializedBytes() {
    long bytes = 0;
    Iterator<io.flowctl.proto.v1.Event> it =
        SourceServiceGrpc.newBlockingStub(rawChannel)
            .streamEvents(StreamRequest.getDefaultInstance());
    while (it.hasNext()) {
      bytes += it.next().getPayload().size();
    }
    return bytes;
  }

  /** Baseline: Arrow Flight DoGet of the same batches. */
  @Benchmark
  public long streamFlight() throws Exception {
    long rows = 0;
    try (FlightStream s = flightClient.getStream(new Ticket(new byte[] {1}))) {
      while (s.next()) {
        rows += s.getRoot().getRowCount();
      }
    }
    return rows;
  }

  @Benchmark
  public Object heartbeat() {
    return cp.heartbeat(
        ServiceHeartbeat.newBuilder()
            .setServiceId("bench")
            .putMetrics("arrow_rows_per_second", 1.0)
            .build());
  }

  @Benchmark
  public Object register() {
    return cp.register(
        ServiceInfo.newBuilder()
            .setServiceId("bench")
            .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
            .addOutputEventTypes("arrow_data.TTPEventBatch")
            .build());
  }

  /** Baseline: a bare unary RPC on the same channel (gRPC health check). */
  @Benchmark
  public Object emptyUnary() {
    return health.check(HealthCheckRequest.getDefaultInstance());
  }

  @Benchmark
  public Object schemaLookupRpc() {
    return cp.getSchema(
        SchemaRequest.newBuilder()
            .setEventType("arrow_data.TTPEventBatch")
            .setSchemaFingerprint(fingerprint.toString())
            .build());
  }

  @Benchmark
  public Object schemaLookupCached() {
    return lookup.byFingerprint("arrow_data.TTPEventBatch", fingerprint);
  }
}
