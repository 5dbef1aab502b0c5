package io.flowctl.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.ArrowSchemas;
import io.flowctl.schema.SchemaFingerprints;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ReadChannel;
import org.apache.arrow.vector.ipc.WriteChannel;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Laws of the canonical form: determinism, and independence of everything that is not structure.
 */
class FingerprintProperties {
  private BufferAllocator allocator;

  @BeforeTry
  void open() {
    allocator = new RootAllocator();
  }

  @AfterTry
  void close() {
    allocator.close(); // fails the try on a leaked buffer
  }

  @Property
  void fingerprintIsDeterministic_andTheCacheAgreesWithTheUncachedComputation(
      @ForAll("schemas") Schema s) {
    assertThat(SchemaFingerprints.structural(s)).isEqualTo(SchemaFingerprints.compute(s, false));
    assertThat(SchemaFingerprints.withMetadata(s)).isEqualTo(SchemaFingerprints.compute(s, true));
    assertThat(SchemaFingerprints.canonicalForm(s, false))
        .isEqualTo(SchemaFingerprints.canonicalForm(s, false));
  }

  @Property
  void equalSchemasFingerprintAlike_afterAnIpcSchemaMessageRoundTrip(@ForAll("schemas") Schema s)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MessageSerializer.serialize(new WriteChannel(Channels.newChannel(out)), s);
    Schema back =
        MessageSerializer.deserializeSchema(
            new ReadChannel(Channels.newChannel(new ByteArrayInputStream(out.toByteArray()))));

    assertThat(SchemaFingerprints.structural(back)).isEqualTo(SchemaFingerprints.structural(s));
    assertThat(SchemaFingerprints.withMetadata(back)).isEqualTo(SchemaFingerprints.withMetadata(s));
  }

  @Property
  void structuralFingerprint_ignoresCustomMetadataAndDictionaryIds(@ForAll("schemas") Schema s) {
    Schema other = new Schema(bare(s.getFields()), null);

    assertThat(SchemaFingerprints.structural(other)).isEqualTo(SchemaFingerprints.structural(s));
    assertThat(SchemaFingerprints.withMetadata(other).equals(SchemaFingerprints.withMetadata(s)))
        .as("the with-metadata fingerprint changes exactly when custom metadata was dropped")
        .isEqualTo(!hasCustomMetadata(s));
  }

  @Property(tries = 200)
  void aBatchWrittenAsAnIpcStream_readsBackWithTheSameFingerprintAndValues(
      @ForAll("schemasWithData") BatchData data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (BatchData.Written w = data.write(allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(w.root(), w.dictionaries(), out)) {
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    try (ArrowStreamReader reader =
        new ArrowStreamReader(new ByteArrayInputStream(out.toByteArray()), allocator)) {
      Schema read = ArrowSchemas.messageFormat(reader.getVectorSchemaRoot().getSchema(), reader);
      assertThat(SchemaFingerprints.structural(read))
          .isEqualTo(SchemaFingerprints.structural(data.schema()));
      assertThat(reader.loadNextBatch()).isTrue();
      assertThat(BatchData.read(reader.getVectorSchemaRoot(), reader).rows())
          .isEqualTo(data.rows());
    }
  }

  @Provide
  Arbitrary<Schema> schemas() {
    return ArrowArbitraries.schemas();
  }

  @Provide
  Arbitrary<BatchData> schemasWithData() {
    return ArrowArbitraries.schemas().flatMap(ArrowArbitraries::batches);
  }

  /** The fields without custom metadata (extension keys kept) and with shifted dictionary ids. */
  private static List<Field> bare(List<Field> fields) {
    List<Field> out = new ArrayList<>();
    for (Field f : fields) {
      Field g = Fields.withMetadata(f, extensionKeys(f));
      DictionaryEncoding d = f.getDictionary();
      if (d != null) {
        g =
            Fields.withDictionary(
                g, new DictionaryEncoding(d.getId() + 1000, d.isOrdered(), d.getIndexType()));
      }
      out.add(Fields.withChildren(g, bare(f.getChildren())));
    }
    return out;
  }

  private static java.util.Map<String, String> extensionKeys(Field f) {
    java.util.Map<String, String> out = new java.util.HashMap<>();
    f.getMetadata()
        .forEach(
            (k, v) -> {
              if (k.startsWith("ARROW:extension:")) {
                out.put(k, v);
              }
            });
    return out;
  }

  private static boolean hasCustomMetadata(Schema s) {
    if (!s.getCustomMetadata().isEmpty()) {
      return true;
    }
    for (List<String> p : Fields.paths(s)) {
      if (!extensionKeys(Fields.get(s, p)).equals(Fields.get(s, p).getMetadata())) {
        return true;
      }
    }
    return false;
  }
}
