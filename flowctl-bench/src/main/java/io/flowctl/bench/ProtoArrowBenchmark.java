package io.flowctl.bench;

import asset.AssetOuterClass.Asset;
import asset.AssetOuterClass.IssuedAsset;
import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import io.flowctl.client.Flowctl;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.protobuf.ProtoArrow;
import io.flowctl.client.protobuf.ProtoConversion;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.flowctl.schema.OwnedBatch;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import token_transfer.TokenTransferEventOuterClass.Burn;
import token_transfer.TokenTransferEventOuterClass.EventMeta;
import token_transfer.TokenTransferEventOuterClass.Mint;
import token_transfer.TokenTransferEventOuterClass.TokenTransferEvent;
import token_transfer.TokenTransferEventOuterClass.Transfer;

/**
 * flow-proto's TokenTransferEvent, 1,000 serialized messages per operation (scores are messages per
 * second): protobuf to Arrow ({@code ProtoArrow}, parsing the wire format into vectors) against
 * protobuf-java's generated {@code parseFrom} and {@code DynamicMessage} parsing of the same bytes;
 * Arrow to protobuf against generated {@code toByteArray} from objects; and the format-conversion
 * processor end to end over a loopback {@code Process} call (1,000 events in, one 1,000-row batch
 * out) against the library call alone, with and without encoding the batch as an event.
 */
@OperationsPerInvocation(ProtoArrowBenchmark.MESSAGES)
public class ProtoArrowBenchmark extends ThroughputBenchmark {
  static final int MESSAGES = 1000;

  private BufferAllocator allocator;
  private final List<byte[]> wire = new ArrayList<>();
  private final List<TokenTransferEvent> objects = new ArrayList<>();
  private ProtoArrow converter;
  private OwnedBatch batch;
  private ArrowEventCodec codec;
  private Flowctl.Component component;
  private ManagedChannel channel;
  private io.grpc.Server bare;
  private ManagedChannel bareChannel;
  private final List<io.flowctl.proto.v1.Event> events = new ArrayList<>();

