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
  static final Path PARQUET = Path.of(System.getProperty("flowctl.corpus"), "parquet");

  @TempDir Path dir;

  @Test
  void aFileWithoutColumns_asParquet_isRefusedInOneLineNamingTheFile() throws Exception {
    Path empty = dir.resolve("no-columns.arrows");
    Files.write(
        empty,
        io.flowctl.ipc.ArrowIpc.schemaStream(
            new org.apache.arrow.vector.types.pojo.Schema(java.util.List.of())));

    CliRunner r =
        CliRunner.run(
            "event",
            "encode",
            empty.toString(),
            "--format",
            "parquet",
            "--out",
            dir.resolve("e.bin").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("no-columns.arrows").contains("without columns");
  }

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
  void parquetPayloads_roundTripAnArrowFile_andCarryAParquetFileAsItIs() throws Exception {
    Path source = IPC.resolve("1.0.0-littleendian_generated_primitive.stream");
    for (String codec : new String[] {"none", "snappy", "zstd", "gzip", "lz4_raw"}) {
      Path event = dir.resolve(codec + ".pq.bin");
      Path back = dir.resolve(codec + ".pq.arrows");
      CliRunner enc =
          CliRunner.run(
              "event",
              "encode",
              source.toString(),
              "--out",
              event.toString(),
              "--format",
              "parquet",
              "--compression",
              codec);
      CliRunner dec = CliRunner.run("event", "decode", event.toString(), "--out", back.toString());

      assertThat(enc.status()).as(enc.err()).isZero();
      assertThat(dec.status()).as(dec.err()).isZero();
      Event e = Event.parseFrom(Files.readAllBytes(event));
      assertThat(e.getEventType()).isEqualTo("arrow_data.ParquetFile");
      assertThat(e.getPayload().substring(0, 4).toStringUtf8()).isEqualTo("PAR1");
      assertThat(e.getArrowMetadata().getCompressionCodec()).isEqualTo(codec);
      assertThat(rows(back)).isEqualTo(rows(source)).isEqualTo(e.getArrowMetadata().getNumRows());
    }

    Path file = PARQUET.resolve("alltypes_plain.parquet");
    Path wrapped = dir.resolve("wrapped.bin");
    CliRunner wrap =
        CliRunner.run(
            "event", "encode", file.toString(), "--out", wrapped.toString(), "--format", "parquet");
    assertThat(wrap.status()).as(wrap.err()).isZero();
    assertThat(Event.parseFrom(Files.readAllBytes(wrapped)).getPayload().toByteArray())
        .isEqualTo(Files.readAllBytes(file));
    Path asIpc = dir.resolve("as-ipc.bin");
    CliRunner convert =
        CliRunner.run("event", "encode", file.toString(), "--out", asIpc.toString());
    assertThat(convert.status()).as(convert.err()).isZero();
    assertThat(Event.parseFrom(Files.readAllBytes(asIpc)).getArrowMetadata().getNumRows())
        .isEqualTo(8);
  }

  @Test
  void inspect_readsParquetFiles() throws Exception {
    CliRunner r =
        CliRunner.run(
            "inspect", PARQUET.resolve("alltypes_plain.snappy.parquet").toString(), "--json");

    assertThat(r.status()).as(r.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("format").asText()).isEqualTo("parquet");
    assertThat(json.get("eventType").asText()).isEqualTo("arrow_data.ParquetFile");
    assertThat(json.get("rows").asLong()).isEqualTo(2);
    assertThat(json.get("compression").get(0).asText()).isEqualTo("snappy");
    assertThat(json.get("columns").toString()).contains("timestamp_col");
  }

  @Test
  void inspect_ofAParquetFile_readsTheFooterOnly() throws Exception {
    // A file whose last data page is damaged (its CRC no longer matches) but whose footer is whole:
    // decoding it fails, inspecting it does not, because inspect decodes no page.
    byte[] bytes =
        Files.readAllBytes(PARQUET.resolve("datapage_v1-snappy-compressed-checksum.parquet"));
    int footerLength =
        java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .getInt();
    org.apache.parquet.format.FileMetaData footer =
        org.apache.parquet.format.Util.readFileMetaData(
            new java.io.ByteArrayInputStream(bytes, bytes.length - 8 - footerLength, footerLength));
    var chunk = footer.getRow_groups().get(0).getColumns().get(0).getMeta_data();
    int lastDataByte = (int) (chunk.getData_page_offset() + chunk.getTotal_compressed_size() - 1);
    bytes[lastDataByte] ^= 0x5A;
    Path damaged = Files.write(dir.resolve("damaged-page.parquet"), bytes);

    CliRunner decode =
        CliRunner.run("event", "decode", damaged.toString(), "--out", dir.resolve("x").toString());
    CliRunner inspect = CliRunner.run("inspect", damaged.toString(), "--json");

    assertThat(decode.status()).as(decode.out()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(inspect.status()).as(inspect.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(inspect.out());
    assertThat(json.get("rows").asLong()).isEqualTo(footer.getNum_rows());
    assertThat(json.get("batches").asInt()).isEqualTo(1);
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
            "parquet",
            "--compression",
            "lz4");
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
    assertThat(parquet.err()).contains("lz4").contains("snappy");
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
