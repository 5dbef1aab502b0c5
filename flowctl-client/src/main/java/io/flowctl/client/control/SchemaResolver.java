package io.flowctl.client.control;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.flowctl.client.codec.BatchReader;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.proto.Event;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.OwnedBatch;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.schema.SchemaProjector;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads events written with any registered schema in the consumer's own reader schema. The writer
 * schema comes from the payload (and is confirmed against the registry when the fingerprint is
 * registered); one projector per writer fingerprint is built and cached, so a stream of events of
 * one schema costs one check. Refuses, with the checker's reasons, what the reader cannot read.
 */
public final class SchemaResolver {
  private final Schema reader;
  private final Fingerprint readerFingerprint;
  private final CompatibilityRules rules;
  private final CodecMetrics metrics;
  private final Cache<Fingerprint, Object> projectors =
      Caffeine.newBuilder().maximumSize(1_000).build();
  private final Cache<Fingerprint, Boolean> registered =
      Caffeine.newBuilder().maximumSize(1_000).build();

  /**
   * @param reader the consumer's schema
   * @param rules the rule set (the registry's)
   * @param metrics where evolutions and refusals are counted (may be null)
   */
  public SchemaResolver(Schema reader, CompatibilityRules rules, CodecMetrics metrics) {
    this.reader = Objects.requireNonNull(reader, "reader");
    this.readerFingerprint = SchemaFingerprints.structural(reader);
    this.rules = Objects.requireNonNull(rules, "rules");
    this.metrics = metrics;
  }

  /**
   * The current batch of {@code in} in the reader schema; the caller closes it.
   *
   * @throws IncompatibleSchemaException when the reader cannot read the writer's schema
   */
  public OwnedBatch project(BatchReader in, BufferAllocator allocator) {
    Schema writer = in.schema();
    SchemaProjector p = projectorFor(writer);
    return p.project(in.root(), in.dictionaries(), allocator);
  }

  /**
   * Like {@link #project(BatchReader, BufferAllocator)}, first checking once per writer fingerprint
   * that the control plane knows the writer's schema under the event's type.
   *
   * @throws FlowctlException FAILED_PRECONDITION when the writer schema is not registered
   */
  public OwnedBatch project(
      Event event, BatchReader in, SchemaLookup registry, BufferAllocator allocator) {
    Fingerprint fp = SchemaFingerprints.structural(in.schema());
    if (registered.getIfPresent(fp) == null) {
      if (registry.byFingerprint(event.getEventType(), fp).isEmpty()) {
        if (metrics != null) {
          metrics.schemaValidationError();
        }
        throw new io.flowctl.FlowctlException(
            io.flowctl.FlowctlException.Code.FAILED_PRECONDITION,
            "event '"
                + event.getEventType()
                + "' carries schema "
                + fp
                + ", which the control plane has not registered");
      }
      registered.put(fp, Boolean.TRUE);
    }
    return project(in, allocator);
  }

  /**
   * Whether events with this writer fingerprint need projecting (their schema is not the reader's).
   */
  public boolean needsProjection(Event event) {
    return !event.getArrowMetadata().getSchemaFingerprint().equals(readerFingerprint.toString());
  }

  private SchemaProjector projectorFor(Schema writer) {
    Fingerprint fp = SchemaFingerprints.structural(writer);
    Object cached =
        projectors.get(
            fp,
            k -> {
              try {
                SchemaProjector p = SchemaProjector.create(writer, reader, rules);
                if (!k.equals(readerFingerprint) && metrics != null) {
                  metrics.schemaEvolution();
                }
                return p;
              } catch (IncompatibleSchemaException e) {
                return e;
              }
            });
    if (cached instanceof IncompatibleSchemaException e) {
      // Counted per event refused, not once per writer schema: the verdict is cached, the events
      // it refuses are each a failure.
      if (metrics != null) {
        metrics.compatibilityCheckFailure();
      }
      throw new IncompatibleSchemaException(e.getMessage(), e.result(), e.changes());
    }
    return (SchemaProjector) cached;
  }

  /** The schema this resolver reads in. */
  public Schema readerSchema() {
    return reader;
  }
}