  static TokenTransferEvent event(int i) {
    EventMeta.Builder meta =
        EventMeta.newBuilder()
            .setLedgerSequence(50_000_000 + i / 100)
            .setClosedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L + i).setNanos(i))
            .setTxHash(String.format("%064x", i))
            .setTransactionIndex(i % 50)
            .setContractAddress("CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA");
    if (i % 2 == 0) {
      meta.setOperationIndex(i % 7);
    }
    Asset held =
        i % 3 == 0
            ? Asset.newBuilder().setNative(true).build()
            : Asset.newBuilder()
                .setIssuedAsset(
                    IssuedAsset.newBuilder()
                        .setAssetCode("USDC")
                        .setIssuer("GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN"))
                .build();
    TokenTransferEvent.Builder b = TokenTransferEvent.newBuilder().setMeta(meta);
    String account = "GBRPYHIL2CI3FNQ4BXLFMNDLFJUNPU2HY3ZMFSHONUCEOASW7QC7OX2H";
    switch (i % 4) {
      case 0, 1 ->
          b.setTransfer(
              Transfer.newBuilder()
                  .setFrom(account)
                  .setTo(account)
                  .setAsset(held)
                  .setAmount(Long.toString(1_000_000L * i)));
      case 2 -> b.setMint(Mint.newBuilder().setTo(account).setAsset(held).setAmount("100"));
      default -> b.setBurn(Burn.newBuilder().setFrom(account).setAsset(held).setAmount("5"));
    }
    return b.build();
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    allocator = new RootAllocator(1L << 30);
    for (int i = 0; i < MESSAGES; i++) {
      TokenTransferEvent e = event(i);
      objects.add(e);
      wire.add(e.toByteArray());
      events.add(
          io.flowctl.proto.v1.Event.newBuilder()
              .setId("e" + i)
              .setType("token_transfer.TokenTransferEvent")
              .setPayload(ByteString.copyFrom(wire.get(i)))
              .setContentType("application/protobuf")
              .build());
    }
    converter = ProtoArrow.builder(TokenTransferEvent.getDescriptor()).maxRows(MESSAGES).build();
    batch = converter.toArrow(wire, allocator);
    codec = ArrowEventCodec.builder().eventType("arrow_data.TokenTransferBatch").build();
    component =
        Flowctl.processor("proto-to-arrow")
            .convert(
                ProtoConversion.builder()
                    .toArrow(TokenTransferEvent.getDescriptor(), "arrow_data.TokenTransferBatch")
                    .build())
            .compression(Compression.LZ4)
            .config(
                ComponentConfig.builder("proto-to-arrow")
                    .port(0)
                    .healthPort(0)
                    .batchSize(MESSAGES)
                    .batchTimeout(Duration.ofMinutes(10))
                    .build())
            .build()
            .start();
    channel =
        NettyChannelBuilder.forTarget(component.endpoint())
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
    // The transport alone: a Process that takes every event and answers one at the end.
    bare =
        io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                new java.net.InetSocketAddress("127.0.0.1", 0))
            .directExecutor() // the transport at its fastest: no hop to another thread per message
            .addService(
                new ProcessorServiceGrpc.ProcessorServiceImplBase() {
                  @Override
                  public StreamObserver<io.flowctl.proto.v1.Event> process(
                      StreamObserver<io.flowctl.proto.v1.Event> out) {
                    return new StreamObserver<>() {
                      private io.flowctl.proto.v1.Event last;

                      @Override
                      public void onNext(io.flowctl.proto.v1.Event e) {
                        last = e;
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onNext(last);
                        out.onCompleted();
                      }
                    };
                  }
                })
            .build()
            .start();
    bareChannel =
        NettyChannelBuilder.forAddress("127.0.0.1", bare.getPort())
            .usePlaintext()
            .maxInboundMessageSize(64 << 20)
            .build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    channel.shutdownNow();
    bareChannel.shutdownNow();
    bare.shutdownNow();
    component.close();
    batch.close();
    allocator.close();
  }

  @Benchmark
  public void generatedParseFrom(Blackhole bh) throws Exception {
    for (byte[] m : wire) {
      bh.consume(TokenTransferEvent.parseFrom(m));
    }
  }

  @Benchmark
  public void dynamicMessageParse(Blackhole bh) throws Exception {
    for (byte[] m : wire) {
      bh.consume(DynamicMessage.parseFrom(TokenTransferEvent.getDescriptor(), m));
    }
  }

  @Benchmark
  public int protoToArrow() {
    try (OwnedBatch b = converter.toArrow(wire, allocator)) {
      return b.root().getRowCount();
    }
  }

  /** The library call and the IPC event of its batch (LZ4), as the processor emits it. */
  @Benchmark
  public Event protoToArrowEvent() {
    try (OwnedBatch b = converter.toArrow(wire, allocator)) {
      return codec.encode(b.root(), b.dictionaries());
    }
  }

  @Benchmark
  public void generatedToByteArray(Blackhole bh) {
    for (TokenTransferEvent e : objects) {
      bh.consume(e.toByteArray());
    }
  }

  @Benchmark
  public List<byte[]> arrowToProto() {
    return converter.toProto(batch.root(), batch.dictionaries());
  }

  /** 1,000 protobuf events through the processor's Process call: one 1,000-row batch back. */
  @Benchmark
  public int processorOverProcess() throws Exception {
    return processCall(channel);
  }

  /**
   * The same 1,000 events through a Process call that does nothing with them and answers one event
   * at the end: what gRPC's per-message streaming alone costs on loopback.
   */
  @Benchmark
  public int bareProcessStream() throws Exception {
    return processCall(bareChannel);
  }

  private int processCall(ManagedChannel channel) throws Exception {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    int[] got = {0};
    StreamObserver<io.flowctl.proto.v1.Event> in =
        ProcessorServiceGrpc.newStub(channel)
            .process(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.flowctl.proto.v1.Event e) {
                    got[0]++;
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(got[0]);
                  }
                });
    for (io.flowctl.proto.v1.Event e : events) {
      in.onNext(e);
    }
    in.onCompleted();
    int outputs = done.get(60, TimeUnit.SECONDS);
    if (outputs != 1) {
      throw new IllegalStateException("expected one batch, got " + outputs);
    }
    return outputs;
  }
}
