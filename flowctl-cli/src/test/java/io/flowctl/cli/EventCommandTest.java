package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.proto.Event;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventCommandTest {
  static final Path IPC = Path.of(System.getProperty("flowctl.corpus"), "arrow-ipc");

  @TempDir Path dir;

  @Test
  void encodeThenDecode_givesBackTheSameSchemaAndRows_forEveryCompression() throws Exception {
    Path source = IPC.resolve("1.0.0-littleendian_generated_nested_dictionary.stream");
    String fingerprint = CliRunner.run("schema", "fingerprint", source.toString()).out();
    for (String codec : new String[] {"none", "lz4", "zstd"}) {
      Path event = dir.resolve(codec + ".bin");
      Path back = dir.resolve(codec + ".arrows");

      CliRunner enc =
          CliRunner.run(
              "event",
              "encode",
              source.toString(),
              "--out",
              event.toString(),
              "--compression",
              codec);
      CliRunner dec = CliRunner.run("event", "decode", event.toString(), "--out", back.toString());

      assertThat(enc.status()).as(enc.err()).isZero();
      assertThat(dec.status()).as(dec.err()).isZero();
      Event e = Event.parseFrom(Files.readAllBytes(event));
      assertThat(e.getArrowMetadata().getCompressionCodec()).isEqualTo(codec);
      assertThat(CliRunner.run("schema", "fingerprint", back.toString()).out())
          .isEqualTo(fingerprint);
      assertThat(rows(back)).isEqualTo(rows(source)).isEqualTo(e.getArrowMetadata().getNumRows());
    }
  }

  @Test
  void inspect_showsWhatTheEventWouldCarry_includingTheFilesCompression() throws Exception {
    Path lz4 = IPC.resolve("2.0.0-compression_generated_lz4.arrow_file");

    CliRunner r = CliRunner.run("inspect", lz4.toString(), "--json");

    assertThat(r.status()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("format").asText()).isEqualTo("arrow-ipc-file");
    assertThat(json.get("compression").get(0).asText()).isEqualTo("lz4");
    assertThat(json.get("fingerprint").asText()).startsWith("sha256:");
    assertThat(json.get("rows").asLong()).isPositive();
    assertThat(json.get("batches").asInt()).isPositive();
    assertThat(json.get("columns")).isNotEmpty();

    CliRunner text = CliRunner.run("inspect", lz4.toString());
    assertThat(text.out()).contains("compression:  lz4").contains("fingerprint:  sha256:");
  }

  @Test
  void badInput_exitsTwoWithOneLine() throws Exception {
    Path garbage = Files.write(dir.resolve("garbage.bin"), new byte[] {8, 1, 2, 3});
    CliRunner decode =
        CliRunner.run("event", "decode", garbage.toString(), "--out", dir.resolve("x").toString());
    CliRunner parquet =
        CliRunner.run(
            "event",
            "encode",
            IPC.resolve("1.0.0-littleendian_generated_primitive.stream").toString(),
            "--out",
            dir.resolve("y").toString(),
            "--format",
            "parquet");
    CliRunner codec =
        CliRunner.run(
            "event",
            "encode",
            IPC.resolve("1.0.0-littleendian_generated_primitive.stream").toString(),
            "--out",
            dir.resolve("z").toString(),
            "--compression",
            "brotli");

    for (CliRunner r : new CliRunner[] {decode, parquet, codec}) {
      assertThat(r.status()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(r.err().lines()).hasSize(1);
    }
    assertThat(codec.err()).contains("brotli");
    assertThat(Files.exists(dir.resolve("x"))).isFalse();
  }

  private static long rows(Path stream) throws Exception {
    long rows = 0;
    try (RootAllocator a = new RootAllocator();
        InputStream in = Files.newInputStream(stream);
        ArrowStreamReader r = new ArrowStreamReader(in, a)) {
      while (r.loadNextBatch()) {
        rows += r.getVectorSchemaRoot().getRowCount();
      }
    }
    return rows;
  }
}
