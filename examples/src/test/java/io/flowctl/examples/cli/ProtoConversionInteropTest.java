package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The format-conversion processor against implementations outside Java: {@code flowctl component
 * proto-to-arrow} as two processes (protobuf to Arrow, Arrow back to protobuf), configured only by
 * the environment {@code flowctl run} sets, driven by a Node peer ({@code
 * proto-conversion-peer.mjs}) that encodes flow-proto v0.1.3's TokenTransferEvent and ContractEvent
 * with protobufjs from the .proto files, reads the batches with Arrow JS and compares every row
 * with its message, then decodes the messages mapped back with protobufjs.
 */
class ProtoConversionInteropTest {
  static final Path NODE = GoStyleComponentsRunTest.NODE;
  static final Path FLOW_PROTO =
      Path.of("..", "flowctl-testing", "src", "main", "proto").toAbsolutePath().normalize();

  @TempDir Path dir;

  @Test
  void protobufjsMessages_becomeArrowJsRows_andComeBackAsTheSameMessages() throws Exception {
    Path set = dir.resolve("flow-proto.pb");
    try (var in = getClass().getResourceAsStream("/io/flowctl/testing/flowproto/flow-proto.pb")) {
      Files.copy(in, set);
    }
    Map<String, String> common =
        Map.of(
            "FLOWCTL_DESCRIPTOR_SET", set.toString(),
            "FLOWCTL_ARROW_BATCH_SIZE", "100",
            "FLOWCTL_ARROW_BATCH_TIMEOUT", "10m",
            "FLOWCTL_ARROW_COMPRESSION", "none"); // Arrow JS reads uncompressed bodies only
    Map<String, String> toArrow = new java.util.HashMap<>(common);
    toArrow.put(
        "FLOWCTL_SCHEMA_MAPPING",
        "token_transfer.TokenTransferEvent=arrow_data.TokenTransferBatch,"
            + "stellar.v1.ContractEvent=arrow_data.ContractEventBatch");
    toArrow.put("FLOWCTL_COMPONENT_ID", "to-arrow");
    Map<String, String> toProto = new java.util.HashMap<>(common);
    toProto.put(
        "FLOWCTL_SCHEMA_MAPPING",
        "arrow_data.TokenTransferBatch=token_transfer.TokenTransferEvent,"
            + "arrow_data.ContractEventBatch=stellar.v1.ContractEvent");
    toProto.put("FLOWCTL_COMPONENT_ID", "to-proto");
    Path report = dir.resolve("report.json");
    Files.createDirectories(dir.resolve("a"));
    Files.createDirectories(dir.resolve("b"));
    try (ComponentProcess a = ComponentProcess.start("proto-to-arrow", dir.resolve("a"), toArrow);
        ComponentProcess b = ComponentProcess.start("proto-to-arrow", dir.resolve("b"), toProto)) {
      ProcessBuilder pb =
          new ProcessBuilder(
              "node",
              NODE.resolve("proto-conversion-peer.mjs").toString(),
              "127.0.0.1:" + a.port,
              "127.0.0.1:" + b.port,
              report.toString());
      pb.environment().put("FLOWCTL_PROTO_DIR", GoStyleComponentsRunTest.PROTOS.toString());
      pb.environment().put("FLOW_PROTO_DIR", FLOW_PROTO.toString());
      Path log = dir.resolve("peer.log");
      Process peer = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
      assertThat(peer.waitFor(120, TimeUnit.SECONDS)).as("the Node peer ends").isTrue();
      assertThat(peer.exitValue()).as(Files.readString(log)).isZero();
    }
    JsonNode got = new ObjectMapper().readTree(Files.readString(report));
    assertThat(got.get("mismatches")).as(got.toPrettyString()).isEmpty();
    assertThat(got.get("rows").get("arrow_data.TokenTransferBatch").asInt()).isEqualTo(250);
    assertThat(got.get("rows").get("arrow_data.ContractEventBatch").asInt()).isEqualTo(60);
    assertThat(got.get("batches").get("tte").asInt()).isEqualTo(3); // 100, 100 and 50 rows
    assertThat(got.get("messages").get("token_transfer.TokenTransferEvent").asInt()).isEqualTo(250);
    assertThat(got.get("messages").get("stellar.v1.ContractEvent").asInt()).isEqualTo(60);
  }
}
