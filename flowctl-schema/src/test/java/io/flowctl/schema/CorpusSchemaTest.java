package io.flowctl.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.arrow.compression.CommonsCompressionFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Schemas written by other Arrow implementations: fingerprints, self-checks, self-projection. */
class CorpusSchemaTest {
  private BufferAllocator allocator;

  @BeforeEach
  void setUp() {
    allocator = new RootAllocator(256L << 20);
  }

  @AfterEach
  void tearDown() {
    allocator.close();
  }

  /** Files Arrow Java's own reader refuses, with its reason; checked to keep refusing. */
  static final Map<String, String> UNREADABLE_BY_ARROW_JAVA =
      Map.of("0.17.1_generated_union", "Cannot read union with V4 metadata version");

  static List<String> tests() {
    return Corpus.ipcTests().stream()
        .filter(t -> !UNREADABLE_BY_ARROW_JAVA.containsKey(t))
        .toList();
  }

  @Test
  void filesArrowJavaRefuses_areStillRefused() {
    UNREADABLE_BY_ARROW_JAVA.forEach(
        (test, reason) ->
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> readSchema(test, ".stream"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(reason));
  }

  @ParameterizedTest
  @MethodSource("tests")
  void streamAndFile_haveTheSameFingerprints(String test) throws IOException {
    Schema stream = readSchema(test, ".stream");
    Schema file = readSchema(test, ".arrow_file");

    assertThat(SchemaFingerprints.structural(stream))
        .isEqualTo(SchemaFingerprints.structural(file));
    assertThat(SchemaFingerprints.withMetadata(stream))
        .isEqualTo(SchemaFingerprints.withMetadata(file));
  }

  @ParameterizedTest
  @MethodSource("tests")
  void schema_checksAgainstItselfAsFull(String test) throws IOException {
    Schema schema = readSchema(test, ".stream");

    CompatibilityResult r = CompatibilityChecker.defaults().check(schema, schema);

    assertThat(r.level()).isEqualTo(CompatibilityLevel.FULL);
    assertThat(r.identical()).isTrue();
  }

  /** Files whose batches Arrow Java's own reader cannot load (the schema reads fine). */
  static final Map<String, String> BATCHES_UNREADABLE_BY_ARROW_JAVA =
      Map.of("cpp-21.0.0_generated_duplicate_fieldnames", "not all nodes, buffers");

  static List<String> testsWithBatches() {
    return tests().stream().filter(t -> !BATCHES_UNREADABLE_BY_ARROW_JAVA.containsKey(t)).toList();
  }

  @Test
  void batchesArrowJavaCannotLoad_areStillRefusedByArrowJava() {
    BATCHES_UNREADABLE_BY_ARROW_JAVA.forEach(
        (test, reason) ->
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> {
                      try (InputStream in = Files.newInputStream(Corpus.ipc(test, ".stream"));
                          ArrowStreamReader reader = new ArrowStreamReader(in, allocator)) {
                        while (reader.loadNextBatch()) {
                          // drain
                        }
                      }
                    })
                .hasMessageContaining(reason));
  }

  @ParameterizedTest
  @MethodSource("testsWithBatches")
  void batches_projectOntoTheirOwnSchemaUnchanged(String test) throws IOException {
    try (InputStream in = Files.newInputStream(Corpus.ipc(test, ".stream"));
        ArrowStreamReader reader =
            new ArrowStreamReader(in, allocator, CommonsCompressionFactory.INSTANCE)) {
      Schema schema = ArrowSchemas.messageFormat(reader.getVectorSchemaRoot().getSchema(), reader);
      SchemaProjector projector = SchemaProjector.create(schema, schema);
      int batches = 0;
      while (reader.loadNextBatch()) {
        VectorSchemaRoot root = reader.getVectorSchemaRoot();
        try (OwnedBatch out = projector.project(root, reader, allocator)) {
          assertThat(out.root().getRowCount()).isEqualTo(root.getRowCount());
          for (int c = 0; c < root.getFieldVectors().size(); c++) {
            assertThat(
                    org.apache.arrow.vector.compare.VectorEqualsVisitor.vectorEquals(
                        root.getVector(c), out.root().getVector(c)))
                .as("column %s of %s", c, test)
                .isTrue();
          }
          assertThat(dictionaryContents(schema, out.dictionaries()))
              .isEqualTo(dictionaryContents(schema, reader));
        }
        batches++;
      }
      assertThat(batches).isGreaterThanOrEqualTo(0);
    }
  }

  @Test
  void goldenFingerprints_neverDrift() throws IOException {
    Properties golden = new Properties();
    try (InputStream in = getClass().getResourceAsStream("golden-fingerprints.properties")) {
      golden.load(in);
    }
    Map<String, String> actual = new LinkedHashMap<>();
    for (String test : tests()) {
      Schema schema = readSchema(test, ".stream");
      actual.put(test + ".structural", SchemaFingerprints.structural(schema).value());
      actual.put(test + ".withMetadata", SchemaFingerprints.withMetadata(schema).value());
    }
    Map<String, String> expected = new LinkedHashMap<>();
    golden.forEach((k, v) -> expected.put((String) k, (String) v));
    assertThat(actual).containsExactlyInAnyOrderEntriesOf(expected);
  }

