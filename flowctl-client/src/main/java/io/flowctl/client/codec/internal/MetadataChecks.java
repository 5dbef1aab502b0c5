package io.flowctl.client.codec.internal;

import io.flowctl.client.codec.CodecException;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.schema.SchemaFingerprints;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/** What every reader checks of a payload against the event's {@link ArrowMetadata}. */
public final class MetadataChecks {
  private MetadataChecks() {}

  /**
   * The payload's schema (message format) against the fingerprint and column names the metadata
   * states; an empty field states nothing.
   */
  public static void schema(Schema schema, ArrowMetadata metadata, String what) {
    String actual = SchemaFingerprints.structural(schema).toString();
    if (!metadata.getSchemaFingerprint().isEmpty()
        && !metadata.getSchemaFingerprint().equals(actual)) {
      throw new CodecException(
          what
              + " has fingerprint "
              + actual
              + " but ArrowMetadata.schema_fingerprint says "
              + metadata.getSchemaFingerprint());
    }
    List<String> columns = new ArrayList<>();
    for (Field f : schema.getFields()) {
      columns.add(f.getName() == null ? "" : f.getName());
    }
    if (!metadata.getColumnNamesList().isEmpty()
        && !metadata.getColumnNamesList().equals(columns)) {
      throw new CodecException(
          "the payload's columns are "
              + columns
              + " but ArrowMetadata.column_names says "
              + metadata.getColumnNamesList());
    }
  }

  /**
   * The rows read against {@code ArrowMetadata.num_rows}. An empty metadata (what an event from a
   * peer that sends no Arrow metadata is given) states nothing.
   */
  public static void rows(long rows, ArrowMetadata metadata) {
    if (!metadata.equals(ArrowMetadata.getDefaultInstance()) && metadata.getNumRows() != rows) {
      throw new CodecException(
          "the payload holds "
              + rows
              + " rows but ArrowMetadata.num_rows says "
              + metadata.getNumRows());
    }
  }
}
