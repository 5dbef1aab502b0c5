package io.flowctl.client.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.stream.internal.ArrowConsumerService;
import io.flowctl.client.stream.internal.ArrowProcessorService;
import io.flowctl.client.stream.internal.V1Events;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.StellarCursor;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole v1 data plane called the way a Go peer built from flow-proto v0.1.3 calls it: method
 * names and messages encoded by hand from upstream's field numbers, no generated Java class on the
 * calling side, over real gRPC on loopback. The Java side is the library's own source, processor
 * and consumer services.
 */
class GoDataPlaneWireTest {
  private BufferAllocator allocator;
  private Server server;
  private ManagedChannel channel;
  private final List<String> consumed = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    allocator = new RootAllocator();
    ArrowEventCodec codec = ArrowEventCodec.defaults();
    ArrowSourceService source =
        ArrowSourceService.builder("java-source", GoDataPlaneWireTest::ledgers).build();
    ArrowProcessorService processor =
        ArrowProcessorService.builder(
                "java-processor",
                (in, out) -> {
                  if (in.getEventType().equals("bad")) {
                    throw new IllegalArgumentException("cannot process " + in.getEventType());
                  }
                  int copies = in.getEventType().equals("split") ? 2 : 1;
                  for (int i = 0; i < copies; i++) {
                    out.emit(
                        Event.newBuilder()
                            .setEventType("processed")
                            .setPayload(
                                ByteString.copyFromUtf8(
                                    in.getPayload().toStringUtf8().toUpperCase()))
                            .putMetadata("processor", "java")
                            .build());
                  }
                })
            .maxInflight(2)
            .build();
    ArrowConsumerService consumer =
        ArrowConsumerService.builder(
                "java-sink",
                e -> {
                  if (e.hasArrowMetadata()) {
                    try (ArrowEventReader r = codec.decode(e, allocator)) {
                      while (r.loadNextBatch()) {
                        consumed.add("batch of " + r.root().getRowCount());
                      }
                    }
                  } else {
                    consumed.add(e.getPayload().toStringUtf8());
                  }
                })
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(source)
            .addService(processor)
            .addService(consumer)
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    allocator.close();
  }

  /** Three ledgers; the feed starts after the resume position it is given. */
  private static Iterator<ArrowSourceService.Identified> ledgers(ArrowSourceService.Start start) {
    int first = start.resumeAfter().isEmpty() ? 1 : Integer.parseInt(start.resumeAfter()) + 1;
    String network = start.params().getOrDefault("network", "testnet");
    List<ArrowSourceService.Identified> out = new ArrayList<>();
    for (int seq = first; seq <= 3; seq++) {
      out.add(
          new ArrowSourceService.Identified(
              Integer.toString(seq),
              Event.newBuilder()
                  .setEventType("stellar.ledger.v1")
                  .setPayload(ByteString.copyFromUtf8(network + " ledger " + seq))
                  .putMetadata("ledger_sequence", Integer.toString(seq))
                  .build(),
              StellarCursor.newBuilder().setLedgerSequence(seq).build()));
    }
    return out.iterator();
  }

  @Test
  void streamEvents_paramsAndResumeByNumber_eventsCarryIdSourceTypeCursorAndContentType()
      throws Exception {
    // StreamRequest: 1 params (map entry: 1 key, 2 value), 2 resume, 3 resume_token.
    byte[] fromStart = message(o -> o.writeByteArray(1, entry("network", "pubnet")));
    List<Fields> events = serverStream("flowctl.v1.SourceService/StreamEvents", fromStart);
    assertThat(events).hasSize(3);
    Fields first = events.get(0);
    // Event: 1 id, 2 type, 3 payload, 4 metadata, 6 source_component_id, 7 content_type,
    // 8 stellar_cursor (1 ledger_sequence, 2 index_in_ledger).
    assertThat(first.strings(1)).containsExactly("1");
    assertThat(first.strings(2)).containsExactly("stellar.ledger.v1");
    assertThat(first.strings(3)).containsExactly("pubnet ledger 1");
    assertThat(first.strings(6)).containsExactly("java-source");
    assertThat(first.strings(7)).containsExactly(V1Events.PROTOBUF);
    assertThat(Fields.parse(first.bytes(8).get(0)).varints(1)).containsExactly(1L);
    assertThat(first.bytes(4))
        .extracting(b -> Fields.parse(b).strings(1))
        .contains(List.of("ledger_sequence"));

    byte[] resumed =
        message(
            o -> {
              o.writeBool(2, true);
              o.writeString(3, "2");
            });
    assertThat(serverStream("flowctl.v1.SourceService/StreamEvents", resumed))
        .extracting(f -> f.strings(1))
        .containsExactly(List.of("3"));
  }

  @Test
  void saveStateThenGetState_andResumeFromTheSavedToken() throws Exception {
    // SaveStateRequest: 1 state (map), 2 key.
    call(
        "flowctl.v1.SourceService/SaveState",
        message(
            o -> {
              o.writeByteArray(1, entry("resume_token", "1"));
              o.writeByteArray(1, entry("cursor", "ledger-1"));
            }));
    // StateRequest: 1 key -> StateResponse: 1 state, 2 resume_token, 3 last_updated_unix.
    Fields state = call("flowctl.v1.SourceService/GetState", new byte[0]);
    assertThat(state.strings(2)).containsExactly("1");
    assertThat(state.bytes(1)).hasSize(2);
    assertThat(state.varints(3).get(0)).isGreaterThan(1_700_000_000L);
    // resume without a token: from the saved one
    assertThat(
            serverStream(
                "flowctl.v1.SourceService/StreamEvents", message(o -> o.writeBool(2, true))))
        .extracting(f -> f.strings(1).get(0))
        .containsExactly("2", "3");
  }

  @Test
  void healthCheckWithDetails_andGetInfo_byNumber() throws Exception {
    // HealthCheckRequest: 1 include_details -> HealthCheckResponse: 1 status, 2 metrics,
    // 3 components (ComponentHealth: 1 component_name, 2 status, 3 message), 4 message.
    Fields health =
        call("flowctl.v1.ProcessorService/HealthCheck", message(o -> o.writeBool(1, true)));
    assertThat(health.varints(1)).containsExactly(2L); // HEALTHY
    assertThat(health.bytes(2)).isNotEmpty();
    Fields component = Fields.parse(health.bytes(3).get(0));
    assertThat(component.strings(1)).containsExactly("java-processor");
    assertThat(component.varints(2)).containsExactly(2L);
    assertThat(health.strings(4)).containsExactly("serving");
    assertThat(call("flowctl.v1.ProcessorService/HealthCheck", new byte[0]).bytes(2)).isEmpty();

    // GetInfo(Empty) -> ComponentInfo: 1 id, 5 type (3 = CONSUMER).
    Fields info = call("flowctl.v1.ConsumerService/GetInfo", new byte[0]);
    assertThat(info.strings(1)).containsExactly("java-sink");
    assertThat(info.varints(5)).containsExactly(3L);
  }

  @Test
  void process_inOrder_keepsIdSourceCursorAndMetadata_andAFailedEventIsSkipped() throws Exception {
    List<byte[]> inputs = new ArrayList<>();
    String[] types = {"a", "bad", "split", "b"};
    for (int i = 0; i < types.length; i++) {
      int n = i;
      inputs.add(
          message(
              o -> {
                o.writeString(1, "ev-" + n);
                o.writeString(2, types[n]);
                o.writeByteArray(3, ("payload " + n).getBytes(StandardCharsets.UTF_8));
                o.writeByteArray(4, entry("origin", "go"));
                o.writeString(6, "go-source");
                o.writeString(7, "text/plain");
                o.writeByteArray(8, message(c -> c.writeUInt64(1, 100 + n)));
              }));
    }
    List<Fields> out = bidi("flowctl.v1.ProcessorService/Process", inputs);
    assertThat(out)
        .extracting(f -> f.strings(1).get(0))
        .containsExactly("ev-0", "ev-2", "ev-2#1", "ev-3");
    Fields split = out.get(1);
    assertThat(split.strings(2)).containsExactly("processed");
    assertThat(split.strings(3)).containsExactly("PAYLOAD 2");
    assertThat(split.strings(6)).containsExactly("go-source");
    assertThat(Fields.parse(split.bytes(8).get(0)).varints(1)).containsExactly(102L);
    assertThat(split.bytes(4))
        .extracting(b -> Fields.parse(b).strings(1).get(0))
        .contains("origin", "processor");
  }

  @Test
  void consume_countsWhatItHandled_andADamagedEventIsCountedNotFatal() throws Exception {
    List<byte[]> inputs = new ArrayList<>();
    inputs.add(
        message(
            o -> {
              o.writeString(1, "1");
              o.writeString(2, "note");
              o.writeByteArray(3, "first".getBytes(StandardCharsets.UTF_8));
            }));
    // An Arrow-typed event whose payload is not Arrow IPC: counted as failed, the stream goes on.
    inputs.add(
        message(
            o -> {
              o.writeString(1, "2");
              o.writeString(2, "arrow_data.ArrowBatch");
              o.writeByteArray(3, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
              o.writeString(7, V1Events.ARROW_STREAM);
            }));
    inputs.add(
        message(
            o -> {
              o.writeString(1, "3");
              o.writeString(2, "note");
              o.writeByteArray(3, "third".getBytes(StandardCharsets.UTF_8));
            }));
    // ConsumeResponse: 1 events_consumed, 2 events_failed, 3 errors.
    Fields answer = clientStream("flowctl.v1.ConsumerService/Consume", inputs);
    assertThat(answer.varints(1)).containsExactly(2L);
    assertThat(answer.varints(2)).containsExactly(1L);
    assertThat(answer.strings(3)).singleElement().asString().contains("event '2'");
    assertThat(consumed).containsExactly("first", "third");
  }

  // ---- a field-number-level gRPC client ----

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  static byte[] message(Writer w) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    w.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  /** A map<string,string> entry: 1 key, 2 value. */
  static byte[] entry(String key, String value) throws IOException {
    return message(
        e -> {
          e.writeString(1, key);
          e.writeString(2, value);
        });
  }

  private MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(name)
        .setRequestMarshaller(RAW)
        .setResponseMarshaller(RAW)
        .build();
  }

  private Fields call(String name, byte[] request) throws IOException {
    return Fields.parse(
        ClientCalls.blockingUnaryCall(
            channel,
            method(name, MethodDescriptor.MethodType.UNARY),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            request));
  }

  private List<Fields> serverStream(String name, byte[] request) throws IOException {
    List<Fields> out = new ArrayList<>();
    Iterator<byte[]> it =
        ClientCalls.blockingServerStreamingCall(
            channel,
            method(name, MethodDescriptor.MethodType.SERVER_STREAMING),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
            request);
    while (it.hasNext()) {
      out.add(Fields.parse(it.next()));
    }
    return out;
  }

  private List<Fields> bidi(String name, List<byte[]> requests) throws Exception {
    List<byte[]> received = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call =
        channel.newCall(
            method(name, MethodDescriptor.MethodType.BIDI_STREAMING),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    StreamObserver<byte[]> in = ClientCalls.asyncBidiStreamingCall(call, collector(received, done));
    for (byte[] r : requests) {
      in.onNext(r);
    }
    in.onCompleted();
    done.get(10, TimeUnit.SECONDS);
    List<Fields> out = new ArrayList<>();
    for (byte[] b : received) {
      out.add(Fields.parse(b));
    }
    return out;
  }

  private Fields clientStream(String name, List<byte[]> requests) throws Exception {
    List<byte[]> received = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call =
        channel.newCall(
            method(name, MethodDescriptor.MethodType.CLIENT_STREAMING),
            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    StreamObserver<byte[]> in =
        ClientCalls.asyncClientStreamingCall(call, collector(received, done));
    for (byte[] r : requests) {
      in.onNext(r);
    }
    in.onCompleted();
    done.get(10, TimeUnit.SECONDS);
    assertThat(received).hasSize(1);
    return Fields.parse(received.get(0));
  }

  private static StreamObserver<byte[]> collector(
      List<byte[]> received, CompletableFuture<Void> done) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        received.add(value);
      }

      @Override
      public void onError(Throwable t) {
        done.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        done.complete(null);
      }
    };
  }

  static final MethodDescriptor.Marshaller<byte[]> RAW =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        }
      };

  /** The fields of one encoded message, by number. */
  record Fields(List<long[]> varintFields, List<Object[]> lengthFields) {
    static Fields parse(byte[] bytes) {
      try {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        List<long[]> varints = new ArrayList<>();
        List<Object[]> lengths = new ArrayList<>();
        int tag;
        while ((tag = in.readTag()) != 0) {
          int number = tag >>> 3;
          switch (tag & 7) {
            case 0 -> varints.add(new long[] {number, in.readInt64()});
            case 2 -> lengths.add(new Object[] {number, in.readByteArray()});
            default -> in.skipField(tag);
          }
        }
        return new Fields(varints, lengths);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    List<Long> varints(int number) {
      return varintFields.stream().filter(f -> f[0] == number).map(f -> f[1]).toList();
    }

    List<byte[]> bytes(int number) {
      return lengthFields.stream()
          .filter(f -> (int) f[0] == number)
          .map(f -> (byte[]) f[1])
          .toList();
    }

    List<String> strings(int number) {
      return bytes(number).stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    }
  }
}
