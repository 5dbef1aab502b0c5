package io.flowctl.server.schema;

import io.flowctl.schema.Fingerprint;
import java.time.Instant;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * One version of a subject's schema, as the registry hands it out.
 *
 * @param subject the event type
 * @param version its version number, from 1
 * @param schema the Arrow schema (message format)
 * @param fingerprint the structural fingerprint
 * @param fingerprintWithMetadata the fingerprint including custom metadata
 * @param registeredAt when it was registered
 * @param registeredBy who registered it (a service id, or empty)
 */
public record RegisteredSchema(
    String subject,
    int version,
    Schema schema,
    Fingerprint fingerprint,
    Fingerprint fingerprintWithMetadata,
    Instant registeredAt,
    String registeredBy) {}
