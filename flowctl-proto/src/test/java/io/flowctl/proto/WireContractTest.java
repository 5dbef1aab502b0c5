package io.flowctl.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.Empty;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import io.flowctl.proto.v1.HealthStatus;
import io.flowctl.proto.v1.HeartbeatRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Pins the wire: every message, enum and service of both packages is compared with {@code
 * wire-contract.txt}, transcribed from UPSTREAM.md, and fixed byte encodings decode as a Go peer
 * means them.
 */
class WireContractTest {

  private static final List<FileDescriptor> FILES =
      List.of(
          CommonProto.getDescriptor(),
          ControlPlaneProto.getDescriptor(),
          ProcessorProto.getDescriptor(),
          SinkProto.getDescriptor(),
          SourceProto.getDescriptor(),
          io.flowctl.proto.v1.CommonProto.getDescriptor(),
          io.flowctl.proto.v1.ControlPlaneProto.getDescriptor(),
          io.flowctl.proto.v1.SourceProto.getDescriptor(),
          io.flowctl.proto.v1.ProcessorProto.getDescriptor(),
          io.flowctl.proto.v1.ConsumerProto.getDescriptor());

  @Test
  void generatedDescriptors_matchTheContractExactly() throws IOException {
    List<String> expected = readContract();
    List<String> actual = new ArrayList<>();
    for (FileDescriptor file : FILES) {
      for (EnumDescriptor e : file.getEnumTypes()) {
        describe(e, actual);
      }
      for (Descriptor m : file.getMessageTypes()) {
        describe(m, actual);
      }
      for (ServiceDescriptor s : file.getServices()) {
        describe(s, actual);
      }
    }
    assertThat(blocks(actual)).containsExactlyInAnyOrderElementsOf(blocks(expected));
  }

  @Test
  void serviceHeartbeat_decodesFixedGoEncoding() throws Exception {
    // service_id "svc", timestamp {seconds: 1000}, metrics {"x": 1.5}
    byte[] wire = HexFormat.of().parseHex("0a03737663120308e8071a0c0a017811000000000000f83f");

    ServiceHeartbeat hb = ServiceHeartbeat.parseFrom(wire);

    assertThat(hb.getServiceId()).isEqualTo("svc");
    assertThat(hb.getTimestamp().getSeconds()).isEqualTo(1000);
    assertThat(hb.getMetricsMap()).containsExactly(java.util.Map.entry("x", 1.5));
    assertThat(hb.toByteArray()).isEqualTo(wire);
  }

  @Test
  void serviceInfo_roundTripsFieldsByNumber_includingComponentIdAndSupportedSchemas()
      throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(1, "ttp-source-1");
    out.writeEnum(2, 1); // SERVICE_TYPE_SOURCE
    out.writeString(4, EventTypes.TTP_EVENT_BATCH);
    out.writeString(5, "http://localhost:9090/metrics");
    out.writeInt32(6, 100);
    out.writeString(8, "ttp-source");
    ByteArrayOutputStream schema = new ByteArrayOutputStream();
    CodedOutputStream schemaOut = CodedOutputStream.newInstance(schema);
    schemaOut.writeString(1, EventTypes.TTP_EVENT_BATCH);
    schemaOut.writeString(2, "arrow_ipc");
    schemaOut.writeString(3, "sha256:" + "ab".repeat(32));
    schemaOut.writeBytes(4, ByteString.copyFromUtf8("schema-bytes"));
    schemaOut.writeUInt32(5, 3);
    schemaOut.flush();
    out.writeBytes(9, ByteString.copyFrom(schema.toByteArray()));
    out.flush();
    byte[] wire = bytes.toByteArray();

    ServiceInfo info = ServiceInfo.parseFrom(wire);

