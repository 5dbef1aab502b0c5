package io.flowctl.server.schema;

import io.flowctl.schema.EvolutionPolicy;
import java.util.List;
import java.util.Optional;

/**
 * Where the schema registry keeps subjects, versions, policies and modes. Implementations must make
 * {@link #append} atomic per subject: of concurrent appends of the same version, exactly one wins,
 * so version numbers are never duplicated, also across control-plane replicas sharing one database;
 * and a number once used, even by a version deleted for good, is never used again. A failure to
 * read or write is a {@link StoreException}, never swallowed.
 */
public interface SchemaStore {
  /**
   * Every version of a subject that was not deleted permanently, soft-deleted ones included ({@link
   * StoredSchema#deleted()}), oldest first; empty for an unknown subject.
   */
  List<StoredSchema> versions(String subject);

  /** Every subject with at least one version not deleted permanently. */
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
   * Stores {@code schema} as its subject's version {@code schema.version()}, which must be higher
   * than every version the subject ever had (one more than the latest, except when importing).
   *
   * @return false when that number is taken or below the highest (another writer stored a version
   *     first: the caller re-reads and retries)
   */
  boolean append(StoredSchema schema);

  /**
   * The highest version number the subject ever used, versions deleted for good included; 0 for a
   * subject that never had one.
   */
  int highestVersion(String subject);

  /**
   * Soft-deletes one version: it stays stored, with {@link StoredSchema#deleted()} set.
   *
   * @return false when the subject has no such version, or it was deleted already
   */
  boolean markDeleted(String subject, int version);

  /**
   * Deletes a soft-deleted version for good: its definition is gone, and its number is never used
   * again.
   *
   * @return false when the subject has no such soft-deleted version
   */
  boolean purge(String subject, int version);

  /**
   * Every version, of any subject, with this structural fingerprint, soft-deleted ones included; by
   * subject, then version.
   */
  default List<StoredSchema> withFingerprint(String fingerprint) {
    List<StoredSchema> out = new java.util.ArrayList<>();
    for (String subject : subjects()) {
      for (StoredSchema s : versions(subject)) {
        if (s.fingerprint().equals(fingerprint)) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** The subject's own evolution policy, if one was set. */
  Optional<EvolutionPolicy> policy(String subject);

  void setPolicy(String subject, EvolutionPolicy policy);

  /** The subject's own mode, if one was set. */
  Optional<SubjectMode> mode(String subject);

  void setMode(String subject, SubjectMode mode);
}
