package io.flowctl.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ArrowSchemasTest {
  private static final DictionaryEncoding ENCODING =
      new DictionaryEncoding(7, false, new ArrowType.Int(16, true));
  private static final Schema BUILT =
      new Schema(
          List.of(
              new Field("asset", new FieldType(true, ArrowType.Utf8.INSTANCE, ENCODING), null)));

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
  void aSchemaReadFromIpc_fingerprintsLikeTheSchemaBuiltInCode_onceInMessageFormat()
      throws Exception {
    byte[] ipc = writeOneBatch();
    try (ArrowStreamReader reader =
        new ArrowStreamReader(new ByteArrayInputStream(ipc), allocator)) {
      Schema memory = reader.getVectorSchemaRoot().getSchema();
      // Memory format: the field's type is the index type; the value type is in the dictionary.
      assertThat(memory.getFields().get(0).getType()).isEqualTo(new ArrowType.Int(16, true));

      Schema message = ArrowSchemas.messageFormat(memory, reader);

      assertThat(SchemaFingerprints.structural(message))
          .isEqualTo(SchemaFingerprints.structural(BUILT));
      assertThat(SchemaFingerprints.structural(memory))
          .isNotEqualTo(SchemaFingerprints.structural(BUILT));
      assertThat(ArrowSchemas.messageFormat(BUILT, reader)).isEqualTo(BUILT);
    }
  }

  @Test
  void aMissingDictionary_isATypedErrorNamingTheField() {
    DictionaryProvider none = new DictionaryProvider.MapDictionaryProvider();
    assertThatThrownBy(() -> ArrowSchemas.messageFormat(BUILT, none))
        .isInstanceOf(SchemaException.class)
        .hasMessageContaining("'asset'");
    assertThatThrownBy(() -> ArrowSchemas.messageFormat(BUILT, null))
        .isInstanceOf(SchemaException.class);
  }

  @Test
  void anAbsentFieldName_isTheEmptyName_forFingerprintsAndTheChecker() {
    Schema unnamed =
        new Schema(List.of(new Field(null, FieldType.nullable(new ArrowType.Int(32, true)), null)));
    Schema empty = new Schema(List.of(Field.nullable("", new ArrowType.Int(32, true))));

    assertThat(SchemaFingerprints.structural(unnamed))
        .isEqualTo(SchemaFingerprints.structural(empty));
    CompatibilityResult r = CompatibilityChecker.defaults().check(unnamed, empty);
    assertThat(r.changes()).extracting(SchemaChange::kind).contains(ChangeKind.EMPTY_FIELD_NAME);
  }

  private byte[] writeOneBatch() throws Exception {
    try (VarCharVector values = new VarCharVector("dict", allocator);
        SmallIntVector indices =
            new SmallIntVector(
                "asset", new FieldType(true, new ArrowType.Int(16, true), ENCODING), allocator)) {
      values.allocateNew();
      values.setSafe(0, "XLM".getBytes(StandardCharsets.UTF_8));
      values.setSafe(1, "USDC".getBytes(StandardCharsets.UTF_8));
      values.setValueCount(2);
      indices.allocateNew(3);
      indices.set(0, 1);
      indices.set(1, 0);
      indices.setNull(2);
      indices.setValueCount(3);
      DictionaryProvider.MapDictionaryProvider provider =
          new DictionaryProvider.MapDictionaryProvider(new Dictionary(values, ENCODING));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (VectorSchemaRoot root = VectorSchemaRoot.of(indices);
          ArrowStreamWriter writer = new ArrowStreamWriter(root, provider, out)) {
        writer.start();
        writer.writeBatch();
        writer.end();
      }
      return out.toByteArray();
    }
  }
}