  @Test
  void differentSchemas_haveDifferentFingerprints() throws IOException {
    Schema old = readSchema("0.14.1_generated_primitive", ".stream");
    Schema current = readSchema("cpp-21.0.0_generated_primitive", ".stream");

    assertThat(SchemaFingerprints.structural(old))
        .isNotEqualTo(SchemaFingerprints.structural(current));
  }

  @Test
  void customMetadata_changesOnlyTheMetadataFingerprint() throws IOException {
    Schema withMd = readSchema("cpp-21.0.0_generated_custom_metadata", ".stream");
    Schema stripped = stripMetadata(withMd);

    assertThat(withMd.getCustomMetadata()).isNotEmpty();
    assertThat(SchemaFingerprints.structural(withMd))
        .isEqualTo(SchemaFingerprints.structural(stripped));
    assertThat(SchemaFingerprints.withMetadata(withMd))
        .isNotEqualTo(SchemaFingerprints.withMetadata(stripped));
    CompatibilityResult r = CompatibilityChecker.defaults().check(stripped, withMd);
    assertThat(r.level()).isEqualTo(CompatibilityLevel.FULL);
    assertThat(r.changes()).extracting(SchemaChange::kind).contains(ChangeKind.METADATA_CHANGED);
  }

  @Test
  void sameLogicalSchemaFromDifferentWriters_fingerprintsEqual() throws IOException {
    // Arrow C++ 1.0.0 and 21.0.0 wrote the same generated test schemas.
    for (String name : List.of("datetime", "nested", "map", "dictionary", "null")) {
      assertThat(
              SchemaFingerprints.structural(
                  readSchema("1.0.0-littleendian_generated_" + name, ".stream")))
          .as(name)
          .isEqualTo(
              SchemaFingerprints.structural(readSchema("cpp-21.0.0_generated_" + name, ".stream")));
    }
  }

  /** Prints the golden file; run by hand when the canonical form changes on purpose. */
  public static void main(String[] args) throws IOException {
    CorpusSchemaTest t = new CorpusSchemaTest();
    t.setUp();
    StringBuilder out = new StringBuilder();
    for (String test : tests()) {
      Schema schema;
      try {
        schema = t.readSchema(test, ".stream");
      } catch (IOException e) {
        System.out.println(test + ": " + e.getMessage());
        continue;
      }
      out.append(test)
          .append(".structural=")
          .append(SchemaFingerprints.structural(schema))
          .append('\n');
      out.append(test)
          .append(".withMetadata=")
          .append(SchemaFingerprints.withMetadata(schema))
          .append('\n');
    }
    Files.writeString(Path.of(args[0]), out.toString(), StandardCharsets.ISO_8859_1);
    t.tearDown();
  }

  private Schema readSchema(String test, String extension) throws IOException {
    Path path = Corpus.ipc(test, extension);
    if (extension.equals(".stream")) {
      try (InputStream in = Files.newInputStream(path);
          ArrowReader reader = new ArrowStreamReader(in, allocator)) {
        return ArrowSchemas.messageFormat(reader.getVectorSchemaRoot().getSchema(), reader);
      }
    }
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        ArrowFileReader reader = new ArrowFileReader(ch, allocator)) {
      return ArrowSchemas.messageFormat(reader.getVectorSchemaRoot().getSchema(), reader);
    }
  }

  private static Schema stripMetadata(Schema s) {
    List<Field> fields = new ArrayList<>();
    for (Field f : s.getFields()) {
      fields.add(stripMetadata(f));
    }
    return new Schema(fields);
  }

  private static Field stripMetadata(Field f) {
    List<Field> children = new ArrayList<>();
    for (Field c : f.getChildren()) {
      children.add(stripMetadata(c));
    }
    return new Field(
        f.getName(),
        new org.apache.arrow.vector.types.pojo.FieldType(
            f.isNullable(), f.getType(), f.getDictionary(), extensionKeysOf(f)),
        children);
  }

  /** Custom metadata goes, extension identity stays: it is part of the type. */
  private static Map<String, String> extensionKeysOf(Field f) {
    Map<String, String> kept = new LinkedHashMap<>();
    if (f.getMetadata() != null) {
      f.getMetadata()
          .forEach(
              (k, v) -> {
                if (k.startsWith("ARROW:extension:")) {
                  kept.put(k, v);
                }
              });
    }
    return kept.isEmpty() ? null : kept;
  }

  private static List<String> dictionaryContents(Schema schema, DictionaryProvider provider) {
    List<String> out = new ArrayList<>();
    collect(schema.getFields(), provider, out);
    return out;
  }

  private static void collect(List<Field> fields, DictionaryProvider provider, List<String> out) {
    for (Field f : fields) {
      if (f.getDictionary() != null) {
        Dictionary d = provider.lookup(f.getDictionary().getId());
        out.add(f.getName() + "=" + (d == null ? "missing" : d.getVector().toString()));
      }
      collect(f.getChildren(), provider, out);
    }
  }
}
