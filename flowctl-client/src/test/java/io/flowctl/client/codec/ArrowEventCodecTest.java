package io.flowctl.client.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventTypes;
import io.flowctl.schema.ArrowSchemas;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.testing.BatchData;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.compression.CompressionUtil;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.IpcOption;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ArrowEventCodecTest {
  static final Path CORPUS = Path.of(System.getProperty("flowctl.corpus"));

  /** Streams Arrow Java 19 itself cannot read (see flowctl-schema's CorpusSchemaTest). */
  static final List<String> UNREADABLE_BY_ARROW_JAVA =
      List.of("0.17.1_generated_union", "cpp-21.0.0_generated_duplicate_fieldnames");

  static final Schema TRANSFERS =
      new Schema(
          List.of(
              Field.notNullable("ledger", new ArrowType.Int(64, true)),
              Field.nullable("asset", ArrowType.Utf8.INSTANCE),
              Field.nullable("amount", new ArrowType.Decimal(20, 7, 128))),
          Map.of("source", "test"));

  private BufferAllocator allocator;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator();
  }

  @AfterEach
  void tearDown() {
    allocator.close(); // fails on a leaked buffer
  }

  static Stream<String> corpusStreams() throws IOException {
    try (Stream<Path> s = Files.list(CORPUS.resolve("arrow-ipc"))) {
      return s
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".stream"))
          .map(n -> n.substring(0, n.length() - ".stream".length()))
          .filter(n -> UNREADABLE_BY_ARROW_JAVA.stream().noneMatch(n::equals))
          .sorted()
          .toList()
          .stream();
    }
  }

  @ParameterizedTest
  @MethodSource("corpusStreams")
  void corpusStreams_decodeLikeArrowJava_andSurviveDecodeEncodeDecode(String test)
      throws IOException {
    byte[] bytes = Files.readAllBytes(CORPUS.resolve("arrow-ipc").resolve(test + ".stream"));
    List<String> expected = snapshotWithArrowJava(bytes);
    Event raw = Event.newBuilder().setPayload(ByteString.copyFrom(bytes)).build();

    assertThat(snapshot(ArrowEventCodec.defaults(), raw)).as(test).isEqualTo(expected);

    for (Compression c : Compression.values()) {
      ArrowEventCodec codec = ArrowEventCodec.builder().compression(c).build();
      Event again = reencode(codec, raw);
      assertThat(snapshot(codec, again)).as("%s via %s", test, c).isEqualTo(expected);
    }
  }

  @Test
  void encode_fillsArrowMetadataFromTheBatch() {
    BatchData data =
        new BatchData(
            TRANSFERS,
            List.of(
                List.of(1L, "XLM", new java.math.BigDecimal("12.5000000")),
                java.util.Arrays.asList(2L, null, null)));
    try (BatchData.Written w = data.write(allocator)) {
      Event e =
          ArrowEventCodec.builder()
              .eventType(EventTypes.TTP_EVENT_BATCH)
              .compression(Compression.ZSTD)
              .schemaVersion(4)
              .build()
              .encode(w.root(), w.dictionaries());

      ArrowMetadata m = e.getArrowMetadata();
      assertThat(e.getEventType()).isEqualTo("arrow_data.TTPEventBatch");
      assertThat(e.getSchemaVersion()).isEqualTo(4);
      assertThat(e.hasTimestamp()).isTrue();
      assertThat(m.getSchemaFingerprint())
          .isEqualTo(SchemaFingerprints.structural(TRANSFERS).toString());
      assertThat(m.getNumRows()).isEqualTo(2);
      assertThat(m.getColumnNamesList()).containsExactly("ledger", "asset", "amount");
      assertThat(m.getCustomMetadataMap()).containsEntry("source", "test");
      assertThat(m.getCompressionCodec()).isEqualTo("zstd");
      assertThat(decodeAll(ArrowEventCodec.defaults(), e)).containsExactly(data);
    }
  }

  @Test
  void severalBatches_goIntoOneEvent() {
    BatchData first =
        new BatchData(TRANSFERS, List.of(List.of(1L, "a", java.math.BigDecimal.ONE.setScale(7))));
    BatchData second = new BatchData(TRANSFERS, List.of());
    ArrowEventCodec codec = ArrowEventCodec.defaults();
    try (BatchData.Written w = first.write(allocator);
        ArrowEventCodec.EventWriter writer = codec.newWriter(w.root(), null)) {
      writer.writeBatch();
      w.root().setRowCount(0);
      writer.writeBatch();
      Event e = writer.finish();
      assertThat(e.getArrowMetadata().getNumRows()).isEqualTo(1);
      assertThat(decodeAll(codec, e)).containsExactly(first, second);
    }
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void whatOurLz4AndZstdWrite_isReadByArrowJavasOwnCodecs(Compression c) throws IOException {
    BatchData data = sample(5000);
    try (BatchData.Written w = data.write(allocator)) {
      Event e = ArrowEventCodec.builder().compression(c).build().encode(w.root());
      assertThat(readWithArrowJava(e.getPayload().toByteArray())).containsExactly(data);
    }
  }

  @Test
  void lz4WrittenByArrowJava_isReadByOurCodec() throws IOException {
    BatchData data = sample(5000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (BatchData.Written w = data.write(allocator);
        ArrowStreamWriter writer =
            new ArrowStreamWriter(
                w.root(),
                null,
                java.nio.channels.Channels.newChannel(out),
                IpcOption.DEFAULT,
                CommonsCompressionFactory.INSTANCE,
                CompressionUtil.CodecType.LZ4_FRAME)) {
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    Event e = Event.newBuilder().setPayload(ByteString.copyFrom(out.toByteArray())).build();
    assertThat(decodeAll(ArrowEventCodec.defaults(), e)).containsExactly(data);
  }

  @Test
  void metadataThatDisagreesWithThePayload_isNamed() {
    Event good;
    try (BatchData.Written w = sample(3).write(allocator)) {
      good = ArrowEventCodec.defaults().encode(w.root());
    }
    ArrowEventCodec codec = ArrowEventCodec.defaults();
    Event wrongFingerprint =
        good.toBuilder()
            .setArrowMetadata(good.getArrowMetadata().toBuilder().setSchemaFingerprint("sha256:00"))
            .build();
    Event wrongColumns =
        good.toBuilder()
            .setArrowMetadata(good.getArrowMetadata().toBuilder().setColumnNames(0, "other"))
            .build();
    Event wrongRows =
        good.toBuilder()
            .setArrowMetadata(good.getArrowMetadata().toBuilder().setNumRows(4))
            .build();

    assertThatThrownBy(() -> decodeAll(codec, wrongFingerprint))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("schema_fingerprint");
    assertThatThrownBy(() -> decodeAll(codec, wrongColumns))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("column_names")
        .hasMessageContaining("other");
    assertThatThrownBy(() -> decodeAll(codec, wrongRows))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("holds 3 rows")
        .hasMessageContaining("num_rows says 4");
  }

  @Test
  void aPayloadNeedingMoreThanTheLimit_isRefusedWithATypedError() {
    Event big;
    try (BatchData.Written w = sample(20_000).write(allocator)) {
      big = ArrowEventCodec.builder().compression(Compression.ZSTD).build().encode(w.root());
    }
    ArrowEventCodec small = ArrowEventCodec.builder().maxDecodedBytes(64 << 10).build();

    assertThatThrownBy(() -> decodeAll(small, big))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("decode limit of 65536 bytes");
  }

  @Test
  void hostileDeclaredLengths_areRefusedBeforeAnythingIsAllocated() {
    byte[] hostile = {-1, -1, -1, -1, -1, -1, -1, 0x7f, 1, 2, 3, 4};
    Event e = Event.newBuilder().setPayload(ByteString.copyFrom(hostile)).build();

    assertThatThrownBy(() -> decodeAll(ArrowEventCodec.defaults(), e))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("declares 2147483647 bytes of metadata");
    assertThatThrownBy(
            () ->
                decodeAll(ArrowEventCodec.defaults(), Event.newBuilder().setEventType("x").build()))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("empty payload");
  }

  @Test
  void corpusMalformedStreams_areACodecExceptionOrReadable_neverACrashOrALeak() throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(CORPUS.resolve("malformed"))) {
      // Streams, and the file, schema and tensor fuzz cases sent as if they were stream payloads.
      s.filter(p -> p.getFileName().toString().startsWith("ipc-")).forEach(files::add);
    }
    assertThat(files).isNotEmpty();
    for (Path p : files) {
      Event e = Event.newBuilder().setPayload(ByteString.copyFrom(Files.readAllBytes(p))).build();
      try {
        decodeAll(ArrowEventCodec.defaults(), e);
      } catch (CodecException expected) {
        assertThat(expected.getMessage()).as(p.toString()).isNotBlank();
      }
      assertThat(allocator.getAllocatedMemory()).as(p.toString()).isZero();
    }
  }

  // ---- helpers ----

  private BatchData sample(int rows) {
    List<List<Object>> out = new ArrayList<>(rows);
    for (int i = 0; i < rows; i++) {
      out.add(
          java.util.Arrays.asList(
              (long) i,
              i % 7 == 0 ? null : "asset-" + (i % 13),
              i % 5 == 0 ? null : java.math.BigDecimal.valueOf(i * 37L, 7)));
    }
    return new BatchData(TRANSFERS, out);
  }

  List<BatchData> decodeAll(ArrowEventCodec codec, Event e) {
    List<BatchData> out = new ArrayList<>();
    try (ArrowEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        out.add(BatchData.read(in.root(), in.dictionaries()));
      }
    }
    return out;
  }

  private Event reencode(ArrowEventCodec codec, Event raw) {
    try (ArrowEventReader in = ArrowEventCodec.defaults().decode(raw, allocator);
        ArrowEventCodec.EventWriter out = codec.newWriter(in.root(), in.dictionaries())) {
      while (in.loadNextBatch()) {
        out.writeBatch();
      }
      return out.finish();
    }
  }

  /** Every batch as text, with its dictionaries: what Arrow Java's own reader sees. */
  private List<String> snapshotWithArrowJava(byte[] bytes) throws IOException {
    List<String> out = new ArrayList<>();
    try (ArrowStreamReader r =
        new ArrowStreamReader(
            new ByteArrayInputStream(bytes), allocator, CommonsCompressionFactory.INSTANCE)) {
      while (r.loadNextBatch()) {
        out.add(text(r.getVectorSchemaRoot(), r));
      }
    }
    return out;
  }

  private List<String> snapshot(ArrowEventCodec codec, Event e) {
    List<String> out = new ArrayList<>();
    try (ArrowEventReader in = codec.decode(e, allocator)) {
      while (in.loadNextBatch()) {
        out.add(text(in.root(), in.dictionaries()));
      }
      assertThat(in.rowsRead())
          .isEqualTo(e.hasArrowMetadata() ? e.getArrowMetadata().getNumRows() : in.rowsRead());
    }
    return out;
  }

  private static String text(
      org.apache.arrow.vector.VectorSchemaRoot root,
      org.apache.arrow.vector.dictionary.DictionaryProvider dictionaries) {
    StringBuilder b = new StringBuilder();
    for (org.apache.arrow.vector.FieldVector v : root.getFieldVectors()) {
      b.append(v.getField()).append(':');
      for (int i = 0; i < v.getValueCount(); i++) {
        b.append(' ').append(render(v.getObject(i)));
      }
      b.append('\n');
    }
    for (long id : new java.util.TreeSet<>(dictionaries.getDictionaryIds())) {
      org.apache.arrow.vector.FieldVector d = dictionaries.lookup(id).getVector();
      b.append("dictionary ").append(id).append(':');
      for (int i = 0; i < d.getValueCount(); i++) {
        b.append(' ').append(render(d.getObject(i)));
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** Values as text, binary as hex (arrays print their identity otherwise). */
  private static String render(Object o) {
    if (o instanceof byte[] bytes) {
      return java.util.HexFormat.of().formatHex(bytes);
    }
    if (o instanceof List<?> l) {
      return l.stream().map(ArrowEventCodecTest::render).toList().toString();
    }
    if (o instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      m.forEach((k, v) -> b.append(render(k)).append('=').append(render(v)).append(','));
      return b.append('}').toString();
    }
    return String.valueOf(o);
  }

  private List<BatchData> readWithArrowJava(byte[] bytes) throws IOException {
    List<BatchData> out = new ArrayList<>();
    try (ArrowStreamReader r =
        new ArrowStreamReader(
            new ByteArrayInputStream(bytes), allocator, CommonsCompressionFactory.INSTANCE)) {
      Schema schema = ArrowSchemas.messageFormat(r.getVectorSchemaRoot().getSchema(), r);
      assertThat(schema).isNotNull();
      while (r.loadNextBatch()) {
        out.add(BatchData.read(r.getVectorSchemaRoot(), r));
      }
    }
    return out;
  }
}
