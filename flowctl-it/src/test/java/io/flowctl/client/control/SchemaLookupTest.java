package io.flowctl.client.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.proto.Event;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.OwnedBatch;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.server.grpc.ControlPlaneService;
import io.flowctl.server.registry.ServiceRegistry;
import io.flowctl.server.schema.InMemorySchemaStore;
import io.flowctl.server.schema.SchemaRegistry;
import io.flowctl.testing.BatchData;
import io.grpc.ForwardingServerCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaLookupTest {
  static final String TTP = "arrow_data.TTPEventBatch";
  static final Schema V1 =
      new Schema(
          List.of(
              Field.notNullable("id", new ArrowType.Int(64, true)),
              Field.nullable("amount", new ArrowType.Int(32, true))));

  /** A reader one BACKWARD step later: amount widened, memo added. */
  static final Schema V2 =
      new Schema(
          List.of(
              Field.notNullable("id", new ArrowType.Int(64, true)),
              Field.nullable("amount", new ArrowType.Int(64, true)),
              Field.nullable("memo", ArrowType.Utf8.INSTANCE)));

  private final AtomicInteger getSchemaCalls = new AtomicInteger();
  private SchemaRegistry registry;
  private Server server;
  private ManagedChannel channel;
  private BufferAllocator allocator;

  @BeforeEach
  void start() throws Exception {
    allocator = new RootAllocator();
    registry = SchemaRegistry.builder(new InMemorySchemaStore()).build();
    registry.register(TTP, V1, "src");
    ServerInterceptor counting =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            if (call.getMethodDescriptor().getBareMethodName().equals("GetSchema")) {
              getSchemaCalls.incrementAndGet();
            }
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
                next.startCall(call, headers)) {};
          }
        };
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                io.grpc.ServerInterceptors.intercept(
                    new ControlPlaneService(ServiceRegistry.builder().build(), registry), counting))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    allocator.close();
  }

  @Test
  void thousandsOfLookupsOfOneSchemaCostOneRpc_andUnknownOnesAreCachedToo() {
    SchemaLookup lookup = SchemaLookup.builder(channel).build();
    for (int i = 0; i < 5000; i++) {
      assertThat(
              lookup.byFingerprint(TTP, SchemaFingerprints.structural(V1)).orElseThrow().schema())
          .isEqualTo(V1);
    }
    assertThat(getSchemaCalls.get()).isEqualTo(1);

    for (int i = 0; i < 100; i++) {
      assertThat(lookup.byFingerprint(TTP, SchemaFingerprints.structural(V2))).isEmpty();
    }
    assertThat(getSchemaCalls.get()).isEqualTo(2);
    assertThat(lookup.byVersion(TTP, 1).orElseThrow().version()).isEqualTo(1);
    assertThat(lookup.latest("unknown.type")).isEmpty();
  }

  @Test
  void theResolverReadsOldEventsInTheNewReaderSchema_once_perWriterSchema() {
    CodecMetrics metrics = CodecMetrics.create(allocator);
    SchemaLookup lookup = SchemaLookup.builder(channel).build();
    SchemaResolver resolver = new SchemaResolver(V2, CompatibilityRules.defaults(), metrics);
    Event event = encode(new BatchData(V1, List.of(List.of(1L, 7L), Arrays.asList(2L, null))));

    for (int i = 0; i < 3; i++) {
      try (ArrowEventReader in = ArrowEventCodec.defaults().decode(event, allocator)) {
        assertThat(in.loadNextBatch()).isTrue();
        assertThat(resolver.needsProjection(event)).isTrue();
        try (OwnedBatch out = resolver.project(event, in, lookup, allocator)) {
          assertThat(BatchData.read(out.root(), out.dictionaries()).rows())
              .containsExactly(Arrays.asList(1L, 7L, null), Arrays.asList(2L, null, null));
        }
      }
    }
    assertThat(getSchemaCalls.get()).isEqualTo(1);
    assertThat(metrics.heartbeatMetrics()).containsEntry("arrow_schema_evolution_events", 1.0);
  }

  @Test
  void theResolverRefusesWhatTheReaderCannotRead_andUnregisteredWriterSchemas() {
    CodecMetrics metrics = CodecMetrics.create(allocator);
    SchemaLookup lookup = SchemaLookup.builder(channel).build();
    Schema narrow = new Schema(List.of(Field.notNullable("id", new ArrowType.Int(32, true))));
    SchemaResolver strict = new SchemaResolver(narrow, CompatibilityRules.defaults(), metrics);
    Event v1 = encode(new BatchData(V1, List.of(List.of(1L, 7L))));
    Event unregistered = encode(new BatchData(V2, List.of(Arrays.asList(1L, 7L, "x"))));

    try (ArrowEventReader in = ArrowEventCodec.defaults().decode(v1, allocator)) {
      in.loadNextBatch();
      assertThatThrownBy(() -> strict.project(v1, in, lookup, allocator))
          .isInstanceOf(IncompatibleSchemaException.class)
          .hasMessageContaining("'id'");
    }
    SchemaResolver v2Reader = new SchemaResolver(V2, CompatibilityRules.defaults(), metrics);
    try (ArrowEventReader in = ArrowEventCodec.defaults().decode(unregistered, allocator)) {
      in.loadNextBatch();
      assertThatThrownBy(() -> v2Reader.project(unregistered, in, lookup, allocator))
          .isInstanceOf(FlowctlException.class)
          .hasMessageContaining("has not registered");
    }
    assertThat(metrics.heartbeatMetrics())
        .containsEntry("arrow_compatibility_check_failures", 1.0)
        .containsEntry("arrow_schema_validation_errors", 1.0);
  }

  private Event encode(BatchData data) {
    try (BatchData.Written w = data.write(allocator)) {
      return ArrowEventCodec.builder().eventType(TTP).build().encode(w.root());
    }
  }
}
