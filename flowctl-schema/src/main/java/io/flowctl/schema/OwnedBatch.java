package io.flowctl.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * An Arrow batch and the dictionaries its encoded columns index into, owned together: whoever holds
 * it closes it, and closing releases the root and every dictionary. {@link SchemaProjector} and the
 * protobuf converter hand their results out this way, so a converted batch can be projected and a
 * projected one encoded without asking who frees what.
 *
 * <p>Like a root from an Arrow reader, the root is in memory format: an encoded column holds
 * indices and its field is typed by the index; {@code
 * ArrowSchemas.messageFormat(root().getSchema(), dictionaries())} is the batch's schema. Encode it
 * with {@code EventCodec.encode(batch.root(), batch.dictionaries())}.
 */
public final class OwnedBatch implements AutoCloseable {
  private final VectorSchemaRoot root;
  private final DictionaryProvider.MapDictionaryProvider dictionaries;

  /**
   * Takes ownership of {@code root} and of every dictionary vector in {@code dictionaries}.
   *
   * @param dictionaries the dictionaries, by the ids in the root's fields' encodings; empty when no
   *     column is encoded
   */
  public OwnedBatch(VectorSchemaRoot root, DictionaryProvider.MapDictionaryProvider dictionaries) {
    this.root = Objects.requireNonNull(root, "root");
    this.dictionaries = Objects.requireNonNull(dictionaries, "dictionaries");
  }

  /** The rows; valid until {@link #close()}. */
  public VectorSchemaRoot root() {
    return root;
  }

  /** The encoded columns' dictionaries, by the ids in the root's fields' encodings. */
  public DictionaryProvider dictionaries() {
    return dictionaries;
  }

  @Override
  public void close() {
    List<AutoCloseable> all = new ArrayList<>();
    all.add(root);
    for (long id : dictionaries.getDictionaryIds()) {
      Dictionary d = dictionaries.lookup(id);
      all.add(d.getVector());
    }
    try {
      AutoCloseables.close(all);
    } catch (Exception e) {
      throw new IllegalStateException("closing an Arrow batch failed", e);
    }
  }
}
