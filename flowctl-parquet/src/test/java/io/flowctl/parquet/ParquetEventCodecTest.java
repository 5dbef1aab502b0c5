package io.flowctl.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.flowctl.client.codec.CodecException;
import io.flowctl.proto.Event;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.VarBinaryVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.DenseUnionVector;
import org.apache.arrow.vector.types.UnionMode;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ParquetEventCodecTest {
  static final Path CORPUS = Path.of(System.getProperty("flowctl.corpus"));

  /**
   * Corpus files that fail with the default settings: LZ4 without Hadoop framing (the deprecated
   * codec's other dialect, which parquet-java 1.18 cannot decode), and INT96 dates beyond the range
   * of int64 microseconds (read with {@code int96Unit(MILLISECOND)}, see below).
   */
  static final Set<String> UNREADABLE =
      Set.of("non_hadoop_lz4_compressed.parquet", "int96_from_spark.parquet");

  private final ParquetEventCodec codec = ParquetEventCodec.defaults();
  private BufferAllocator allocator;

  @BeforeEach
  void open() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void close() {
    allocator.close(); // fails the test on a leaked buffer
  }

  static Stream<Path> readable() throws IOException {
    return files("parquet", ".parquet")
        .filter(p -> !UNREADABLE.contains(p.getFileName().toString()));
  }

  static Stream<Path> malformed() throws IOException {
    return files("malformed", "").filter(p -> p.getFileName().toString().startsWith("parquet-"));
  }

  private static Stream<Path> files(String dir, String suffix) throws IOException {
    try (Stream<Path> s = Files.list(CORPUS.resolve(dir))) {
      return s
          .filter(p -> p.toString().endsWith(suffix) && !p.toString().endsWith(".md"))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest
  @MethodSource("readable")
  void everyReadableCorpusFile_convertsToArrow_withParquetJavasOwnValues(Path file)
      throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Event event = codec.wrap(ByteString.copyFrom(bytes));
    List<Group> expected = groups(bytes);

    int row = 0;
    int compared = 0;
    try (ParquetEventReader in = codec.decode(event, allocator)) {
      MessageType parquet = schemaOf(bytes);
      while (in.loadNextBatch()) {
        VectorSchemaRoot root = in.root();
        for (int i = 0; i < root.getRowCount(); i++, row++) {
          Group g = expected.get(row);
          for (int c = 0; c < parquet.getFieldCount(); c++) {
            compared += compare(parquet.getType(c), g, c, root.getVector(c), i, file, row);
          }
        }
      }
      assertThat(in.rowsRead()).isEqualTo(event.getArrowMetadata().getNumRows());
    }
    assertThat(row).as(file.toString()).isEqualTo(expected.size());
    if (file.getFileName().toString().startsWith("alltypes")) {
      assertThat(compared).as("values compared in " + file).isGreaterThan(row * 5);
    }
  }

  @Test
  void aSchemaWithoutColumns_isRefusedBeforeAnyParquetIsWritten() {
    try (VectorSchemaRoot empty =
        VectorSchemaRoot.create(
            new org.apache.arrow.vector.types.pojo.Schema(List.of()), allocator)) {
      assertThatThrownBy(() -> ParquetEventCodec.defaults().encode(empty))
          .isInstanceOf(CodecException.class)
          .hasMessage("a schema without columns has no Parquet form (Parquet has no empty files)");
    }
  }

  @Test
  void decimalsParquetCannotHold_areRefusedNamingTheColumn() {
    // What a damaged IPC file can declare: Arrow reads these types, Parquet's DECIMAL has no form.
    for (ArrowType.Decimal bad :
        List.of(
            new ArrowType.Decimal(0, 0, 128),
            new ArrowType.Decimal(39, 2, 128),
            new ArrowType.Decimal(77, 2, 256),
            new ArrowType.Decimal(10, -1, 128),
            new ArrowType.Decimal(5, 6, 128))) {
      Schema schema = new Schema(List.of(new Field("price", FieldType.nullable(bad), null)));
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
        root.setRowCount(0);
        assertThatThrownBy(() -> ParquetEventCodec.defaults().encode(root))
            .as(bad.toString())
            .isInstanceOf(CodecException.class)
            .hasMessageStartingWith("column 'price': " + bad + " has no Parquet form");
      }
    }
  }

  @Test
  void theCorpusFilesParquetJavaCannotDecode_failWithACodecException() throws IOException {
    for (String name : UNREADABLE) {
      Event e =
          codec.wrap(ByteString.copyFrom(Files.readAllBytes(CORPUS.resolve("parquet/" + name))));
      assertThatThrownBy(() -> readAll(e)).as(name).isInstanceOf(CodecException.class);
    }
  }

  @ParameterizedTest
  @MethodSource("readable")
  void inspect_readsWhatDecodingWould_fromTheFooterAlone(Path file) throws IOException {
    ByteString bytes = ByteString.copyFrom(Files.readAllBytes(file));
    ParquetEventCodec.FileInfo info = codec.inspect(bytes, file.toString());
    Event wrapped = codec.wrap(bytes);
    assertThat(info.event().getArrowMetadata()).isEqualTo(wrapped.getArrowMetadata());
    assertThat(info.event().getPayload()).isEqualTo(bytes);
    try (ParquetEventReader in = codec.decode(info.event(), allocator)) {
      assertThat(info.schema()).isEqualTo(in.schema());
    }
    assertThat(info.compression()).isEqualTo(ParquetSchemas.compressionCodecs(file));
  }

  @Test
  void aBufferRetainedFromOneBatch_isNotOverwrittenByTheNext() {
    try (org.apache.arrow.vector.BigIntVector v =
            new org.apache.arrow.vector.BigIntVector("n", allocator);
        org.apache.arrow.vector.VectorSchemaRoot root =
            org.apache.arrow.vector.VectorSchemaRoot.of(v)) {
      v.allocateNew(3000);
      for (int i = 0; i < 3000; i++) {
        v.set(i, i);
      }
      root.setRowCount(3000);
      Event e = ParquetEventCodec.builder().batchRows(1000).build().encode(root);
      try (ParquetEventReader in =
          ParquetEventCodec.builder().batchRows(1000).build().decode(e, allocator)) {
        assertThat(in.loadNextBatch()).isTrue();
        org.apache.arrow.memory.ArrowBuf kept = in.root().getVector(0).getDataBuffer();
        kept.getReferenceManager().retain();
        try {
          assertThat(in.loadNextBatch()).isTrue();
          assertThat(in.loadNextBatch()).isTrue();
          assertThat(kept.getLong(8L * 999)).isEqualTo(999);
          assertThat(((org.apache.arrow.vector.BigIntVector) in.root().getVector(0)).get(999))
              .isEqualTo(2999);
        } finally {
          kept.getReferenceManager().release();
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("malformed")
  void malformedCorpusFiles_failWithACodecException_orDecode(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try {
      Event e = codec.wrap(ByteString.copyFrom(bytes));
      readAll(e);
    } catch (CodecException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    assertThat(allocator.getAllocatedMemory()).isZero();
  }

  @Test
  void knownValues_comeThrough() throws IOException {
    Map<String, List<Object>> plain = columns("parquet/alltypes_plain.parquet");
    assertThat(plain.get("id")).containsExactly(4, 5, 6, 7, 2, 3, 0, 1);
    assertThat(plain.get("bool_col"))
        .containsExactly(true, false, true, false, true, false, true, false);

    Map<String, List<Object>> decimals = columns("parquet/int32_decimal.parquet");
    assertThat(decimals.get("value").get(0)).isEqualTo(new BigDecimal("1.00"));
    assertThat(decimals.get("value").get(23)).isEqualTo(new BigDecimal("24.00"));

    Map<String, List<Object>> fixed = columns("parquet/fixed_length_decimal.parquet");
    assertThat(fixed.get("value").get(0)).isEqualTo(new BigDecimal("1.00"));

    // Spark's INT96 dates here reach beyond what int64 micro- and nanoseconds hold: the default
    // unit names the column, milliseconds read every value.
    assertThatThrownBy(() -> columns("parquet/int96_from_spark.parquet", codec))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("column 'a'");
    Map<String, List<Object>> spark =
        columns(
            "parquet/int96_from_spark.parquet",
            ParquetEventCodec.builder()
                .int96Unit(org.apache.arrow.vector.types.TimeUnit.MILLISECOND)
                .build());
    assertThat(spark.get("a")).hasSize(6);
    assertThat(spark.get("a").get(0).toString()).isEqualTo("2024-01-01T20:34:56.123");
    assertThat(spark.get("a").get(2).toString()).isEqualTo("9999-12-31T03:00");
    assertThat(spark.get("a").get(4)).isNull();
    assertThat(spark.get("a").get(5).toString()).startsWith("-294554-12-13");
  }

  @Test
  void anEncodedRoot_comesBackWithItsTypes_underEveryCompression() {
    Schema schema =
        new Schema(
            List.of(
                Field.notNullable("ledger", new ArrowType.Int(64, true)),
                Field.nullable("asset", ArrowType.Utf8.INSTANCE),
                Field.nullable("amount", new ArrowType.Decimal(20, 7, 128)),
                Field.nullable(
                    "closed",
                    new ArrowType.Timestamp(org.apache.arrow.vector.types.TimeUnit.SECOND, "UTC"))),
            Map.of("producer", "test"));
    for (ParquetCompression c : ParquetCompression.values()) {
      ParquetEventCodec codec = ParquetEventCodec.builder().compression(c).build();
      Event e;
      try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
        root.allocateNew();
        for (int i = 0; i < 100; i++) {
          ((BigIntVector) root.getVector(0)).setSafe(i, 1000L + i);
          if (i % 10 == 0) {
            ((VarCharVector) root.getVector(1)).setNull(i);
          } else {
            ((VarCharVector) root.getVector(1)).setSafe(i, ("XLM" + (i % 3)).getBytes());
          }
          ((DecimalVector) root.getVector(2))
              .setSafe(i, new BigDecimal("-12.5000000").add(BigDecimal.valueOf(i)));
          ((TimeStampVector) root.getVector(3)).setSafe(i, 1_700_000_000L + i);
        }
        root.setRowCount(100);
        e = codec.encode(root);
      }
      assertThat(e.getArrowMetadata().getCompressionCodec()).isEqualTo(c.wireName());
      assertThat(e.getArrowMetadata().getColumnNamesList())
          .containsExactly("ledger", "asset", "amount", "closed");
      try (ParquetEventReader in = codec.decode(e, allocator)) {
        assertThat(in.schema()).isEqualTo(schema);
        assertThat(in.loadNextBatch()).isTrue();
        VectorSchemaRoot root = in.root();
        assertThat(root.getRowCount()).isEqualTo(100);
        assertThat(((BigIntVector) root.getVector(0)).get(99)).isEqualTo(1099L);
        assertThat(root.getVector(1).isNull(10)).isTrue();
        assertThat(root.getVector(1).getObject(11).toString()).isEqualTo("XLM2");
        assertThat(((DecimalVector) root.getVector(2)).getObject(3))
            .isEqualTo(new BigDecimal("-9.5000000"));
        assertThat(((TimeStampVector) root.getVector(3)).get(5)).isEqualTo(1_700_000_005L);
        assertThat(in.loadNextBatch()).isFalse();
      }
    }
  }

  /** Every corpus IPC stream but the two Arrow Java 19 cannot read (see ArrowEventCodecTest). */
  static Stream<Path> ipcStreams() throws IOException {
    return files("arrow-ipc", ".stream")
        .filter(
            p ->
                !p.getFileName().toString().startsWith("0.17.1_generated_union")
                    && !p.getFileName()
                        .toString()
                        .startsWith("cpp-21.0.0_generated_duplicate_fieldnames"));
  }

  /**
   * Every corpus IPC stream whose types have a Parquet form comes back with the same values
   * (dictionaries decoded); the others are refused naming a column.
   */
  @ParameterizedTest
  @MethodSource("ipcStreams")
  void corpusIpcStreams_throughParquet_keepTheirValues(Path stream) throws IOException {
    String name = stream.getFileName().toString();
    List<List<Object>> before = new ArrayList<>();
    Event e;
    try (java.io.InputStream in = Files.newInputStream(stream);
        org.apache.arrow.vector.ipc.ArrowStreamReader r =
            new org.apache.arrow.vector.ipc.ArrowStreamReader(in, allocator)) {
      try (ParquetEventCodec.EventWriter w = codec.newWriter(r.getVectorSchemaRoot(), r)) {
        while (r.loadNextBatch()) {
          before.addAll(valuesOf(r.getVectorSchemaRoot(), r));
          w.writeBatch();
        }
        e = w.finish();
      } catch (CodecException refused) {
        assertThat(refused.getMessage()).as(name).containsPattern("column '[^']*'");
        return;
      }
    }
    List<List<Object>> after = new ArrayList<>();
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        after.addAll(valuesOf(in.root(), in.dictionaries()));
      }
    }
    assertThat(after).as(stream.getFileName().toString()).isEqualTo(before);
  }

  /** Every row as logical values, dictionary-encoded values decoded. */
  private static List<List<Object>> valuesOf(
      VectorSchemaRoot root, org.apache.arrow.vector.dictionary.DictionaryProvider dicts) {
    return io.flowctl.testing.BatchData.read(root, dicts).rows();
  }

  @Test
  void severalBatchesOfOneRoot_landInOneFile_withTheValuesOfEach() {
    Schema schema =
        new Schema(
            List.of(
                Field.nullable("amount", new ArrowType.Decimal(38, 4, 128)),
                Field.nullable(
                    "took",
                    new ArrowType.Duration(org.apache.arrow.vector.types.TimeUnit.MICROSECOND))));
    Event e;
    try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
        ParquetEventCodec.EventWriter w = codec.newWriter(root, null)) {
      for (int batch = 0; batch < 3; batch++) {
        root.clear();
        root.allocateNew();
        for (int i = 0; i < 5; i++) {
          ((DecimalVector) root.getVector(0)).setSafe(i, new BigDecimal(batch * 100 + i + ".0001"));
          ((org.apache.arrow.vector.DurationVector) root.getVector(1))
              .setSafe(i, batch * 1000L + i);
        }
        root.setRowCount(5);
        w.writeBatch();
      }
      e = w.finish();
    }
    Map<String, List<Object>> back = new TreeMap<>();
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        for (FieldVector v : in.root().getFieldVectors()) {
          for (int i = 0; i < v.getValueCount(); i++) {
            back.computeIfAbsent(v.getName(), k -> new ArrayList<>()).add(v.getObject(i));
          }
        }
      }
    }
    assertThat(back.get("amount")).hasSize(15);
    assertThat(back.get("amount").get(14)).isEqualTo(new BigDecimal("204.0001"));
    assertThat(back.get("took").get(7).toString())
        .isEqualTo(java.time.Duration.ofNanos(1_002_000).toString());
  }

  /** Arrow lets a vector of a non-nullable field hold nulls; Parquet's REQUIRED column cannot. */
  @Test
  void aNullInANonNullableColumn_isRefused_namingTheColumnAndRow() {
    Field id = new Field("id", new FieldType(false, new ArrowType.Int(64, true), null), null);
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(id)), allocator)) {
      BigIntVector v = (BigIntVector) root.getVector(0);
      v.allocateNew(3);
      v.set(0, 1);
      v.setNull(1);
      v.set(2, 3);
      root.setRowCount(3);
      assertThatThrownBy(() -> codec.encode(root))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("'id' row 1 is null");
    }
  }

  @Test
  void typesWithoutAParquetForm_areRefused_namingTheColumn() {
    Field union =
        new Field(
            "choice",
            FieldType.nullable(new ArrowType.Union(UnionMode.Dense, new int[] {0})),
            List.of(Field.nullable("i", new ArrowType.Int(32, true))));
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(union)), allocator)) {
      assertThat(root.getVector(0)).isInstanceOf(DenseUnionVector.class);
      assertThatThrownBy(() -> codec.encode(root))
          .isInstanceOf(CodecException.class)
          .hasMessageContaining("'choice'");
    }
  }

  @Test
  void aPayloadThatDisagreesWithItsMetadata_isRefused() throws IOException {
    Event e =
        codec.wrap(
            ByteString.copyFrom(
                Files.readAllBytes(CORPUS.resolve("parquet/alltypes_plain.parquet"))));
    Event wrongRows =
        e.toBuilder().setArrowMetadata(e.getArrowMetadata().toBuilder().setNumRows(9)).build();
    assertThatThrownBy(() -> readAll(wrongRows)).hasMessageContaining("num_rows says 9");
    Event wrongPrint =
        e.toBuilder()
            .setArrowMetadata(e.getArrowMetadata().toBuilder().setSchemaFingerprint("sha256:00"))
            .build();
    assertThatThrownBy(() -> readAll(wrongPrint)).hasMessageContaining("schema_fingerprint");
  }

  @Test
  void aPageDeclaringMoreThanTheLimit_isRefusedBeforeItIsRead() throws IOException {
    Event e =
        codec.wrap(
            ByteString.copyFrom(
                Files.readAllBytes(CORPUS.resolve("parquet/delta_binary_packed.parquet"))));
    ParquetEventCodec small = ParquetEventCodec.builder().maxDecodedBytes(1024).build();
    assertThatThrownBy(() -> small.decode(e, allocator))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("decode limit");
  }

  @Test
  void bytesThatAreNotParquet_areRefused() {
    assertThatThrownBy(() -> codec.wrap(ByteString.copyFromUtf8("definitely not parquet")))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("not a Parquet file");
  }

  private void readAll(Event e) {
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        assertThat(in.root().getRowCount()).isPositive();
      }
    }
  }

  private Map<String, List<Object>> columns(String file) throws IOException {
    return columns(file, codec);
  }

  private Map<String, List<Object>> columns(String file, ParquetEventCodec codec)
      throws IOException {
    Event e = codec.wrap(ByteString.copyFrom(Files.readAllBytes(CORPUS.resolve(file))));
    Map<String, List<Object>> out = new TreeMap<>();
    try (ParquetEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        for (FieldVector v : in.root().getFieldVectors()) {
          List<Object> values = out.computeIfAbsent(v.getName(), k -> new ArrayList<>());
          for (int i = 0; i < v.getValueCount(); i++) {
            values.add(v.getObject(i));
          }
        }
      }
    }
    return out;
  }

  /** parquet-java's own record assembly, as the reference for the values. */
  private static List<Group> groups(byte[] bytes) throws IOException {
    List<Group> out = new ArrayList<>();
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
    try (ParquetFileReader r =
        ParquetFileReader.open(
            ParquetBytes.input(buf),
            new ParquetReadOptions.Builder(new PlainParquetConfiguration()).build())) {
      MessageType schema = r.getFileMetaData().getSchema();
      PageReadStore pages;
      while ((pages = r.readNextRowGroup()) != null) {
        RecordReader<Group> rr =
            new ColumnIOFactory()
                .getColumnIO(schema)
                .getRecordReader(pages, new GroupRecordConverter(schema));
        for (long i = 0; i < pages.getRowCount(); i++) {
          out.add(rr.read());
        }
      }
    }
    return out;
  }

  private static MessageType schemaOf(byte[] bytes) throws IOException {
    try (ParquetFileReader r =
        ParquetFileReader.open(
            ParquetBytes.input(java.nio.ByteBuffer.wrap(bytes)),
            new ParquetReadOptions.Builder(new PlainParquetConfiguration()).build())) {
      return r.getFileMetaData().getSchema();
    }
  }

  /** Compares one top-level value; returns 1 when a value was compared, 0 when skipped. */
  private static int compare(Type t, Group g, int c, FieldVector v, int i, Path file, int row) {
    String where = file.getFileName() + " row " + row + " column " + t.getName();
    boolean absent = g.getFieldRepetitionCount(c) == 0;
    if (!t.isPrimitive() || t.isRepetition(Type.Repetition.REPEATED)) {
      if (t.isRepetition(Type.Repetition.OPTIONAL)) {
        assertThat(v.isNull(i)).as(where).isEqualTo(absent);
      }
      return 0;
    }
    assertThat(v.isNull(i)).as(where).isEqualTo(absent);
    if (absent) {
      return 1;
    }
    PrimitiveTypeName p = t.asPrimitiveType().getPrimitiveTypeName();
    if (p == PrimitiveTypeName.INT32
        && v instanceof BaseIntVector n
        && !(v instanceof DecimalVector)) {
      long raw = n.getValueAsLong(i);
      assertThat((int) raw).as(where).isEqualTo(g.getInteger(c, 0));
    } else if (p == PrimitiveTypeName.INT64 && v instanceof BaseIntVector n) {
      assertThat(n.getValueAsLong(i)).as(where).isEqualTo(g.getLong(c, 0));
    } else if (p == PrimitiveTypeName.BOOLEAN && v instanceof BitVector b) {
      assertThat(b.get(i) == 1).as(where).isEqualTo(g.getBoolean(c, 0));
    } else if (p == PrimitiveTypeName.FLOAT && v instanceof Float4Vector f) {
      assertThat(Float.floatToIntBits(f.get(i)))
          .as(where)
          .isEqualTo(Float.floatToIntBits(g.getFloat(c, 0)));
    } else if (p == PrimitiveTypeName.DOUBLE && v instanceof Float8Vector f) {
      assertThat(Double.doubleToLongBits(f.get(i)))
          .as(where)
          .isEqualTo(Double.doubleToLongBits(g.getDouble(c, 0)));
    } else if (p == PrimitiveTypeName.BINARY && v instanceof VarCharVector s) {
      assertThat(s.get(i)).as(where).isEqualTo(g.getBinary(c, 0).getBytes());
    } else if (p == PrimitiveTypeName.BINARY && v instanceof VarBinaryVector s) {
      assertThat(s.get(i)).as(where).isEqualTo(g.getBinary(c, 0).getBytes());
    } else {
      return 0; // logical types (decimals, temporal, fixed-size) are checked in knownValues
    }
    return 1;
  }
}
