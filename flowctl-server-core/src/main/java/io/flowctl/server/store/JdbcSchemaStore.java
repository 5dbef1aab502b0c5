package io.flowctl.server.store;

import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.server.schema.SchemaStore;
import io.flowctl.server.schema.StoredSchema;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Schema versions and subject policies in SQL. A version is appended only if it is one more than
 * the latest, in one statement, and the (subject, version) primary key settles races between
 * replicas.
 */
final class JdbcSchemaStore implements SchemaStore {
  private final Jdbc db;

  JdbcSchemaStore(Jdbc db) {
    this.db = db;
  }

  @Override
  public List<StoredSchema> versions(String subject) {
    return db.all(
        "cannot read the versions of '" + subject + "'",
        "SELECT version, schema_ipc, fingerprint, fingerprint_with_metadata, registered_at,"
            + " registered_by FROM flowctl_schema_versions WHERE subject = ? ORDER BY version",
        q -> q.setString(1, subject),
        r ->
            new StoredSchema(
                subject,
                r.getInt(1),
                r.getBytes(2),
                r.getString(3),
                r.getString(4),
                Instant.parse(r.getString(5)),
                r.getString(6)));
  }

  @Override
  public long schemaBytesRegisteredBy(String registeredBy) {
    return db.scalar(
        "cannot measure the schemas of '" + registeredBy + "'",
        "SELECT COALESCE(SUM(LENGTH(schema_ipc)), 0) FROM flowctl_schema_versions WHERE registered_by = ?",
        registeredBy);
  }

  @Override
  public long totalSchemaBytes() {
    return db.scalar(
        "cannot measure the schemas",
        "SELECT COALESCE(SUM(LENGTH(schema_ipc)), 0) FROM flowctl_schema_versions");
  }

  @Override
  public int subjectCount() {
    return (int)
        db.scalar(
            "cannot count subjects", "SELECT COUNT(DISTINCT subject) FROM flowctl_schema_versions");
  }

  @Override
  public List<String> subjects() {
    return db.all(
        "cannot list subjects",
        "SELECT DISTINCT subject FROM flowctl_schema_versions ORDER BY subject",
        q -> {},
        r -> r.getString(1));
  }

  @Override
  public boolean append(StoredSchema schema) {
    return db.once(
        "cannot store version " + schema.version() + " of '" + schema.subject() + "'",
        c -> {
          try (PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO flowctl_schema_versions (subject, version, schema_ipc, fingerprint,"
                      + " fingerprint_with_metadata, registered_at, registered_by)"
                      + " SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT COALESCE(MAX(version), 0)"
                      + " FROM flowctl_schema_versions WHERE subject = ?) = ?")) {
            insert.setString(1, schema.subject());
            insert.setInt(2, schema.version());
            insert.setBytes(3, schema.schemaIpc());
            insert.setString(4, schema.fingerprint());
            insert.setString(5, schema.fingerprintWithMetadata());
            insert.setString(6, schema.registeredAt().toString());
            insert.setString(7, schema.registeredBy());
            insert.setString(8, schema.subject());
            insert.setInt(9, schema.version() - 1);
            return insert.executeUpdate() == 1;
          } catch (SQLException e) {
            if (Jdbc.isDuplicateKey(e)) {
              return false; // another replica appended this version first
            }
            throw e;
          }
        });
  }

  @Override
  public Optional<EvolutionPolicy> policy(String subject) {
    return db.one(
        "cannot read the policy of '" + subject + "'",
        "SELECT policy FROM flowctl_subject_policies WHERE subject = ?",
        subject,
        r -> EvolutionPolicy.parse(r.getString(1)));
  }

  @Override
  public void setPolicy(String subject, EvolutionPolicy policy) {
    db.retried(
        "cannot store the policy of '" + subject + "'",
        c ->
            Jdbc.upsert(
                c,
                "UPDATE flowctl_subject_policies SET policy = ? WHERE subject = ?",
                u -> {
                  u.setString(1, policy.configName());
                  u.setString(2, subject);
                },
                "INSERT INTO flowctl_subject_policies (subject, policy) VALUES (?, ?)",
                i -> {
                  i.setString(1, subject);
                  i.setString(2, policy.configName());
                }));
  }
}
