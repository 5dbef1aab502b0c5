package io.flowctl.server.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.EvolutionPolicy;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What every store must do (schemas and pipeline runs); each implementation's test extends it. */
abstract class SchemaStoreContract {
  /** A new, empty store. */
  abstract SchemaStore store();

  /** A new, empty pipeline-run store. */
  abstract io.flowctl.server.runs.PipelineRunStore runStore();

  @Test
  void pipelineRunsAreCreatedOnce_updated_listedNewestFirst_andFilterable() {
    var clock = new java.util.concurrent.atomic.AtomicLong(1_000);
    java.time.Clock ticking =
        new java.time.Clock() {
          @Override
          public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
          }

          @Override
          public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return Instant.ofEpochSecond(clock.getAndAdd(10));
          }
        };
    var runs = new io.flowctl.server.runs.PipelineRuns(runStore(), ticking);
    var a =
        runs.create(
            io.flowctl.proto.CreatePipelineRunRequest.newBuilder()
                .setRunId("a")
                .setPipelineName("ttp")
                .build());
    runs.create(
        io.flowctl.proto.CreatePipelineRunRequest.newBuilder()
            .setRunId("b")
            .setPipelineName("ttp")
            .build());
    runs.create(
        io.flowctl.proto.CreatePipelineRunRequest.newBuilder()
            .setRunId("c")
            .setPipelineName("other")
            .build());
    runs.update(
        io.flowctl.proto.UpdatePipelineRunRequest.newBuilder()
            .setRunId("a")
            .setStatus(io.flowctl.proto.RunStatus.RUN_STATUS_COMPLETED)
            .setMetrics(io.flowctl.proto.RunMetrics.newBuilder().setEventsProcessed(99))
            .build());

    assertThat(a.getStatus()).isEqualTo(io.flowctl.proto.RunStatus.RUN_STATUS_STARTING);
    assertThat(runs.get("a").getMetrics().getEventsProcessed()).isEqualTo(99);
    assertThat(runs.get("a").hasEndTime()).isTrue();
    assertThat(runs.list("", io.flowctl.proto.RunStatus.RUN_STATUS_UNKNOWN, 0))
        .extracting(io.flowctl.proto.PipelineRun::getRunId)
        .containsExactly("c", "b", "a");
    assertThat(runs.list("ttp", io.flowctl.proto.RunStatus.RUN_STATUS_STARTING, 0))
        .extracting(io.flowctl.proto.PipelineRun::getRunId)
        .containsExactly("b");
    assertThat(runs.list("", io.flowctl.proto.RunStatus.RUN_STATUS_UNKNOWN, 1)).hasSize(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                runs.create(
                    io.flowctl.proto.CreatePipelineRunRequest.newBuilder()
                        .setRunId("a")
                        .setPipelineName("ttp")
                        .build()))
        .hasMessageContaining("exists already");
  }

  static StoredSchema version(String subject, int v) {
    return new StoredSchema(
        subject,
        v,
        new byte[] {1, 2, (byte) v},
        "sha256:" + "a".repeat(63) + v % 10,
        "sha256:" + "b".repeat(63) + v % 10,
        Instant.parse("2026-11-24T10:00:00Z").plusSeconds(v),
        "svc-" + v,
        false);
  }

  @Test
  void appendsVersionsInOrder_andReadsThemBackWhole() {
    SchemaStore s = store();
    assertThat(s.append(version("a", 1))).isTrue();
    assertThat(s.append(version("a", 2))).isTrue();
    assertThat(s.append(version("b", 1))).isTrue();

    List<StoredSchema> a = s.versions("a");
    assertThat(a).extracting(StoredSchema::version).containsExactly(1, 2);
    assertThat(a.get(1).schemaIpc()).containsExactly(1, 2, 2);
    assertThat(a.get(1).fingerprint()).isEqualTo(version("a", 2).fingerprint());
    assertThat(a.get(1).registeredAt()).isEqualTo(version("a", 2).registeredAt());
    assertThat(a.get(1).registeredBy()).isEqualTo("svc-2");
    assertThat(s.subjects()).containsExactly("a", "b");
    assertThat(s.versions("unknown")).isEmpty();
  }

  @Test
  void refusesADuplicateOrALowerVersion_butTakesAGap_forImports() {
    SchemaStore s = store();
    assertThat(s.append(version("a", 1))).isTrue();
    assertThat(s.append(version("a", 1))).isFalse();
    assertThat(s.append(version("a", 3))).isTrue();
    assertThat(s.append(version("a", 2))).isFalse();
    assertThat(s.versions("a")).extracting(StoredSchema::version).containsExactly(1, 3);
    assertThat(s.highestVersion("a")).isEqualTo(3);
    assertThat(s.highestVersion("b")).isZero();
  }

  @Test
  void softDeletedVersionsStayListed_purgedOnesGo_andTheirNumbersAreNotReused() {
    SchemaStore s = store();
    s.append(version("a", 1));
    s.append(version("a", 2));
    long before = s.totalSchemaBytes();

    assertThat(s.purge("a", 2)).as("only a soft-deleted version is purged").isFalse();
    assertThat(s.markDeleted("a", 2)).isTrue();
    assertThat(s.markDeleted("a", 2)).as("once").isFalse();
    assertThat(s.markDeleted("a", 7)).isFalse();
    assertThat(s.versions("a")).extracting(StoredSchema::deleted).containsExactly(false, true);
    assertThat(s.versions("a").get(1).schemaIpc()).containsExactly(1, 2, 2);
    assertThat(s.totalSchemaBytes()).isEqualTo(before);

    assertThat(s.purge("a", 2)).isTrue();
    assertThat(s.purge("a", 2)).isFalse();
    assertThat(s.versions("a")).extracting(StoredSchema::version).containsExactly(1);
    assertThat(s.totalSchemaBytes()).isEqualTo(before - 3);
    assertThat(s.schemaBytesRegisteredBy("svc-2")).isZero();
    assertThat(s.highestVersion("a")).isEqualTo(2);
    assertThat(s.append(version("a", 2))).as("a purged number stays taken").isFalse();
    assertThat(s.append(version("a", 3))).isTrue();

    s.markDeleted("a", 1);
    s.purge("a", 1);
    s.markDeleted("a", 3);
    s.purge("a", 3);
    assertThat(s.subjects()).as("a subject without versions is gone").isEmpty();
    assertThat(s.subjectCount()).isZero();
    assertThat(s.highestVersion("a")).isEqualTo(3);
  }

  @Test
  void findsVersionsByFingerprintAcrossSubjects_softDeletedIncluded() {
    SchemaStore s = store();
    s.append(version("b", 1));
    s.append(version("a", 1));
    s.append(version("a", 2));
    s.markDeleted("b", 1);

    assertThat(s.withFingerprint(version("a", 1).fingerprint()))
        .extracting(v -> v.subject() + "/" + v.version() + (v.deleted() ? " deleted" : ""))
        .containsExactly("a/1", "b/1 deleted");
    assertThat(s.withFingerprint("sha256:" + "c".repeat(64))).isEmpty();
  }

  @Test
  void keepsModesPerSubject() {
    SchemaStore s = store();
    assertThat(s.mode("a")).isEmpty();
    s.setMode("a", SubjectMode.READONLY);
    s.setMode("a", SubjectMode.IMPORT);
    assertThat(s.mode("a")).contains(SubjectMode.IMPORT);
    assertThat(s.mode("b")).isEmpty();
  }

  @Test
  void keepsPoliciesPerSubject() {
    SchemaStore s = store();
    assertThat(s.policy("a")).isEmpty();
    s.setPolicy("a", EvolutionPolicy.FULL_TRANSITIVE);
    s.setPolicy("a", EvolutionPolicy.FORWARD);
    assertThat(s.policy("a")).contains(EvolutionPolicy.FORWARD);
    assertThat(s.policy("b")).isEmpty();
  }
}
