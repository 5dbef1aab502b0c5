package io.flowctl.client.codec.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.EventCodec;
import io.flowctl.internal.Require;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.schema.SchemaFingerprints;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What every event codec shares: the event type it writes, the schema version it stamps, the decode
 * memory limit, the clock and the metrics; and the one place an {@link Event} is built, so that
 * every payload format describes itself the same way in {@link ArrowMetadata} (structural
 * fingerprint, rows, columns, schema metadata, the codec's name). Extend it for a payload format of
 * your own, as {@link ArrowEventCodec} and {@code ParquetEventCodec} do.
 */
public abstract class AbstractEventCodec implements EventCodec {
  private final String eventType;
  private final int schemaVersion;
  private final long maxDecodedBytes;
  private final Clock clock;
  private final CodecMetrics metrics;

  protected AbstractEventCodec(Builder<?> b) {
    this.eventType = b.eventType;
    this.schemaVersion = b.schemaVersion;
    this.maxDecodedBytes = b.maxDecodedBytes;
    this.clock = b.clock;
    this.metrics = b.metrics;
  }

  @Override
  public final String eventType() {
    return eventType;
  }

  /** {@code Event.schema_version} of what this codec encodes (0: unregistered). */
  public final int schemaVersion() {
    return schemaVersion;
  }

  /** The most Arrow memory one decoded event (or batch) may take. */
  public final long maxDecodedBytes() {
    return maxDecodedBytes;
  }

  /** Where encodes and decodes are counted; null for nowhere. */
  protected final CodecMetrics metrics() {
    return metrics;
  }

  /**
   * The event around an encoded payload.
   *
   * @param schema the schema a reader gets back (message format), which the metadata describes
   * @param compression the payload's compression, as {@code ArrowMetadata.compression_codec}
   */
  protected final Event event(ByteString payload, Schema schema, long rows, String compression) {
    ArrowMetadata.Builder meta =
        ArrowMetadata.newBuilder()
            .setSchemaFingerprint(SchemaFingerprints.structural(schema).toString())
            .setNumRows(rows)
            .putAllCustomMetadata(schema.getCustomMetadata())
            .setCompressionCodec(compression);
    for (Field f : schema.getFields()) {
      meta.addColumnNames(f.getName() == null ? "" : f.getName());
    }
    Instant at = clock.instant();
    return Event.newBuilder()
        .setEventType(eventType)
        .setPayload(payload)
        .setSchemaVersion(schemaVersion)
        .setTimestamp(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .setArrowMetadata(meta)
        .build();
  }

  /** The settings every codec has; a codec's builder extends it with its own. */
  public abstract static class Builder<B extends Builder<B>> {
    private String eventType;
    private int schemaVersion;
    private long maxDecodedBytes = 256L << 20;
    private Clock clock = Clock.systemUTC();
    private CodecMetrics metrics;

    protected Builder(String eventType) {
      this.eventType = eventType;
    }

    @SuppressWarnings("unchecked")
    private B self() {
      return (B) this;
    }

    /** The event type written; domain types use the same codec. */
    public B eventType(String eventType) {
      this.eventType = Objects.requireNonNull(eventType, "eventType");
      return self();
    }

    /** {@code Event.schema_version}; default 0 (unregistered). */
    public B schemaVersion(int version) {
      if (version < 0) {
        throw new IllegalArgumentException("schema versions are >= 0: " + version);
      }
      this.schemaVersion = version;
      return self();
    }

    /**
     * The most Arrow memory one decoded event may take (bodies, decompressed buffers, dictionaries,
     * pages); payloads that need more are refused with a {@link CodecException}. Default 256 MiB.
     */
    public B maxDecodedBytes(long bytes) {
      this.maxDecodedBytes = Require.positive(bytes, "the memory limit");
      return self();
    }

    /** The clock of {@code Event.timestamp}; default the system UTC clock. */
    public B clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return self();
    }

    /** Where encodes and decodes are counted (shared by a service's codecs); default none. */
    public B metrics(CodecMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return self();
    }
  }
}
