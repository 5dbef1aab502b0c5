package io.flowctl.server.schema;

import java.time.Instant;
import java.util.Objects;

/**
 * One version of a subject's schema as a store keeps it: the Arrow schema serialized as an IPC
 * schema message, with its fingerprints.
 *
 * @param subject the event type
 * @param version 1, 2, … per subject
 * @param schemaIpc the schema as an Arrow IPC schema message
 * @param fingerprint the structural fingerprint, {@code sha256:…}
 * @param fingerprintWithMetadata the fingerprint including custom metadata
 * @param registeredAt when it was registered
 * @param registeredBy who registered it (a service id, or empty)
 * @param deleted soft-deleted: kept, but hidden from reads and from compatibility checks
 */
public record StoredSchema(
    String subject,
    int version,
    byte[] schemaIpc,
    String fingerprint,
    String fingerprintWithMetadata,
    Instant registeredAt,
    String registeredBy,
    boolean deleted) {
  public StoredSchema {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(schemaIpc, "schemaIpc");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(fingerprintWithMetadata, "fingerprintWithMetadata");
    Objects.requireNonNull(registeredAt, "registeredAt");
    registeredBy = registeredBy == null ? "" : registeredBy;
    schemaIpc = schemaIpc.clone();
  }

  /** This version soft-deleted. */
  public StoredSchema asDeleted() {
    return new StoredSchema(
        subject,
        version,
        schemaIpc,
        fingerprint,
        fingerprintWithMetadata,
        registeredAt,
        registeredBy,
        true);
  }

  @Override
  public byte[] schemaIpc() {
    return schemaIpc.clone();
  }
}