    assertThat(info.getServiceId()).isEqualTo("ttp-source-1");
    assertThat(info.getServiceType()).isEqualTo(ServiceType.SERVICE_TYPE_SOURCE);
    assertThat(info.getOutputEventTypesList()).containsExactly("arrow_data.TTPEventBatch");
    assertThat(info.getMaxInflight()).isEqualTo(100);
    assertThat(info.getComponentId()).isEqualTo("ttp-source");
    assertThat(info.getSupportedSchemasList())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getSchemaFormat()).isEqualTo("arrow_ipc");
              assertThat(s.getVersion()).isEqualTo(3);
              assertThat(s.getSchemaDefinition().toStringUtf8()).isEqualTo("schema-bytes");
            });
    assertThat(info.getUnknownFields().asMap()).isEmpty();
    assertThat(info.toByteArray()).isEqualTo(wire);
  }

  @Test
  void event_arrowMetadataIsField6_andAnUpstreamPeerKeepsItAsUnknown() throws Exception {
    Event event =
        Event.newBuilder()
            .setEventType(EventTypes.ARROW_BATCH)
            .setPayload(ByteString.copyFromUtf8("ipc"))
            .setSchemaVersion(2)
            .setTimestamp(Timestamp.newBuilder().setSeconds(42))
            .putMetadata("k", "v")
            .setArrowMetadata(
                ArrowMetadata.newBuilder()
                    .setSchemaFingerprint("sha256:" + "00".repeat(32))
                    .setNumRows(65536)
                    .addColumnNames("amount")
                    .setCompressionCodec("zstd"))
            .build();

    UnknownFieldSet asSeenByUpstream = UnknownFieldSet.parseFrom(event.toByteArray());

    assertThat(asSeenByUpstream.asMap().keySet()).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(asSeenByUpstream.getField(3).getVarintList()).containsExactly(2L);
    UnknownFieldSet arrow =
        UnknownFieldSet.parseFrom(asSeenByUpstream.getField(6).getLengthDelimitedList().get(0));
    assertThat(arrow.getField(2).getVarintList()).containsExactly(65536L);
    assertThat(arrow.getField(5).getLengthDelimitedList().get(0).toStringUtf8()).isEqualTo("zstd");
  }

  @Test
  void heartbeatAck_isWireCompatibleWithUpstreamEmpty() throws Exception {
    HeartbeatAck ack =
        HeartbeatAck.newBuilder()
            .setIsHealthy(true)
            .setReceivedAt(Timestamp.newBuilder().setSeconds(7))
            .build();

    Empty seenByGoClient = Empty.parseFrom(ack.toByteArray());
    HeartbeatAck fromUpstream = HeartbeatAck.parseFrom(Empty.getDefaultInstance().toByteArray());

    assertThat(seenByGoClient.getUnknownFields().asMap()).containsOnlyKeys(1, 2);
    assertThat(fromUpstream).isEqualTo(HeartbeatAck.getDefaultInstance());
  }

  @Test
  void v1HeartbeatRequest_decodesFixedGoEncoding() throws Exception {
    // service_id "c1", status HEALTHY (2), metrics {"rows": "10"}
    byte[] wire = HexFormat.of().parseHex("0a02633110021a0a0a04726f777312023130");

    HeartbeatRequest request = HeartbeatRequest.parseFrom(wire);

    assertThat(request.getServiceId()).isEqualTo("c1");
    assertThat(request.getStatus()).isEqualTo(HealthStatus.HEALTH_STATUS_HEALTHY);
    assertThat(request.getMetricsMap()).containsExactly(java.util.Map.entry("rows", "10"));
    assertThat(request.toByteArray()).isEqualTo(wire);
  }

  // ---- descriptor rendering in the contract's format ----

  private static void describe(EnumDescriptor e, List<String> out) {
    out.add("enum " + e.getFullName());
    for (EnumValueDescriptor v : e.getValues()) {
      out.add(v.getNumber() + " " + v.getName());
    }
    out.add("");
  }

  private static void describe(Descriptor m, List<String> out) {
    out.add("message " + m.getFullName());
    for (FieldDescriptor f : m.getFields()) {
      out.add(f.getNumber() + " " + f.getName() + " " + typeOf(f));
    }
    out.add("");
    for (EnumDescriptor nested : m.getEnumTypes()) {
      describe(nested, out);
    }
    for (Descriptor nested : m.getNestedTypes()) {
      if (!nested.getOptions().getMapEntry()) {
        describe(nested, out);
      }
    }
  }

  private static void describe(ServiceDescriptor s, List<String> out) {
    out.add("service " + s.getFullName());
    for (MethodDescriptor method : s.getMethods()) {
      out.add(
          method.getName()
              + " "
              + (method.isClientStreaming() ? "stream " : "")
              + method.getInputType().getFullName()
              + " -> "
              + (method.isServerStreaming() ? "stream " : "")
              + method.getOutputType().getFullName());
    }
    out.add("");
  }

  private static String typeOf(FieldDescriptor f) {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      return "map<"
          + baseType(entry.findFieldByNumber(1))
          + ","
          + baseType(entry.findFieldByNumber(2))
          + ">";
    }
    if (f.isRepeated()) {
      return "repeated " + baseType(f);
    }
    return f.toProto().getProto3Optional() ? "optional " + baseType(f) : baseType(f);
  }

  private static String baseType(FieldDescriptor f) {
    return switch (f.getType()) {
      case MESSAGE, GROUP -> f.getMessageType().getFullName();
      case ENUM -> f.getEnumType().getFullName();
      default -> f.getType().name().toLowerCase(Locale.ROOT);
    };
  }

  private static List<String> readContract() throws IOException {
    try (InputStream in = WireContractTest.class.getResourceAsStream("wire-contract.txt")) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>();
      for (String line : text.split("\n", -1)) {
        if (!line.startsWith("#")) {
          lines.add(line.strip());
        }
      }
      return lines;
    }
  }

  /** Groups lines into one string per declaration so the comparison ignores declaration order. */
  private static List<String> blocks(List<String> lines) {
    List<String> blocks = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : lines) {
      if (line.isEmpty()) {
        if (current.length() > 0) {
          blocks.add(current.toString());
          current.setLength(0);
        }
      } else {
        current.append(line).append('\n');
      }
    }
    if (current.length() > 0) {
      blocks.add(current.toString());
    }
    return blocks;
  }
}
