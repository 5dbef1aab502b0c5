package io.flowctl.server.schema;

import io.flowctl.schema.EvolutionPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** A store in memory, for tests and for control planes that keep nothing across restarts. */
public final class InMemorySchemaStore implements SchemaStore {
  private final Map<String, TreeMap<Integer, StoredSchema>> versions = new HashMap<>();

  /** The highest number each subject ever used, purged versions included. */
  private final Map<String, Integer> highest = new HashMap<>();

  private final Map<String, EvolutionPolicy> policies = new HashMap<>();
  private final Map<String, SubjectMode> modes = new HashMap<>();
  private long bytes;
  private final Map<String, Long> bytesBy = new HashMap<>();

  @Override
  public synchronized long schemaBytesRegisteredBy(String registeredBy) {
    return bytesBy.getOrDefault(registeredBy, 0L);
  }

  @Override
  public synchronized long totalSchemaBytes() {
    return bytes;
  }

  @Override
  public synchronized List<StoredSchema> versions(String subject) {
    TreeMap<Integer, StoredSchema> of = versions.get(subject);
    return of == null ? List.of() : List.copyOf(of.values());
  }

  @Override
  public synchronized List<String> subjects() {
    return List.copyOf(new TreeSet<>(versions.keySet()));
  }

  @Override
  public synchronized int subjectCount() {
    return versions.size();
  }

  @Override
  public synchronized boolean append(StoredSchema schema) {
    if (schema.version() <= highest.getOrDefault(schema.subject(), 0)) {
      return false;
    }
    versions.computeIfAbsent(schema.subject(), k -> new TreeMap<>()).put(schema.version(), schema);
    highest.put(schema.subject(), schema.version());
    count(schema, 1);
    return true;
  }

  @Override
  public synchronized int highestVersion(String subject) {
    return highest.getOrDefault(subject, 0);
  }

  @Override
  public synchronized boolean markDeleted(String subject, int version) {
    TreeMap<Integer, StoredSchema> of = versions.get(subject);
    StoredSchema s = of == null ? null : of.get(version);
    if (s == null || s.deleted()) {
      return false;
    }
    of.put(version, s.asDeleted());
    return true;
  }

  @Override
  public synchronized boolean purge(String subject, int version) {
    TreeMap<Integer, StoredSchema> of = versions.get(subject);
    StoredSchema s = of == null ? null : of.get(version);
    if (s == null || !s.deleted()) {
      return false;
    }
    of.remove(version);
    if (of.isEmpty()) {
      versions.remove(subject);
    }
    count(s, -1);
    return true;
  }

  private void count(StoredSchema s, int sign) {
    long n = (long) sign * s.schemaIpc().length;
    bytes += n;
    bytesBy.merge(s.registeredBy(), n, Long::sum);
  }

  @Override
  public synchronized List<StoredSchema> withFingerprint(String fingerprint) {
    List<StoredSchema> out = new ArrayList<>();
    for (String subject : subjects()) {
      for (StoredSchema s : versions.get(subject).values()) {
        if (s.fingerprint().equals(fingerprint)) {
          out.add(s);
        }
      }
    }
    return out;
  }

  @Override
  public synchronized Optional<EvolutionPolicy> policy(String subject) {
    return Optional.ofNullable(policies.get(subject));
  }

  @Override
  public synchronized void setPolicy(String subject, EvolutionPolicy policy) {
    policies.put(subject, policy);
  }

  @Override
  public synchronized Optional<SubjectMode> mode(String subject) {
    return Optional.ofNullable(modes.get(subject));
  }

  @Override
  public synchronized void setMode(String subject, SubjectMode mode) {
    modes.put(subject, mode);
  }
}
