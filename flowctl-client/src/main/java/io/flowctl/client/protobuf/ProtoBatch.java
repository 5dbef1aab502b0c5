package io.flowctl.client.protobuf;

import java.util.List;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/**
 * Messages as one Arrow batch: the rows, and the dictionaries of its enum columns (their value
 * names). The caller owns it: closing it frees both. Encode it with {@code
 * EventCodec.encode(batch.root(), batch.dictionaries())}.
 */
public final class ProtoBatch implements AutoCloseable {
  private final VectorSchemaRoot root;
  private final DictionaryProvider dictionaries;
  private final List<VarCharVector> dictionaryVectors;

  ProtoBatch(
      VectorSchemaRoot root,
      DictionaryProvider dictionaries,
      List<VarCharVector> dictionaryVectors) {
    this.root = root;
    this.dictionaries = dictionaries;
    this.dictionaryVectors = List.copyOf(dictionaryVectors);
  }

  /** One row per message; enum columns hold indices into {@link #dictionaries()}. */
  public VectorSchemaRoot root() {
    return root;
  }

  /** The enum columns' dictionaries, by the ids in the schema's dictionary encodings. */
  public DictionaryProvider dictionaries() {
    return dictionaries;
  }

  @Override
  public void close() {
    root.close();
    dictionaryVectors.forEach(VarCharVector::close);
  }
}
