package io.flowctl.schema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.DictionaryUtility;

/**
 * Arrow Java describes a dictionary-encoded field in two ways. In <em>message format</em> (a schema
 * built in code, or as written in IPC messages) the field's type is the dictionary's value type. In
 * <em>memory format</em> (the schema of a root that an {@code ArrowReader} hands out) the field's
 * type is the index type and the value type lives only in the dictionary. Fingerprints and the
 * compatibility checker need the value type, so they take message format; this class converts.
 */
public final class ArrowSchemas {
  private ArrowSchemas() {}

  /**
   * The message-format schema of a root and its dictionaries, e.g. {@code
   * messageFormat(reader.getVectorSchemaRoot().getSchema(), reader)}. A schema already in message
   * format comes back equal.
   *
   * @throws SchemaException when an encoded field's dictionary is not in {@code dictionaries}
   */
  public static Schema messageFormat(Schema schema, DictionaryProvider dictionaries) {
    Objects.requireNonNull(schema, "schema");
    if (!hasDictionaries(schema.getFields())) {
      return schema;
    }
    if (dictionaries == null) {
      throw new SchemaException(
          "the schema has dictionary-encoded fields but no dictionaries were given");
    }
    Set<Long> used = new HashSet<>();
    List<Field> fields = new ArrayList<>(schema.getFields().size());
    for (Field f : schema.getFields()) {
      try {
        fields.add(DictionaryUtility.toMessageFormat(f, dictionaries, used));
      } catch (IllegalArgumentException e) {
        throw new SchemaException(
            "field '"
                + f.getName()
                + "': no dictionary for an encoded field ("
                + e.getMessage()
                + ")",
            e);
      }
    }
    return new Schema(fields, schema.getCustomMetadata());
  }

  /**
   * The schema with absent (null) field names as empty ones, as the IPC format defines them; names
   * are matched, so they must not be null.
   */
  static Schema withoutNullNames(Schema schema) {
    if (!hasNullNames(schema.getFields())) {
      return schema;
    }
    return new Schema(named(schema.getFields()), schema.getCustomMetadata());
  }

  private static boolean hasNullNames(List<Field> fields) {
    for (Field f : fields) {
      if (f.getName() == null || hasNullNames(f.getChildren())) {
        return true;
      }
    }
    return false;
  }

  private static List<Field> named(List<Field> fields) {
    List<Field> out = new ArrayList<>(fields.size());
    for (Field f : fields) {
      out.add(
          new Field(
              f.getName() == null ? "" : f.getName(), f.getFieldType(), named(f.getChildren())));
    }
    return out;
  }

  /** Whether any field, at any depth, is dictionary-encoded. */
  public static boolean hasDictionaryFields(Schema schema) {
    return hasDictionaries(schema.getFields());
  }

  static boolean hasDictionaries(List<Field> fields) {
    for (Field f : fields) {
      if (f.getDictionary() != null || hasDictionaries(f.getChildren())) {
        return true;
      }
    }
    return false;
  }
}
