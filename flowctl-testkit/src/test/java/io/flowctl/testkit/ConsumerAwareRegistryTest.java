package io.flowctl.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.flowctl.client.Flowctl;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.Event;
import io.flowctl.proto.RegistrationVerdict;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaFingerprints;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Tried as a user would: a producer adds a nullable column (fine under the default BACKWARD policy)
 * while a running consumer reads the old schema. A consumer that declared the closed reader model
 * cannot read it: the registry knows the consumer and refuses; only an explicit override registers
 * it, and then every event the consumer cannot read is counted. A consumer that reads by name (the
 * default) reads it: the registry accepts it and every event arrives in its schema.
 */
class ConsumerAwareRegistryTest {
  static final String TYPE = "demo.Transfers";
  static final Schema V1 =
      new Schema(List.of(Field.notNullable("amount", new ArrowType.Int(64, true))));
  static final Schema V2 =
      new Schema(
          List.of(
              Field.notNullable("amount", new ArrowType.Int(64, true)),
              Field.nullable("currency", ArrowType.Utf8.INSTANCE)));

  static SchemaRegistration registration(Schema schema, boolean override) {
    return SchemaRegistration.newBuilder()
        .setServiceId("producer")
        .setAllowBreakingConsumers(override)
        .setSchemaInfo(
            SchemaInfo.newBuilder()
                .setEventType(TYPE)
                .setSchemaFormat("arrow_ipc")
                .setSchemaDefinition(ByteString.copyFrom(ArrowIpc.schemaStream(schema))))
        .build();
  }

  @Test
  void aVersionALiveConsumerCannotReadIsRefused_andEveryEventItCannotReadIsCounted()
      throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      AtomicInteger read = new AtomicInteger();
      Flowctl.Component consumer =
          kit.start(
              Flowctl.consumer("totals")
                  .input(TYPE, V1, ReaderModel.CLOSED)
                  .onBatch(b -> read.addAndGet(b.getRowCount())));
      ManagedChannel channel = NettyChannelBuilder.forTarget(kit.target()).usePlaintext().build();
      try {
        var cp = ControlPlaneGrpc.newBlockingStub(channel);
        assertThat(kit.controlPlane().services().require("totals").info().getSupportedSchemasList())
            .as("the v1 registration declared its reader schema")
            .extracting(SchemaInfo::getSchemaFingerprint)
            .containsExactly(SchemaFingerprints.structural(V1).toString());
        assertThat(cp.registerSchema(registration(V1, false)).getVersion()).isEqualTo(1);

        RegistrationVerdict dry = cp.checkSchemaRegistration(registration(V2, false));
        assertThat(dry.getAccepted()).isFalse();
        assertThat(dry.getChangesList()).as("the policy alone accepts it").isEmpty();
        assertThat(dry.getConsumersList()).hasSize(1);
        assertThat(dry.getConsumers(0).getServiceId()).isEqualTo("totals");
        assertThat(dry.getConsumers(0).getChanges(0).getFieldPath()).isEqualTo("currency");
        assertThatThrownBy(() -> cp.registerSchema(registration(V2, false)))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                  assertThat(e.getStatus().getDescription())
                      .contains("'totals'")
                      .contains("currency");
                });

        assertThat(cp.registerSchema(registration(V2, true)).getVersion()).isEqualTo(2);
        List<Event> events = fiveV2Events(kit);
        for (Event e : events) {
          try {
            kit.consume(consumer, List.of(e));
          } catch (IllegalStateException refused) {
            // the consumer refuses what it cannot read
          }
        }
        assertThat(read).hasValue(0);
        long deadline = System.nanoTime() + 10_000_000_000L;
        double failures = 0;
        while (System.nanoTime() < deadline && failures < 5) {
          failures =
              kit.controlPlane()
                  .services()
                  .require("totals")
                  .metrics()
                  .getOrDefault("arrow_compatibility_check_failures", 0.0);
          Thread.sleep(50);
        }
        assertThat(failures).as("one failure per event refused").isEqualTo(5);
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void aConsumerThatReadsByName_isNotABarToAnAddedColumn_andReadsEveryEvent() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      AtomicInteger read = new AtomicInteger();
      List<Schema> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
      Flowctl.Component consumer =
          kit.start(
              Flowctl.consumer("totals")
                  .input(TYPE, V1)
                  .onBatch(
                      b -> {
                        seen.add(b.getSchema());
                        read.addAndGet(b.getRowCount());
                      }));
      ManagedChannel channel = NettyChannelBuilder.forTarget(kit.target()).usePlaintext().build();
      try {
        var cp = ControlPlaneGrpc.newBlockingStub(channel);
        assertThat(
                kit.controlPlane()
                    .services()
                    .require("totals")
                    .info()
                    .getSupportedSchemas(0)
                    .getReaderModel())
            .isEqualTo("projecting");
        assertThat(cp.registerSchema(registration(V1, false)).getVersion()).isEqualTo(1);
        assertThat(cp.registerSchema(registration(V2, false)).getVersion()).isEqualTo(2);

        List<Event> events = fiveV2Events(kit);
        kit.consume(consumer, events);

        assertThat(read).hasValue(5);
        assertThat(seen).allMatch(V1::equals); // the added column dropped, by name
      } finally {
        channel.shutdownNow();
      }
    }
  }

  /** Five one-row batches of V2 as events. */
  static List<Event> fiveV2Events(FlowctlTestKit kit) {
    List<VectorSchemaRoot> batches = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      VectorSchemaRoot b = VectorSchemaRoot.create(V2, kit.allocator());
      ((BigIntVector) b.getVector(0)).setSafe(0, i);
      b.setRowCount(1);
      batches.add(b);
    }
    List<Event> events = kit.events(TYPE, batches.toArray(VectorSchemaRoot[]::new));
    batches.forEach(VectorSchemaRoot::close);
    return events;
  }
}
