package io.flowctl.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.client.codec.CodecException;
import io.flowctl.schema.SchemaFingerprints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ParquetSchemasTest {
  static final Path PARQUET = Path.of(System.getProperty("flowctl.corpus"), "parquet");

  static Stream<Path> corpus() throws IOException {
    try (Stream<Path> s = Files.list(PARQUET)) {
      return s.filter(p -> p.toString().endsWith(".parquet")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("corpus")
  void everyCorpusFile_hasAnArrowSchemaFromItsFooter(Path file) {
    Schema s = ParquetSchemas.read(file);

    assertThat(s.getFields()).isNotEmpty();
    assertThat(SchemaFingerprints.structural(s).toString()).startsWith("sha256:");
  }

  @Test
  void typesAreMappedAsDocumented() {
    Schema spark = ParquetSchemas.read(PARQUET.resolve("int96_from_spark.parquet"));
    assertThat(spark.getFields().get(0).getType())
        .isEqualTo(new ArrowType.Timestamp(TimeUnit.MICROSECOND, null));

    Schema decimal = ParquetSchemas.read(PARQUET.resolve("int32_decimal.parquet"));
    assertThat(decimal.getFields().get(0).getType()).isEqualTo(new ArrowType.Decimal(4, 2, 128));

    Schema lists = ParquetSchemas.read(PARQUET.resolve("list_columns.parquet"));
    Field int64List = lists.findField("int64_list");
    assertThat(int64List.getType()).isEqualTo(ArrowType.List.INSTANCE);
    assertThat(int64List.getChildren().get(0).getType()).isEqualTo(new ArrowType.Int(64, true));

    Schema legacy = ParquetSchemas.read(PARQUET.resolve("old_list_structure.parquet"));
    Field a = legacy.getFields().get(0);
    assertThat(a.getType()).isEqualTo(ArrowType.List.INSTANCE);
    assertThat(a.getChildren().get(0).getType()).isEqualTo(ArrowType.List.INSTANCE);
    assertThat(a.getChildren().get(0).getChildren().get(0).getType())
        .isEqualTo(new ArrowType.Int(32, true));

    Schema maps = ParquetSchemas.read(PARQUET.resolve("nested_maps.snappy.parquet"));
    assertThat(maps.getFields().get(0).getType()).isInstanceOf(ArrowType.Map.class);

    Schema float16 = ParquetSchemas.read(PARQUET.resolve("float16_nonzeros_and_nans.parquet"));
    assertThat(float16.getFields().get(0).getType())
        .isEqualTo(
            new ArrowType.FloatingPoint(org.apache.arrow.vector.types.FloatingPointPrecision.HALF));

    Schema repeated = ParquetSchemas.read(PARQUET.resolve("repeated_no_annotation.parquet"));
    assertThat(repeated.toString()).contains("List<");
  }

  @Test
  void brokenFooters_areACodecExceptionNamingTheFile(@TempDir Path dir) throws IOException {
    byte[] good = Files.readAllBytes(PARQUET.resolve("alltypes_plain.parquet"));
    List<Path> bad = new ArrayList<>();
    bad.add(Files.write(dir.resolve("short.parquet"), new byte[] {'P', 'A', 'R', '1'}));
    bad.add(
        Files.write(dir.resolve("cut.parquet"), java.util.Arrays.copyOf(good, good.length - 3)));
    byte[] hostile = good.clone();
    hostile[good.length - 5] = 0x7f; // footer length near 2 GiB
    bad.add(Files.write(dir.resolve("hostile.parquet"), hostile));
    byte[] garbled = good.clone();
    int footer =
        java.nio.ByteBuffer.wrap(good, good.length - 8, 4)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .getInt();
    for (int i = good.length - 8 - footer; i < good.length - 8; i += 3) {
      garbled[i] ^= 0x5a;
    }
    bad.add(Files.write(dir.resolve("garbled.parquet"), garbled));

    for (Path p : bad) {
      assertThatThrownBy(() -> ParquetSchemas.read(p))
          .as(p.toString())
          .isInstanceOf(CodecException.class)
          .hasMessageContaining(p.getFileName().toString());
    }
  }
}
