package io.flowctl.server.store;

import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.server.schema.SchemaStore;
import io.flowctl.server.schema.StoredSchema;
import io.flowctl.server.schema.SubjectMode;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Schema versions, subject policies and modes in SQL. A version is appended only if it is higher
 * than every number the subject used, in one statement, and the (subject, version) primary key
 * settles races between replicas. A version deleted for good keeps its row, without its definition,
 * so that its number is not used again.
 */
final class JdbcSchemaStore implements SchemaStore {
  private final Jdbc db;

  JdbcSchemaStore(Jdbc db) {
    this.db = db;
  }

  private static final String COLUMNS =
      "SELECT subject, version, schema_ipc, fingerprint, fingerprint_with_metadata, registered_at,"
          + " registered_by, state FROM flowctl_schema_versions";

  private static StoredSchema row(java.sql.ResultSet r) throws SQLException {
    return new StoredSchema(
        r.getString(1),
        r.getInt(2),
        r.getBytes(3),
        r.getString(4),
        r.getString(5),
        Instant.parse(r.getString(6)),
        r.getString(7),
        r.getInt(8) == DELETED);
  }

  private static final int LIVE = 0;
  private static final int DELETED = 1;
  private static final int PURGED = 2;

  @Override
  public List<StoredSchema> versions(String subject) {
    return db.all(
        "cannot read the versions of '" + subject + "'",
        COLUMNS + " WHERE subject = ? AND state < " + PURGED + " ORDER BY version",
        q -> q.setString(1, subject),
        JdbcSchemaStore::row);
  }

  @Override
  public List<StoredSchema> withFingerprint(String fingerprint) {
    return db.all(
        "cannot find schema " + fingerprint,
        COLUMNS + " WHERE fingerprint = ? AND state < " + PURGED + " ORDER BY subject, version",
        q -> q.setString(1, fingerprint),
        JdbcSchemaStore::row);
  }

  @Override
  public int highestVersion(String subject) {
    return (int)
        db.scalar(
            "cannot read the versions of '" + subject + "'",
            "SELECT COALESCE(MAX(version), 0) FROM flowctl_schema_versions WHERE subject = ?",
            subject);
  }

  @Override
  public boolean markDeleted(String subject, int version) {
    return changeState(subject, version, LIVE, DELETED, "soft-delete");
  }

  @Override
  public boolean purge(String subject, int version) {
    return changeState(subject, version, DELETED, PURGED, "delete");
  }

  private boolean changeState(String subject, int version, int from, int to, String what) {
    return db.retried(
        "cannot " + what + " version " + version + " of '" + subject + "'",
        c -> {
          // Purging also drops the definition: the row only keeps the number taken.
          try (PreparedStatement u =
              c.prepareStatement(
                  "UPDATE flowctl_schema_versions SET state = ?"
                      + (to == PURGED ? ", schema_ipc = ?" : "")
                      + " WHERE subject = ? AND version = ? AND state = ?")) {
            int i = 1;
            u.setInt(i++, to);
            if (to == PURGED) {
              u.setBytes(i++, new byte[0]);
            }
            u.setString(i++, subject);
            u.setInt(i++, version);
            u.setInt(i, from);
            return u.executeUpdate() == 1;
          }
        });
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
            "cannot count subjects",
            "SELECT COUNT(DISTINCT subject) FROM flowctl_schema_versions WHERE state < " + PURGED);
  }

  @Override
  public List<String> subjects() {
    return db.all(
        "cannot list subjects",
        "SELECT DISTINCT subject FROM flowctl_schema_versions WHERE state < "
            + PURGED
            + " ORDER BY subject",
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
                      + " FROM flowctl_schema_versions WHERE subject = ?) < ?")) {
            insert.setString(1, schema.subject());
            insert.setInt(2, schema.version());
            insert.setBytes(3, schema.schemaIpc());
            insert.setString(4, schema.fingerprint());
            insert.setString(5, schema.fingerprintWithMetadata());
            insert.setString(6, schema.registeredAt().toString());
            insert.setString(7, schema.registeredBy());
            insert.setString(8, schema.subject());
            insert.setInt(9, schema.version());
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
    return setting("flowctl_subject_policies", "policy", subject).map(EvolutionPolicy::parse);
  }

  @Override
  public void setPolicy(String subject, EvolutionPolicy policy) {
    setSetting("flowctl_subject_policies", "policy", subject, policy.configName());
  }

  @Override
  public Optional<SubjectMode> mode(String subject) {
    return setting("flowctl_subject_modes", "mode", subject).map(SubjectMode::valueOf);
  }

  @Override
  public void setMode(String subject, SubjectMode mode) {
    setSetting("flowctl_subject_modes", "mode", subject, mode.name());
  }

  /** One subject's setting from its own table ({@code subject} the key, one text column). */
  private Optional<String> setting(String table, String column, String subject) {
    return db.one(
        "cannot read the " + column + " of '" + subject + "'",
        "SELECT " + column + " FROM " + table + " WHERE subject = ?",
        subject,
        r -> r.getString(1));
  }

  /** Stores one subject's setting in its own table. */
  private void setSetting(String table, String column, String subject, String value) {
    db.retried(
        "cannot store the " + column + " of '" + subject + "'",
        c ->
            Jdbc.upsert(
                c,
                "UPDATE " + table + " SET " + column + " = ? WHERE subject = ?",
                u -> {
                  u.setString(1, value);
                  u.setString(2, subject);
                },
                "INSERT INTO " + table + " (subject, " + column + ") VALUES (?, ?)",
                i -> {
                  i.setString(1, subject);
                  i.setString(2, value);
                }));
  }
}
