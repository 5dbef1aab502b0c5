package io.flowctl.server.schema;

import io.flowctl.schema.EvolutionPolicy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** A store in memory, for tests and for control planes that keep nothing across restarts. */
public final class InMemorySchemaStore implements SchemaStore {
  private final Map<String, List<StoredSchema>> versions = new HashMap<>();
  private final Map<String, EvolutionPolicy> policies = new HashMap<>();
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
    return List.copyOf(versions.getOrDefault(subject, List.of()));
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
    List<StoredSchema> list = versions.computeIfAbsent(schema.subject(), k -> new ArrayList<>());
    if (schema.version() != list.size() + 1) {
      return false;
    }
    list.add(schema);
    bytes += schema.schemaIpc().length;
    bytesBy.merge(schema.registeredBy(), (long) schema.schemaIpc().length, Long::sum);
    return true;
  }

  @Override
  public synchronized Optional<EvolutionPolicy> policy(String subject) {
    return Optional.ofNullable(policies.get(subject));
  }

  @Override
  public synchronized void setPolicy(String subject, EvolutionPolicy policy) {
    policies.put(subject, policy);
  }
}
