package io.flowctl.server.schema;

import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.schema.Fingerprint;
import io.flowctl.schema.SchemaChange;
import java.util.List;

/**
 * What registering a schema would do, from a dry run: nothing was stored.
 *
 * @param accepted whether it would be registered
 * @param version the version it would get, or has when {@code alreadyRegistered}; 0 when refused
 * @param alreadyRegistered an identical schema is registered already
 * @param policy the subject's policy
 * @param fingerprint the schema's structural fingerprint
 * @param violations the changes that break the policy against the subject's versions
 * @param consumers the live consumers that could not read it
 * @param reason why it would be refused, in one line; empty when accepted
 */
public record RegistrationCheck(
    boolean accepted,
    int version,
    boolean alreadyRegistered,
    EvolutionPolicy policy,
    Fingerprint fingerprint,
    List<SchemaChange> violations,
    List<ConsumerConflict> consumers,
    String reason) {
  public RegistrationCheck {
    violations = List.copyOf(violations);
    consumers = List.copyOf(consumers);
  }
}
