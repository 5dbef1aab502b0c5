package io.flowctl.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.SchemaAck;
import io.flowctl.proto.SchemaInfo;
import io.flowctl.proto.SchemaRegistration;
import io.flowctl.proto.SchemaRequest;
import io.flowctl.proto.SchemaResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An acknowledged registration survives the control plane being killed (SIGKILL, no shutdown hook,
 * no close): a second process on the same SQLite file serves it.
 */
class CrashDurabilityTest {
  static final String TTP = "arrow_data.TTPEventBatch";

  @TempDir Path dir;

  @Test
  void anAcknowledgedSchemaSurvivesAKilledControlPlane() throws Exception {
    String store = "sqlite:" + dir.resolve("flowctl.db");
    Schema v1 =
        new Schema(
            List.of(
                Field.notNullable("id", new ArrowType.Int(64, true)),
                Field.nullable("memo", ArrowType.Utf8.INSTANCE)));

    Process first = start(store);
    SchemaAck ack;
    try {
      ack = withStub(port(first), s -> s.registerSchema(registration(v1)));
    } finally {
      first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(ack.getVersion()).isEqualTo(1);

    Process second = start(store);
    try {
      SchemaResponse r =
          withStub(
              port(second), s -> s.getSchema(SchemaRequest.newBuilder().setEventType(TTP).build()));
      assertThat(r.getSchemaInfo().getVersion()).isEqualTo(1);
      assertThat(r.getSchemaInfo().getSchemaFingerprint()).isEqualTo(ack.getSchemaFingerprint());
    } finally {
      second.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static SchemaRegistration registration(Schema s) {
    return SchemaRegistration.newBuilder()
        .setServiceId("ttp-source")
        .setSchemaInfo(
            SchemaInfo.newBuilder()
                .setEventType(TTP)
                .setSchemaFormat("arrow_ipc")
                .setSchemaDefinition(
                    com.google.protobuf.ByteString.copyFrom(
                        io.flowctl.ipc.ArrowIpc.schemaStream(s))))
        .build();
  }

  private static Process start(String store) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            ServeForTest.class.getName(),
            store)
        .redirectErrorStream(true)
        .start();
  }

  private static int port(Process p) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.startsWith("ready ")) {
        return Integer.parseInt(line.substring("ready ".length()).trim());
      }
    }
    throw new IllegalStateException("the control plane exited before it was ready");
  }

  private interface Call<T> {
    T on(ControlPlaneGrpc.ControlPlaneBlockingStub stub);
  }

  private static <T> T withStub(int port, Call<T> call) throws Exception {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      return call.on(
          ControlPlaneGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
