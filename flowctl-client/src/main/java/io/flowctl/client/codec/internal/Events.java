package io.flowctl.client.codec.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.schema.SchemaFingerprints;
import java.time.Instant;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Builds the {@link Event} every codec emits, so that IPC and Parquet events describe their payload
 * the same way: structural fingerprint, rows, columns, schema metadata and the codec's name.
 * Internal: not part of the API.
 */
public final class Events {
  private Events() {}

  /**
   * An event around an encoded payload.
   *
   * @param schema the schema a reader gets back (message format), which the metadata describes
   * @param compression the payload's compression as {@code ArrowMetadata.compression_codec} names
   *     it
   */
  public static Event of(
      String eventType,
      ByteString payload,
      int schemaVersion,
      Instant at,
      Schema schema,
      long rows,
      String compression) {
    ArrowMetadata.Builder meta =
        ArrowMetadata.newBuilder()
            .setSchemaFingerprint(SchemaFingerprints.structural(schema).toString())
            .setNumRows(rows)
            .putAllCustomMetadata(schema.getCustomMetadata())
            .setCompressionCodec(compression);
    for (Field f : schema.getFields()) {
      meta.addColumnNames(f.getName() == null ? "" : f.getName());
    }
    return Event.newBuilder()
        .setEventType(eventType)
        .setPayload(payload)
        .setSchemaVersion(schemaVersion)
        .setTimestamp(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .setArrowMetadata(meta)
        .build();
  }
}
