package io.flowctl.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.flowctl.server.FlowctlServer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Calls both APIs the way a Go client built from upstream's .proto files does: method names and
 * messages encoded by hand from the field numbers of UPSTREAM.md, with no generated Java class on
 * the client side, over real gRPC on loopback.
 */
class GoClientWireTest {
  private FlowctlServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void legacyApi_registerHeartbeatAndList() throws Exception {
    // flowctl.ServiceInfo: 1 service_id, 2 service_type (1 = SOURCE), 4 output_event_types,
    // 8 component_id.
    byte[] info =
        message(
            o -> {
              o.writeString(1, "go-source");
              o.writeEnum(2, 1);
              o.writeString(4, "arrow_data.ArrowBatch");
              o.writeString(8, "stellar-live-source");
            });
    Fields ack = call("flowctl.ControlPlane/Register", info);
    assertThat(ack.strings(1)).containsExactly("go-source"); // RegistrationAck.service_id

    // flowctl.ServiceHeartbeat: 1 service_id, 3 metrics (map<string,double>: entry 1 key, 2 value).
    byte[] heartbeat =
        message(
            o -> {
              o.writeString(1, "go-source");
              o.writeByteArray(
                  3,
                  message(
                      e -> {
                        e.writeString(1, "events_processed");
                        e.writeDouble(2, 42.0);
                      }));
            });
    call("flowctl.ControlPlane/Heartbeat", heartbeat); // a Go client reads google.protobuf.Empty

    // ListServices(Empty) -> ServiceList: 1 repeated ServiceStatus (1 service_id, 3 is_healthy,
    // 5 metrics, 6 component_id).
    Fields list = call("flowctl.ControlPlane/ListServices", new byte[0]);
    Fields status = Fields.parse(list.bytes(1).get(0));
    assertThat(status.strings(1)).containsExactly("go-source");
    assertThat(status.varints(3)).containsExactly(1L);
    assertThat(status.strings(6)).containsExactly("stellar-live-source");
    Fields metric = Fields.parse(status.bytes(5).get(0));
    assertThat(metric.strings(1)).containsExactly("events_processed");
  }

  @Test
  void v1Api_registerAndListComponents() throws Exception {
    // flowctl.v1.RegisterRequest: 1 component (ComponentInfo: 1 id, 2 name, 5 type, 6 inputs).
    byte[] register =
        message(
            o ->
                o.writeByteArray(
                    1,
                    message(
                        c -> {
                          c.writeString(1, "go-sink");
                          c.writeString(2, "Parquet sink");
                          c.writeEnum(5, 3); // COMPONENT_TYPE_CONSUMER
                          c.writeString(6, "arrow_data.ArrowBatch");
                        })));
    Fields response = call("flowctl.v1.ControlPlaneService/RegisterComponent", register);
    assertThat(response.strings(1)).containsExactly("go-sink");

    // ListComponentsRequest: 2 include_unhealthy -> ListComponentsResponse: 1 repeated
    // ComponentStatusResponse (1 component, 2 status: 2 = HEALTHY).
    Fields list =
        call("flowctl.v1.ControlPlaneService/ListComponents", message(o -> o.writeBool(2, true)));
    Fields first = Fields.parse(list.bytes(1).get(0));
    Fields component = Fields.parse(first.bytes(1).get(0));
    assertThat(component.strings(1)).containsExactly("go-sink");
    assertThat(component.strings(2)).containsExactly("Parquet sink");
    assertThat(component.varints(5)).containsExactly(3L);
    assertThat(first.varints(2)).containsExactly(2L);
  }

  // ---- a field-number-level protobuf client ----

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Writer w) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    w.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  private Fields call(String method, byte[] request) throws IOException {
    MethodDescriptor<byte[], byte[]> m =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(method)
            .setRequestMarshaller(RAW)
            .setResponseMarshaller(RAW)
            .build();
    byte[] response =
        ClientCalls.blockingUnaryCall(
            channel, m, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request);
    return Fields.parse(response);
  }

  /** Request and response bytes as they are. */
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
  private record Fields(List<long[]> varintFields, List<Object[]> lengthFields) {
    static Fields parse(byte[] bytes) throws IOException {
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
      return bytes(number).stream()
          .map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8))
          .toList();
    }
  }
}
