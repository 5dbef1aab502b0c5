package io.flowctl.client.control.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.client.control.ControlPlaneClient;
import org.junit.jupiter.api.Test;

class ControlPlaneTargetsTest {
  @Test
  void aListOfReplicas_becomesTheStaticScheme_andGoesRoundRobin() {
    assertThat(ControlPlaneTargets.grpcTarget("a:1, b:2")).isEqualTo("flowctl-static:///a:1,b:2");
    assertThat(ControlPlaneTargets.replicated("a:1,b:2")).isTrue();
    assertThat(ControlPlaneTargets.replicated("dns:///flowctl.internal:8080")).isTrue();
    assertThat(ControlPlaneTargets.grpcTarget("localhost:8080")).isEqualTo("localhost:8080");
    assertThat(ControlPlaneTargets.replicated("localhost:8080")).isFalse();
  }

  @Test
  void addresses_areHostAndPort_orAClearError() {
    assertThat(ControlPlaneTargets.address("[::1]:9090").getHostString()).isEqualTo("::1");
    assertThat(ControlPlaneTargets.address("cp-2:9090").getPort()).isEqualTo(9090);
    assertThatThrownBy(() -> ControlPlaneTargets.address("cp-2"))
        .hasMessageContaining("host:port, not 'cp-2'");
    assertThatThrownBy(() -> ControlPlaneTargets.address("cp-2:http"))
        .hasMessageContaining("not a number");
    assertThatThrownBy(() -> ControlPlaneTargets.address("cp-2:70000"))
        .hasMessageContaining("out of range");
  }

  /** The sample of docs/deployment.md: clients of three replicas (built, not started). */
  @Test
  void clientsOfSeveralReplicas_areBuiltFromOneTarget() {
    io.flowctl.proto.ServiceInfo service =
        io.flowctl.proto.ServiceInfo.newBuilder()
            .setServiceId("sink")
            .setServiceType(io.flowctl.proto.ServiceType.SERVICE_TYPE_SINK)
            .build();
    // region replicas
    ControlPlaneClient listed =
        ControlPlaneClient.builder("cp-1:8080,cp-2:8080,cp-3:8080", service).build(); // a list
    ControlPlaneClient named =
        ControlPlaneClient.builder("dns:///flowctl.internal:8080", service).build(); // A/AAAA
    // endregion
    assertThat(listed.state().registered()).isFalse();
    assertThat(named.state().registered()).isFalse();
    listed.shutdown();
    named.shutdown();
  }
}
