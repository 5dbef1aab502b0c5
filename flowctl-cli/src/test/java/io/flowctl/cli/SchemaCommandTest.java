package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.testing.BatchData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaCommandTest {
  static final Field ID = Field.notNullable("id", new ArrowType.Int(64, true));
  static final Field AMOUNT = Field.nullable("amount", new ArrowType.Int(32, true));
  static final Field MEMO = Field.nullable("memo", ArrowType.Utf8.INSTANCE);
  static final Field ASSET =
      new Field(
          "asset",
          new FieldType(
              true,
              ArrowType.Utf8.INSTANCE,
              new org.apache.arrow.vector.types.pojo.DictionaryEncoding(
                  3, false, new ArrowType.Int(16, true))),
          null);

  @TempDir Path dir;
  private BufferAllocator allocator;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  @Test
  void fromProto_writesTheMessagesArrowSchema_whichTheOtherCommandsRead() throws Exception {
    Path set = dir.resolve("flow-proto.pb");
    try (var in = getClass().getResourceAsStream("/io/flowctl/testing/flowproto/flow-proto.pb")) {
      java.nio.file.Files.copy(in, set);
    }
    Path out = dir.resolve("ttp.arrow");
    CliRunner r =
        CliRunner.run(
            "schema",
            "from-proto",
            set.toString(),
            "token_transfer.TokenTransferEvent",
            "--out",
            out.toString());
    assertThat(r.status()).as(r.err()).isEqualTo(ExitCodes.OK);
    String expected =
        io.flowctl.schema.SchemaFingerprints.structural(
                io.flowctl.client.protobuf.ProtoArrow.of(
                        token_transfer.TokenTransferEventOuterClass.TokenTransferEvent
                            .getDescriptor())
                    .schema())
            .toString();
    assertThat(r.out()).contains("6 columns").contains(expected);
    assertThat(CliRunner.run("schema", "fingerprint", out.toString()).out().strip())
        .isEqualTo(expected);
    assertThat(CliRunner.run("schema", "show", out.toString()).out())
        .contains("closed_at: Timestamp(NANOSECOND, UTC)");

    CliRunner unknown =
        CliRunner.run("schema", "from-proto", set.toString(), "no.Such", "--out", out.toString());
    assertThat(unknown.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(unknown.err().strip().lines()).hasSize(1);
    assertThat(unknown.err()).contains("no.Such");
  }

  @Test
  void fingerprint_isTheSameForAStreamAndAFileOfOneSchema_andForTheSchemaBuiltInCode()
      throws IOException {
    Schema schema = new Schema(List.of(ID, ASSET, MEMO));
    Path stream = write(schema, "v1.arrows", false);
    Path file = write(schema, "v1.arrow", true);

    CliRunner s = CliRunner.run("schema", "fingerprint", stream.toString());
    CliRunner f = CliRunner.run("schema", "fingerprint", file.toString());

    assertThat(s.status()).as(s.err()).isEqualTo(ExitCodes.OK);
    assertThat(s.out().trim()).isEqualTo(SchemaFingerprints.structural(schema).toString());
    assertThat(f.out()).isEqualTo(s.out());
  }

  @Test
  void fingerprintWithMetadata_differsOnlyWhenMetadataDoes() throws IOException {
    Schema plain = new Schema(List.of(ID));
    Schema tagged = new Schema(List.of(ID), java.util.Map.of("owner", "payments"));
    String a =
        CliRunner.run("schema", "fingerprint", write(plain, "a.arrows", false).toString()).out();
    String b =
        CliRunner.run("schema", "fingerprint", write(tagged, "b.arrows", false).toString()).out();
    String am =
        CliRunner.run(
                "schema", "fingerprint", "--with-metadata", dir.resolve("a.arrows").toString())
            .out();
    String bm =
        CliRunner.run(
                "schema", "fingerprint", "--with-metadata", dir.resolve("b.arrows").toString())
            .out();

    assertThat(a).isEqualTo(b);
    assertThat(am).isNotEqualTo(bm).startsWith("sha256:");
  }

  @Test
  void fingerprint_ofCorpusFilesWrittenByOtherImplementations_agreesBetweenStreamAndFile() {
    Path corpus = Path.of(System.getProperty("flowctl.corpus"), "arrow-ipc");
    String test = "1.0.0-littleendian_generated_nested_dictionary";
    CliRunner s =
        CliRunner.run("schema", "fingerprint", corpus.resolve(test + ".stream").toString());
    CliRunner f =
        CliRunner.run("schema", "fingerprint", corpus.resolve(test + ".arrow_file").toString());

    assertThat(s.status()).as(s.err()).isZero();
    assertThat(f.out()).isEqualTo(s.out());
  }

  @Test
  void fingerprint_ofParquetFiles_comesFromTheirFooter() {
    Path parquet = Path.of(System.getProperty("flowctl.corpus"), "parquet");
    CliRunner plain =
        CliRunner.run(
            "schema", "fingerprint", parquet.resolve("alltypes_plain.parquet").toString());
    CliRunner snappy =
        CliRunner.run(
            "schema", "fingerprint", parquet.resolve("alltypes_plain.snappy.parquet").toString());
    CliRunner check =
        CliRunner.run(
            "schema",
            "check",
            parquet.resolve("alltypes_plain.parquet").toString(),
            parquet.resolve("alltypes_dictionary.parquet").toString());

    assertThat(plain.status()).as(plain.err()).isZero();
    assertThat(plain.out()).startsWith("sha256:").isEqualTo(snappy.out());
    assertThat(check.status()).as(check.err()).isZero();
    assertThat(check.out()).startsWith("level: FULL");
  }

  @Test
  void check_printsTheLevelAndEveryChangeWithItsPath() throws IOException {
    Path v1 = write(new Schema(List.of(ID, AMOUNT)), "v1.arrows", false);
    Path v2 =
        write(
            new Schema(List.of(ID, Field.nullable("amount", new ArrowType.Int(64, true)), MEMO)),
            "v2.arrows",
            false);

    CliRunner r = CliRunner.run("schema", "check", v1.toString(), v2.toString());

    assertThat(r.status()).as(r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).startsWith("level: BACKWARD");
    assertThat(r.out()).contains("TYPE_WIDENED  amount").contains("COLUMN_ADDED  memo");
  }

  @Test
  void check_withARequiredLevelThatFails_exitsOne_andJsonNamesTheChanges() throws Exception {
    Path v1 = write(new Schema(List.of(ID, AMOUNT)), "v1.arrows", false);
    Path v2 = write(new Schema(List.of(ID, AMOUNT, MEMO)), "v2.arrows", false);

    CliRunner r =
        CliRunner.run(
            "schema", "check", v1.toString(), v2.toString(), "--require", "full", "--json");

    assertThat(r.status()).isEqualTo(ExitCodes.NOT_SATISFIED);
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("level").asText()).isEqualTo("BACKWARD");
    assertThat(json.get("holds").asBoolean()).isFalse();
    assertThat(json.get("changes")).hasSize(1);
    assertThat(json.get("changes").get(0).get("kind").asText()).isEqualTo("COLUMN_ADDED");
    assertThat(json.get("changes").get(0).get("path").asText()).isEqualTo("memo");
  }

  @Test
  void check_underTheProjectingReaderModel_makesANullableAdditionFull() throws IOException {
    Path v1 = write(new Schema(List.of(ID, AMOUNT)), "v1.arrows", false);
    Path v2 = write(new Schema(List.of(ID, AMOUNT, MEMO)), "v2.arrows", false);

    CliRunner r =
        CliRunner.run(
            "schema",
            "check",
            v1.toString(),
            v2.toString(),
            "--reader-model",
            "projecting",
            "--require",
            "FULL");

    assertThat(r.status()).as(r.out() + r.err()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).startsWith("level: FULL");
  }

  @Test
  void badInput_exitsTwoWithOneLineNamingTheFile() throws IOException {
    Path garbage = Files.write(dir.resolve("garbage.arrows"), new byte[] {1, 2, 3, 4, 5, 6, 7});
    Path truncatedFile = dir.resolve("cut.arrow");
    byte[] whole = Files.readAllBytes(write(new Schema(List.of(ID)), "whole.arrow", true));
    Files.write(truncatedFile, java.util.Arrays.copyOf(whole, 12));
    Path empty = Files.write(dir.resolve("empty.arrows"), new byte[0]);
    // A continuation marker, then a message length of 2 GiB - 1 in a 12-byte file.
    Path hostile =
        Files.write(
            dir.resolve("hostile.arrows"),
            new byte[] {-1, -1, -1, -1, -1, -1, -1, 0x7f, 0, 0, 0, 0});

    for (Path bad :
        List.of(garbage, truncatedFile, empty, hostile, dir.resolve("missing.arrows"))) {
      CliRunner r = CliRunner.run("schema", "fingerprint", bad.toString());
      assertThat(r.status()).as(bad.toString()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(r.err().lines()).hasSize(1);
      assertThat(r.err()).contains(bad.getFileName().toString()).doesNotContain("Exception");
    }
    CliRunner usage =
        CliRunner.run("schema", "check", garbage.toString(), "x", "--require", "most");
    assertThat(usage.status()).isEqualTo(ExitCodes.BAD_INPUT);
  }

  @Test
  void corpusMalformedFiles_areBadInputNeverACrash() throws IOException {
    Path malformed = Path.of(System.getProperty("flowctl.corpus"), "malformed");
    List<Path> files = new ArrayList<>();
    try (var s = Files.walk(malformed)) {
      s.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("MANIFEST"))
          .filter(p -> !p.getFileName().toString().endsWith(".md"))
          .forEach(files::add);
    }
    assertThat(files).isNotEmpty();
    for (Path p : files) {
      CliRunner r = CliRunner.run("schema", "fingerprint", p.toString());
      assertThat(r.status())
          .as("%s: %s%s", p, r.out(), r.err())
          .isIn(ExitCodes.OK, ExitCodes.BAD_INPUT);
      assertThat(r.err()).doesNotContain("internal error");
    }
  }

  private Path write(Schema schema, String name, boolean file) throws IOException {
    Path path = dir.resolve(name);
    try (BatchData.Written w = new BatchData(schema, List.of()).write(allocator);
        OutputStream out = Files.newOutputStream(path)) {
      if (file) {
        try (ArrowFileWriter writer =
            new ArrowFileWriter(w.root(), w.dictionaries(), Channels.newChannel(out))) {
          writer.start();
          writer.writeBatch();
          writer.end();
        }
      } else {
        try (ArrowStreamWriter writer = new ArrowStreamWriter(w.root(), w.dictionaries(), out)) {
          writer.start();
          writer.writeBatch();
          writer.end();
        }
      }
    }
    return path;
  }

  @Test
  void aSchemaInArrowsJsonForm_isReadByEverySchemaCommand_andShowWritesIt() throws Exception {
    Schema schema =
        new Schema(
            List.of(
                ID,
                ASSET,
                MEMO,
                new Field(
                    "legs",
                    FieldType.notNullable(new ArrowType.List()),
                    List.of(Field.notNullable("item", new ArrowType.Int(32, true))))),
            java.util.Map.of("owner", "payments"));
    Path ipc = write(schema, "v1.arrows", false);
    Path json = Files.writeString(dir.resolve("v1.json"), schema.toJson());

    // The same fingerprints, structural and exact, from either form.
    for (String flag : List.of("", "--with-metadata")) {
      List<String> args = new ArrayList<>(List.of("schema", "fingerprint"));
      if (!flag.isEmpty()) {
        args.add(flag);
      }
      CliRunner fromJson = CliRunner.run(concat(args, json.toString()));
      CliRunner fromIpc = CliRunner.run(concat(args, ipc.toString()));
      assertThat(fromJson.status()).as(fromJson.err()).isEqualTo(ExitCodes.OK);
      assertThat(fromJson.out()).isEqualTo(fromIpc.out());
    }
    // show --json prints Arrow's own form: it reads back as the same schema, and is read again.
    CliRunner shown = CliRunner.run("schema", "show", ipc.toString(), "--json");
    assertThat(shown.status()).as(shown.err()).isEqualTo(ExitCodes.OK);
    assertThat(Schema.fromJSON(shown.out())).isEqualTo(schema);
    Path again = Files.writeString(dir.resolve("again.json"), shown.out());
    assertThat(CliRunner.run("schema", "fingerprint", again.toString()).out())
        .isEqualTo(CliRunner.run("schema", "fingerprint", ipc.toString()).out());
    // ...and as one line per field.
    CliRunner text = CliRunner.run("schema", "show", json.toString());
    assertThat(text.out())
        .contains("id: Int(64, true) not null")
        .contains("legs: List not null")
        .contains("  item: Int(32, true) not null")
        .contains("fingerprint " + SchemaFingerprints.structural(schema));
    // check compares JSON with IPC: identical.
    CliRunner check = CliRunner.run("schema", "check", ipc.toString(), json.toString());
    assertThat(check.status()).as(check.err()).isEqualTo(ExitCodes.OK);
    assertThat(check.out()).contains("FULL");
  }

  @Test
  void aBrokenOrHostileJsonSchema_isOneLineNamingTheFile() throws Exception {
    Path broken = Files.writeString(dir.resolve("broken.json"), "{\"fields\": [ {\"name\": ");
    Path notASchema = Files.writeString(dir.resolve("other.json"), "{\"hello\": \"world\"}");
    // 200 structs deep: past the nesting limit every schema is held to
    StringBuilder deep = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      deep.append("{\"name\":\"s")
          .append(i)
          .append("\",\"nullable\":true,\"type\":{\"name\":\"struct\"},\"children\":[");
    }
    deep.append("{\"name\":\"x\",\"nullable\":true,\"type\":{\"name\":\"bool\"},\"children\":[]}");
    deep.append("]}".repeat(200));
    Path hostile = Files.writeString(dir.resolve("deep.json"), "{\"fields\":[" + deep + "]}");

    for (Path f : List.of(broken, notASchema, hostile)) {
      CliRunner r = CliRunner.run("schema", "fingerprint", f.toString());
      assertThat(r.status()).as(f + ": " + r.out() + r.err()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
      assertThat(r.err()).contains(f.toString());
    }
  }

  private static String[] concat(List<String> args, String last) {
    List<String> all = new ArrayList<>(args);
    all.add(last);
    return all.toArray(String[]::new);
  }
}
