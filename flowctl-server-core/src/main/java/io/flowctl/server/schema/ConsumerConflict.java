package io.flowctl.server.schema;

import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.SchemaChange;
import java.util.List;

/**
 * A live consumer that could not read a proposed version of a subject it reads.
 *
 * @param serviceId the consumer
 * @param readerFingerprint the structural fingerprint of the reader schema it declared
 * @param changes the changes, from its reader schema (old side) to the proposed version (new side),
 *     that keep it from reading: stated as the producer changed what the consumer expects
 */
public record ConsumerConflict(
    String serviceId, Fingerprint readerFingerprint, List<SchemaChange> changes) {
  public ConsumerConflict {
    changes = List.copyOf(changes);
  }
}
