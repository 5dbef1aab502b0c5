package io.flowctl.client.stream.internal;

import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventTypes;
import io.flowctl.proto.v1.StellarCursor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Carries flowctl {@link Event}s (with their {@link ArrowMetadata}) over the v1 data plane, whose
 * {@code flowctl.v1.Event} has no Arrow field: the metadata travels as {@code arrow.*} entries and
 * {@code content_type} names the payload format, so Go peers see a normal v1 event. The v1 envelope
 * (id, source component, cursor, metadata) of an input is kept on what a processor makes of it
 * ({@link #derived}).
 */
public final class V1Events {
  /** An Arrow IPC stream (IANA: application/vnd.apache.arrow.stream). */
  public static final String ARROW_STREAM = "application/vnd.apache.arrow.stream";

  /** A Parquet file (IANA: application/vnd.apache.parquet). */
  public static final String PARQUET = "application/vnd.apache.parquet";

  /** A serialized protobuf message, as the Go SDK labels its payloads. */
  public static final String PROTOBUF = "application/protobuf";

  private static final String ARROW = "arrow.";

  private V1Events() {}

  /** The content type of a payload: Arrow IPC, Parquet or protobuf. */
  public static String contentType(Event e) {
    if (!e.hasArrowMetadata()) {
      return PROTOBUF;
    }
    var p = e.getPayload();
    boolean parquetMagic =
        p.size() >= 4 && p.byteAt(0) == 'P' && p.byteAt(1) == 'A' && p.byteAt(2) == 'R';
    return parquetMagic || e.getEventType().equals(EventTypes.PARQUET_FILE)
        ? PARQUET
        : ARROW_STREAM;
  }

  /** A new v1 event: the source's own. */
  public static io.flowctl.proto.v1.Event toV1(
      String id, String sourceComponent, Event e, StellarCursor cursor) {
    io.flowctl.proto.v1.Event.Builder b =
        io.flowctl.proto.v1.Event.newBuilder()
            .setId(id)
            .setSourceComponentId(sourceComponent)
            .putAllMetadata(e.getMetadataMap());
    if (cursor != null) {
      b.setStellarCursor(cursor);
    }
    return fill(b, e).build();
  }

  /** A new v1 event without a cursor. */
  public static io.flowctl.proto.v1.Event toV1(String id, String sourceComponent, Event e) {
    return toV1(id, sourceComponent, e, null);
  }

  /**
   * What a processor made of {@code input}: the input's id (with {@code #n} for the second and
   * later outputs of one input), source component, cursor and metadata, under the output's type,
   * payload, timestamp and metadata.
   */
  public static io.flowctl.proto.v1.Event derived(
      io.flowctl.proto.v1.Event input, int index, Event output) {
    io.flowctl.proto.v1.Event.Builder b =
        io.flowctl.proto.v1.Event.newBuilder()
            .setId(index == 0 ? input.getId() : input.getId() + "#" + index)
            .setSourceComponentId(input.getSourceComponentId())
            .putAllMetadata(input.getMetadataMap());
    b.getMutableMetadata().keySet().removeIf(k -> k.startsWith(ARROW));
    if (input.hasStellarCursor()) {
      b.setStellarCursor(input.getStellarCursor());
    }
    b.putAllMetadata(output.getMetadataMap());
    return fill(b, output).build();
  }

  private static io.flowctl.proto.v1.Event.Builder fill(
      io.flowctl.proto.v1.Event.Builder b, Event e) {
    b.setType(e.getEventType()).setPayload(e.getPayload()).setContentType(contentType(e));
    if (e.hasTimestamp()) {
      b.setTimestamp(e.getTimestamp());
    }
    if (e.hasArrowMetadata()) {
      ArrowMetadata m = e.getArrowMetadata();
      b.putMetadata(ARROW + "schema_fingerprint", m.getSchemaFingerprint())
          .putMetadata(ARROW + "num_rows", Long.toString(m.getNumRows()))
          .putMetadata(ARROW + "column_names", joinNames(m.getColumnNamesList()))
          .putMetadata(ARROW + "compression_codec", m.getCompressionCodec());
      m.getCustomMetadataMap().forEach((k, v) -> b.putMetadata(ARROW + "meta." + k, v));
    }
    if (e.getSchemaVersion() != 0) {
      b.putMetadata(ARROW + "schema_version", Integer.toString(e.getSchemaVersion()));
    }
    return b;
  }

  /**
   * The flowctl event a v1 event carries. Arrow metadata comes back from the {@code arrow.*}
   * entries; an event that has none but says it holds Arrow IPC or Parquet gets an empty {@link
   * ArrowMetadata}, so the codecs read it without checks against metadata it never had.
   */
  public static Event fromV1(io.flowctl.proto.v1.Event v) {
    Map<String, String> md = new HashMap<>(v.getMetadataMap());
    Event.Builder b = Event.newBuilder().setEventType(v.getType()).setPayload(v.getPayload());
    if (v.hasTimestamp()) {
      b.setTimestamp(v.getTimestamp());
    }
    String fp = md.remove(ARROW + "schema_fingerprint");
    String rows = md.remove(ARROW + "num_rows");
    String columns = md.remove(ARROW + "column_names");
    String codec = md.remove(ARROW + "compression_codec");
    String version = md.remove(ARROW + "schema_version");
    Map<String, String> custom = new HashMap<>();
    md.entrySet()
        .removeIf(
            en -> {
              if (en.getKey().startsWith(ARROW + "meta.")) {
                custom.put(en.getKey().substring((ARROW + "meta.").length()), en.getValue());
                return true;
              }
              return false;
            });
    if (fp != null) {
      ArrowMetadata.Builder m =
          ArrowMetadata.newBuilder().setSchemaFingerprint(fp).putAllCustomMetadata(custom);
      if (rows != null) {
        m.setNumRows(parseLong(rows, "arrow.num_rows"));
      }
      if (columns != null && !columns.isEmpty()) {
        m.addAllColumnNames(splitNames(columns));
      }
      if (codec != null) {
        m.setCompressionCodec(codec);
      }
      b.setArrowMetadata(m);
    } else if (v.getContentType().equals(ARROW_STREAM) || v.getContentType().equals(PARQUET)) {
      b.setArrowMetadata(ArrowMetadata.getDefaultInstance());
    }
    if (version != null) {
      b.setSchemaVersion((int) parseLong(version, "arrow.schema_version"));
    }
    return b.putAllMetadata(md).build();
  }

  /**
   * Column names as one metadata value: separated by ',', with '%' and ',' inside a name written
   * {@code %25} and {@code %2C}, so any name (one holding a comma too) comes back as it was. Names
   * without either character read the same as a plain comma-separated list.
   */
  static String joinNames(List<String> names) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      if (i > 0) {
        b.append(',');
      }
      String n = names.get(i);
      for (int c = 0; c < n.length(); c++) {
        char ch = n.charAt(c);
        if (ch == '%') {
          b.append("%25");
        } else if (ch == ',') {
          b.append("%2C");
        } else {
          b.append(ch);
        }
      }
    }
    return b.toString();
  }

  /** The inverse of {@link #joinNames}; a '%' not followed by 25 or 2C stays as it is. */
  static List<String> splitNames(String joined) {
    List<String> names = new ArrayList<>();
    StringBuilder n = new StringBuilder();
    for (int c = 0; c < joined.length(); c++) {
      char ch = joined.charAt(c);
      if (ch == ',') {
        names.add(n.toString());
        n.setLength(0);
      } else if (ch == '%' && joined.startsWith("25", c + 1)) {
        n.append('%');
        c += 2;
      } else if (ch == '%' && (joined.startsWith("2C", c + 1) || joined.startsWith("2c", c + 1))) {
        n.append(',');
        c += 2;
      } else {
        n.append(ch);
      }
    }
    names.add(n.toString());
    return names;
  }

  /**
   * As much of a flowctl event as a v1 event's envelope gives when its {@code arrow.*} entries do
   * not decode: the type, payload, timestamp and metadata, for error reports.
   */
  public static Event envelope(io.flowctl.proto.v1.Event v) {
    Event.Builder b =
        Event.newBuilder()
            .setEventType(v.getType())
            .setPayload(v.getPayload())
            .putAllMetadata(v.getMetadataMap());
    if (v.hasTimestamp()) {
      b.setTimestamp(v.getTimestamp());
    }
    return b.build();
  }

  private static long parseLong(String value, String key) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new io.flowctl.client.codec.CodecException(
          "metadata '" + key + "' is not a number: '" + value + "'", e);
    }
  }
}
