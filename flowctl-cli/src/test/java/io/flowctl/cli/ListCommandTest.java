package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import org.junit.jupiter.api.Test;

/** Upstream's {@code flowctl list}, printed as upstream prints it. */
class ListCommandTest {
  @Test
  void servicesAreListedAsUpstreamPrintsThem_detailedAndAsATable() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      String endpoint = "127.0.0.1:" + cp.port();
      CliRunner none = CliRunner.run("list", "-e", endpoint);
      assertThat(none.status()).as(none.err()).isEqualTo(ExitCodes.OK);
      assertThat(none.out()).isEqualTo("No services registered with the control plane.\n");

      ManagedChannel ch = NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
      try {
        var stub = ControlPlaneGrpc.newBlockingStub(ch);
        stub.register(
            ServiceInfo.newBuilder()
                .setServiceId("ttp-source")
                .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
                .build());
        stub.register(
            ServiceInfo.newBuilder()
                .setServiceId("parquet-sink-long-name")
                .setServiceType(ServiceType.SERVICE_TYPE_SINK)
                .build());
        stub.heartbeat(
            ServiceHeartbeat.newBuilder()
                .setServiceId("ttp-source")
                .putMetrics("events_sent", 42)
                .build());
      } finally {
        ch.shutdownNow();
      }

      CliRunner detailed = CliRunner.run("list", "--endpoint", endpoint);
      assertThat(detailed.status()).as(detailed.err()).isEqualTo(ExitCodes.OK);
      assertThat(detailed.out())
          .startsWith("Registered Services (2):\n========================\n")
          .contains("ID: ttp-source\nType: SOURCE\nStatus: 🟢 HEALTHY\nLast Heartbeat: ")
          .contains("Metrics:\n  events_sent: 42.00\n------------------------\n")
          .contains("ID: parquet-sink-long-name\nType: SINK\n");

      CliRunner table = CliRunner.run("list", "-e", endpoint, "-t");
      assertThat(table.status()).as(table.err()).isEqualTo(ExitCodes.OK);
      var lines = table.out().lines().toList();
      assertThat(lines.get(0)).isEqualTo("ID" + " ".repeat(22) + "TYPE    STATUS   LAST HEARTBEAT");
      assertThat(lines.get(1))
          .isEqualTo("----" + " ".repeat(20) + "----    ------   --------------");
      assertThat(lines)
          .anyMatch(
              l ->
                  l.matches(
                      "ttp-source {14}SOURCE  HEALTHY  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"));
      assertThat(lines).hasSize(4);
    }
  }

  @Test
  void anUnreachableEndpoint_isOneLineNamingIt() {
    CliRunner r = CliRunner.run("list", "-e", "127.0.0.1:1");
    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("127.0.0.1:1");
  }
}
