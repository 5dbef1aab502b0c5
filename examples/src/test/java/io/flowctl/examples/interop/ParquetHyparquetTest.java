package io.flowctl.examples.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowctl.parquet.ParquetCompression;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.testing.BatchData;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Parquet files flowctl writes, read by another implementation: hyparquet, in Node, with its
 * own page decoders and record assembly. Every value of every row must come back, for each
 * compression, over several row groups and many small pages, with flat and nested columns, nulls
 * and dictionary-encoded pages.
 */
class ParquetHyparquetTest {
  static final Path NODE = Path.of("src", "test", "node").toAbsolutePath();
  static final int ROWS = 3_500;

  @TempDir Path dir;

  static Schema schema() {
    return new Schema(
        List.of(
            field("id", new ArrowType.Int(64, true), false),
            field("n", new ArrowType.Int(32, true), true),
            field("name", ArrowType.Utf8.INSTANCE, true),
            field("price", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE), true),
            field("flag", ArrowType.Bool.INSTANCE, true),
            field("amount", new ArrowType.Decimal(38, 7, 128), true),
            field(
                "at",
                new ArrowType.Timestamp(org.apache.arrow.vector.types.TimeUnit.MICROSECOND, "UTC"),
                false),
            new Field(
                "memo",
                FieldType.nullable(ArrowType.Struct.INSTANCE),
                List.of(
                    field("kind", ArrowType.Utf8.INSTANCE, false),
                    field("text", ArrowType.Utf8.INSTANCE, true))),
            new Field(
                "tags",
                FieldType.nullable(ArrowType.List.INSTANCE),
                List.of(field("item", ArrowType.Utf8.INSTANCE, true)))));
  }

  static List<List<Object>> rows() {
    Random r = new Random(7);
    String[] names = {"transfer", "mint", "", "bürn", "clawback-" + "x".repeat(40)};
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    List<List<Object>> out = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      List<Object> tags = new ArrayList<>();
      for (int k = 0; k < i % 4; k++) {
        tags.add(k == 2 ? null : "tag" + (i * k % 11));
      }
      out.add(
          Arrays.asList(
              (long) i * 1_000_003L - 1_750_000_000L,
              i % 7 == 0 ? null : (long) r.nextInt(),
              i % 5 == 0 ? null : names[r.nextInt(names.length)] + (i % 3 == 0 ? i : ""),
              i % 9 == 0 ? null : r.nextDouble() * 1e6 - 5e5,
              i % 11 == 0 ? null : r.nextBoolean(),
              i % 13 == 0 ? null : BigDecimal.valueOf(r.nextLong() >> 14, 7),
              t0.plus((long) i * 1_234_567L + r.nextInt(1000), ChronoUnit.MICROS),
              i % 3 == 0
                  ? null
                  : Map.of("kind", "k" + (i % 4), "text", i % 6 == 1 ? "" : "memo " + i),
              i % 8 == 0 ? null : tags));
    }
    // Keep a null text in the struct (Map.of takes no nulls).
    out.get(4).set(7, new java.util.HashMap<>(Map.of("kind", "k0")));
    ((Map<String, Object>) out.get(4).get(7)).put("text", null);
    return out;
  }

  @Test
  void everyValueOfOurParquetFiles_readsBackInHyparquet() throws Exception {
    assertThat(NODE.resolve("node_modules/hyparquet"))
        .as("run: npm ci --prefix examples/src/test/node (bin/test does)")
        .exists();
    List<List<Object>> rows = rows();
    BatchData data = new BatchData(schema(), rows);
    List<String> files = new ArrayList<>();
    files.add(NODE.resolve("read-parquet.mjs").toString());
    for (ParquetCompression c : ParquetCompression.values()) {
      ParquetEventCodec codec =
          ParquetEventCodec.builder().compression(c).rowGroupRows(1_000).pageBytes(1024).build();
      Path file = dir.resolve(c.wireName() + ".parquet");
      try (BufferAllocator allocator = new RootAllocator();
          BatchData.Written w = data.write(allocator)) {
        Files.write(file, codec.encode(w.root(), w.dictionaries()).getPayload().toByteArray());
      }
      files.add(file.toString());
    }
    List<JsonNode> read = node(files);
    assertThat(read).hasSize(ParquetCompression.values().length);
    for (JsonNode f : read) {
      String file = f.get("file").asText();
      assertThat(f.get("rowGroups").asInt()).as(file).isEqualTo(4);
      JsonNode got = f.get("rows");
      assertThat(got.size()).as(file).isEqualTo(ROWS);
      for (int i = 0; i < ROWS; i++) {
        assertRow(file + " row " + i, rows.get(i), got.get(i));
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void assertRow(String where, List<Object> want, JsonNode got) {
    assertThat(got.get("id").asText()).as(where + " id").isEqualTo(want.get(0).toString());
    if (want.get(1) == null) {
      assertThat(got.get("n").isNull()).as(where + " n").isTrue();
    } else {
      assertThat(got.get("n").asLong()).as(where + " n").isEqualTo(want.get(1));
    }
    text(where + " name", (String) want.get(2), got.get("name"));
    if (want.get(3) == null) {
      assertThat(got.get("price").isNull()).as(where + " price").isTrue();
    } else {
      assertThat(got.get("price").asDouble()).as(where + " price").isEqualTo(want.get(3));
    }
    if (want.get(4) == null) {
      assertThat(got.get("flag").isNull()).as(where + " flag").isTrue();
    } else {
      assertThat(got.get("flag").asBoolean()).as(where + " flag").isEqualTo(want.get(4));
    }
    if (want.get(5) == null) {
      assertThat(got.get("amount").isNull()).as(where + " amount").isTrue();
    } else {
      // hyparquet gives decimals as doubles; unscaled values below 2^53 divide exactly-rounded
      assertThat(got.get("amount").asDouble())
          .as(where + " amount")
          .isEqualTo(((BigDecimal) want.get(5)).doubleValue());
    }
    Instant at = (Instant) want.get(6);
    assertThat(got.get("at").asText())
        .as(where + " at")
        .isEqualTo(ChronoUnit.MICROS.between(Instant.EPOCH, at) + "us");
    Map<String, Object> memo = (Map<String, Object>) want.get(7);
    if (memo == null) {
      assertThat(got.get("memo").isNull()).as(where + " memo").isTrue();
    } else {
      text(where + " memo.kind", (String) memo.get("kind"), got.get("memo").get("kind"));
      text(where + " memo.text", (String) memo.get("text"), got.get("memo").get("text"));
    }
    List<Object> tags = (List<Object>) want.get(8);
    if (tags == null) {
      assertThat(got.get("tags").isNull()).as(where + " tags").isTrue();
    } else {
      assertThat(got.get("tags").size()).as(where + " tags").isEqualTo(tags.size());
      for (int k = 0; k < tags.size(); k++) {
        text(where + " tags[" + k + "]", (String) tags.get(k), got.get("tags").get(k));
      }
    }
  }

  private static void text(String where, String want, JsonNode got) {
    if (want == null) {
      assertThat(got == null || got.isNull()).as(where + ": " + got).isTrue();
    } else {
      assertThat(got.asText()).as(where).isEqualTo(want);
    }
  }

  private List<JsonNode> node(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node"));
    command.addAll(args);
    Path out = dir.resolve("hyparquet.jsonl");
    Path err = dir.resolve("hyparquet.err");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("hyparquet finished").isTrue();
    assertThat(p.exitValue()).as(Files.readString(err, StandardCharsets.UTF_8)).isZero();
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> files = new ArrayList<>();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      files.add(json.readTree(line));
    }
    return files;
  }

  private static Field field(String name, ArrowType type, boolean nullable) {
    return new Field(name, new FieldType(nullable, type, null), null);
  }
}
