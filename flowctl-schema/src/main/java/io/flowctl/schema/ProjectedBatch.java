package io.flowctl.schema;

import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * A batch in the reader's schema, made by {@link SchemaProjector}. The caller owns it and must
 * close it; closing releases the root and every dictionary. The vectors may share buffers with the
 * input batch (reference counted), so the input may be closed first. Like a root from an Arrow
 * reader, the root is in memory format: an encoded column holds indices and its field is typed by
 * the index; {@code ArrowSchemas.messageFormat(root().getSchema(), dictionaries())} is the reader
 * schema.
 */
public final class ProjectedBatch implements AutoCloseable {
  private final VectorSchemaRoot root;
  private final DictionaryProvider.MapDictionaryProvider dictionaries;

  ProjectedBatch(VectorSchemaRoot root, DictionaryProvider.MapDictionaryProvider dictionaries) {
    this.root = root;
    this.dictionaries = dictionaries;
  }

  /** The batch in the reader schema; valid until {@link #close()}. */
  public VectorSchemaRoot root() {
    return root;
  }

  /** Dictionaries of the reader schema's dictionary-encoded fields, by the reader's ids. */
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
      throw new IllegalStateException("closing a projected batch failed", e);
    }
  }
}
