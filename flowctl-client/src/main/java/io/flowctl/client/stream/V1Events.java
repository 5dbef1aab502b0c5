package io.flowctl.client.stream;

import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import java.util.List;

/**
 * Carries flowctl {@link Event}s (with their {@link ArrowMetadata}) over the v1 data plane, whose
 * {@code flowctl.v1.Event} has no Arrow field: the metadata travels as {@code arrow.*} entries and
 * the content type names the payload format, so Go peers see a normal v1 event.
 */
public final class V1Events {
  static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";
  static final String PARQUET = "application/vnd.apache.parquet";

  private V1Events() {}

  public static io.flowctl.proto.v1.Event toV1(String id, String sourceComponent, Event e) {
    ArrowMetadata m = e.getArrowMetadata();
    io.flowctl.proto.v1.Event.Builder b =
        io.flowctl.proto.v1.Event.newBuilder()
            .setId(id)
            .setType(e.getEventType())
            .setPayload(e.getPayload())
            .putAllMetadata(e.getMetadataMap())
            .setSourceComponentId(sourceComponent)
            .setContentType(
                e.getEventType().equals(io.flowctl.proto.EventTypes.PARQUET_FILE)
                    ? PARQUET
                    : ARROW_STREAM);
    if (e.hasTimestamp()) {
      b.setTimestamp(e.getTimestamp());
    }
    if (e.hasArrowMetadata()) {
      b.putMetadata("arrow.schema_fingerprint", m.getSchemaFingerprint())
          .putMetadata("arrow.num_rows", Long.toString(m.getNumRows()))
          .putMetadata("arrow.column_names", String.join(",", m.getColumnNamesList()))
          .putMetadata("arrow.compression_codec", m.getCompressionCodec())
          .putMetadata("arrow.schema_version", Integer.toString(e.getSchemaVersion()));
    }
    return b.build();
  }

  public static Event fromV1(io.flowctl.proto.v1.Event v) {
    java.util.Map<String, String> md = new java.util.HashMap<>(v.getMetadataMap());
    Event.Builder b = Event.newBuilder().setEventType(v.getType()).setPayload(v.getPayload());
    if (v.hasTimestamp()) {
      b.setTimestamp(v.getTimestamp());
    }
    String fp = md.remove("arrow.schema_fingerprint");
    String rows = md.remove("arrow.num_rows");
    String columns = md.remove("arrow.column_names");
    String codec = md.remove("arrow.compression_codec");
    String version = md.remove("arrow.schema_version");
    if (fp != null) {
      ArrowMetadata.Builder m = ArrowMetadata.newBuilder().setSchemaFingerprint(fp);
      if (rows != null) {
        m.setNumRows(Long.parseLong(rows));
      }
      if (columns != null && !columns.isEmpty()) {
        m.addAllColumnNames(List.of(columns.split(",", -1)));
      }
      if (codec != null) {
        m.setCompressionCodec(codec);
      }
      b.setArrowMetadata(m);
    }
    if (version != null) {
      b.setSchemaVersion(Integer.parseInt(version));
    }
    return b.putAllMetadata(md).build();
  }
}
