package io.flowctl.server.schema;

import io.flowctl.schema.EvolutionPolicy;
import java.util.List;
import java.util.Optional;

/**
 * Where the schema registry keeps subjects, versions and policies. Implementations must make {@link
 * #append} atomic per subject: of concurrent appends of the same version, exactly one wins, so
 * version numbers are never duplicated or skipped, also across control-plane replicas sharing one
 * database. A failure to read or write is a {@link StoreException}, never swallowed.
 */
public interface SchemaStore {
  /** Every version of a subject, oldest first (empty for an unknown subject). */
  List<StoredSchema> versions(String subject);

  /** Every subject with at least one version. */
  List<String> subjects();

  /** How many subjects hold a version; stores answer without listing them. */
  default int subjectCount() {
    return subjects().size();
  }

  /** Bytes of every stored schema definition together; stores answer without reading them. */
  default long totalSchemaBytes() {
    long n = 0;
    for (String subject : subjects()) {
      for (StoredSchema s : versions(subject)) {
        n += s.schemaIpc().length;
      }
    }
    return n;
  }

  /** Bytes of the schema definitions one service registered. */
  default long schemaBytesRegisteredBy(String registeredBy) {
    long n = 0;
    for (String subject : subjects()) {
      for (StoredSchema s : versions(subject)) {
        if (s.registeredBy().equals(registeredBy)) {
          n += s.schemaIpc().length;
        }
      }
    }
    return n;
  }

  /**
   * Stores {@code schema} as its subject's version {@code schema.version()}, which must be one more
   * than the latest.
   *
   * @return false when another writer stored that version first (the caller re-reads and retries)
   */
  boolean append(StoredSchema schema);

  /** The subject's own evolution policy, if one was set. */
  Optional<EvolutionPolicy> policy(String subject);

  void setPolicy(String subject, EvolutionPolicy policy);
}
