package io.flowctl.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.client.component.ComponentConfig;
import io.flowctl.proto.Event;
import io.flowctl.server.FlowctlServer;
import io.flowctl.testkit.FlowctlTestKit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * A source, a processor and a consumer written with {@link Flowctl} alone, registered with a real
 * control plane and driven over loopback as upstream's runner drives components.
 */
class FlowctlSdkTest {
  static final Schema AMOUNTS =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));

  @Test
  void aSourceAProcessorAndAConsumer_inAFewLinesEach() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      FlowctlServer cp = kit.controlPlane();
      String target = kit.target();
      List<Long> seen = new CopyOnWriteArrayList<>();
      List<String> finished = new CopyOnWriteArrayList<>();

      try (Flowctl.Component source =
              Flowctl.source("amounts")
                  .config(config("amounts", target))
                  .output("demo.Amounts", AMOUNTS)
                  .produce(
                      out -> {
                        for (int b = 0; b < 3; b++) {
                          try (VectorSchemaRoot batch =
                              VectorSchemaRoot.create(AMOUNTS, out.allocator())) {
                            BigIntVector v = (BigIntVector) batch.getVector(0);
                            for (int i = 0; i < 4; i++) {
                              v.setSafe(i, b * 10L + i);
                            }
                            batch.setRowCount(4);
                            out.emit(batch);
                          }
                        }
                      })
                  .build()
                  .start();
          // The processor declares its reader schema: batches are projected to it first.
          Flowctl.Component doubler =
              Flowctl.processor("doubler")
                  .config(config("doubler", target))
                  .input("demo.Amounts", AMOUNTS)
                  .output("demo.Doubled", AMOUNTS)
                  .onBatch(
                      (in, allocator) -> {
                        VectorSchemaRoot out = VectorSchemaRoot.create(AMOUNTS, allocator);
                        BigIntVector src = (BigIntVector) in.getVector("amount");
                        BigIntVector dst = (BigIntVector) out.getVector(0);
                        for (int i = 0; i < in.getRowCount(); i++) {
                          dst.setSafe(i, src.get(i) * 2);
                        }
                        out.setRowCount(in.getRowCount());
                        return out;
                      })
                  .build()
                  .start();
          Flowctl.Component sink =
              Flowctl.consumer("sink")
                  .config(config("sink", target))
                  .input("demo.Doubled")
                  .onBatch(
                      batch -> {
                        BigIntVector v = (BigIntVector) batch.getVector(0);
                        for (int i = 0; i < batch.getRowCount(); i++) {
                          seen.add(v.get(i));
                        }
                      })
                  .onFinish(() -> finished.add("sink"))
                  .build()
                  .start()) {
        for (Flowctl.Component c : List.of(source, doubler, sink)) {
          assertThat(c.awaitRegistered(Duration.ofSeconds(10))).isTrue();
        }
        assertThat(cp.services().list())
            .extracting(s -> s.serviceId())
            .containsExactlyInAnyOrder("amounts", "doubler", "sink");
        // the source's schema became version 1 of its subject
        assertThat(cp.schemas().latest("demo.Amounts")).isPresent();

        // upstream's runner, by hand: StreamEvents -> Process -> Consume
        List<Event> processed = kit.process(doubler, kit.stream(source));
        assertThat(kit.consume(sink, processed)).isEqualTo(processed.size());
        assertThat(processed).hasSize(3);
        assertThat(seen).containsExactly(0L, 2L, 4L, 6L, 20L, 22L, 24L, 26L, 40L, 42L, 44L, 46L);
        assertThat(finished).containsExactly("sink");
      }
      assertThat(cp.services().list()).isEmpty(); // each unregistered when closed
    }
  }

  @Test
  void misconfiguration_failsAtBuildNamingTheSetting() {
    assertThatThrownBy(() -> Flowctl.source("s").build()).hasMessageContaining("output(");
    assertThatThrownBy(() -> Flowctl.processor("p").output("t", AMOUNTS).build())
        .hasMessageContaining("onBatch(");
    assertThatThrownBy(() -> Flowctl.consumer("c").build()).hasMessageContaining("onBatch(");
    assertThatThrownBy(() -> Flowctl.source(" ")).hasMessageContaining("needs an id");
    assertThatThrownBy(() -> Flowctl.consumer("c").maxInflight(0))
        .hasMessageContaining("maxInflight");
  }

  @Test
  void aComponentRegistersThroughTheCallersChannel_andLeavesItOpen() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      io.grpc.ManagedChannel channel =
          io.flowctl.client.control.ControlPlaneChannel.builder(kit.target()).build();
      try {
        try (Flowctl.Component source =
            Flowctl.source("own-channel")
                .config(
                    ComponentConfig.builder("own-channel")
                        .heartbeatInterval(Duration.ofMillis(200))
                        .healthPort(0)
                        .build()) // no control plane in the configuration: the channel says where
                .controlPlaneChannel(channel)
                .output("demo.Amounts", AMOUNTS)
                .produce(out -> {})
                .build()
                .start()) {
          assertThat(source.awaitRegistered(Duration.ofSeconds(10))).isTrue();
          assertThat(kit.controlPlane().services().status("own-channel")).isPresent();
        }
        // the component unregistered through it and left it to its owner
        assertThat(channel.isShutdown()).isFalse();
        assertThat(kit.controlPlane().services().status("own-channel")).isEmpty();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static ComponentConfig config(String id, String controlPlane) {
    return ComponentConfig.builder(id)
        .controlPlane(controlPlane)
        .heartbeatInterval(Duration.ofMillis(200))
        .healthPort(0)
        .build();
  }
}
