package io.flowctl.server.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.server.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteSchemaStoreTest extends SchemaStoreContract {
  @TempDir Path dir;
  private final List<Stores> open = new ArrayList<>();

  @Override
  io.flowctl.server.runs.PipelineRunStore runStore() {
    return fresh().runs();
  }

  @Override
  SchemaStore store() {
    return fresh().schemas();
  }

  private Stores fresh() {
    Stores s = Stores.sqlite(dir.resolve("store-" + open.size() + "/flowctl.db"));
    open.add(s);
    return s;
  }

  @Test
  void aDatabaseFromBeforeRunsHadOwners_gainsTheColumn_andItsRunsBelongToNoOne() throws Exception {
    Path file = dir.resolve("old/flowctl.db");
    Files.createDirectories(file.getParent());
    io.flowctl.proto.PipelineRun old =
        io.flowctl.proto.PipelineRun.newBuilder().setRunId("r1").setPipelineName("p").build();
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        var st = c.createStatement()) {
      st.execute(
          "CREATE TABLE flowctl_pipeline_runs (run_id TEXT PRIMARY KEY, pipeline_name TEXT NOT"
              + " NULL, status INTEGER NOT NULL, started_at TEXT NOT NULL, run BLOB NOT NULL)");
      try (var ins =
          c.prepareStatement("INSERT INTO flowctl_pipeline_runs VALUES ('r1', 'p', 1, 'x', ?)")) {
        ins.setBytes(1, old.toByteArray());
        ins.executeUpdate();
      }
    }
    Stores stores = Stores.sqlite(file);
    open.add(stores);
    var s = stores.runs();
    assertThat(s.owner("r1")).contains("");
    assertThat(s.get("r1")).contains(old);
    s.create(old.toBuilder().setRunId("r2").build(), "svcA");
    assertThat(s.owner("r2")).contains("svcA");
    assertThat(s.list("", io.flowctl.proto.RunStatus.RUN_STATUS_UNKNOWN, "svcA", 10))
        .extracting(io.flowctl.proto.PipelineRun::getRunId)
        .containsExactly("r2");
    assertThat(s.count()).isEqualTo(2);
  }

  @Test
  void aDatabaseFromBeforeDeletions_gainsTheStateColumn_andItsVersionsAreLive() throws Exception {
    Path file = dir.resolve("old-schemas/flowctl.db");
    Files.createDirectories(file.getParent());
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        var st = c.createStatement()) {
      st.execute(
          "CREATE TABLE flowctl_schema_versions (subject TEXT NOT NULL, version INTEGER NOT NULL,"
              + " schema_ipc BLOB NOT NULL, fingerprint TEXT NOT NULL, fingerprint_with_metadata"
              + " TEXT NOT NULL, registered_at TEXT NOT NULL, registered_by TEXT NOT NULL,"
              + " PRIMARY KEY (subject, version))");
      st.execute(
          "INSERT INTO flowctl_schema_versions VALUES ('a', 1, x'010203', 'sha256:1', 'sha256:2',"
              + " '2026-11-24T10:00:00Z', 'svc')");
    }
    Stores stores = Stores.sqlite(file);
    open.add(stores);
    SchemaStore s = stores.schemas();
    assertThat(s.versions("a")).extracting(StoredSchema::deleted).containsExactly(false);
    assertThat(s.markDeleted("a", 1)).isTrue();
    assertThat(s.versions("a")).extracting(StoredSchema::deleted).containsExactly(true);
  }

  @AfterEach
  void closeAll() {
    open.forEach(Stores::close);
  }

  @Test
  void aRegistryReopenedOnTheSameFile_hasEverythingItAcknowledged() {
    Path file = dir.resolve("data/flowctl.db");
    Schema v1 = new Schema(List.of(Field.notNullable("id", new ArrowType.Int(64, true))));
    try (Stores s = Stores.sqlite(file)) {
      SchemaRegistry r = SchemaRegistry.builder(s.schemas()).build();
      r.register("t", v1, "svc");
      r.setPolicy("t", EvolutionPolicy.FULL);
    }
    try (Stores s = Stores.sqlite(file)) {
      SchemaRegistry r = SchemaRegistry.builder(s.schemas()).build();
      assertThat(r.latest("t").orElseThrow().schema()).isEqualTo(v1);
      assertThat(r.policy("t")).isEqualTo(EvolutionPolicy.FULL);
    }
  }

  @Test
  void theFileIsInWriteAheadLogMode() throws Exception {
    Path file = dir.resolve("wal/flowctl.db");
    try (Stores s = Stores.sqlite(file);
        java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file);
        java.sql.ResultSet r = c.createStatement().executeQuery("PRAGMA journal_mode")) {
      r.next();
      assertThat(r.getString(1)).isEqualTo("wal");
    }
  }

  @Test
  void servicesAndTheirLastHeartbeatSurviveARestart() {
    Path file = dir.resolve("services/flowctl.db");
    try (Stores s = Stores.sqlite(file)) {
      var r = io.flowctl.server.registry.ServiceRegistry.builder().store(s.services()).build();
      r.register(
          io.flowctl.proto.ServiceInfo.newBuilder()
              .setServiceId("src")
              .setServiceType(io.flowctl.proto.ServiceType.SERVICE_TYPE_SOURCE)
              .addOutputEventTypes("t")
              .putMetadata("team", "payments")
              .build());
      r.heartbeat("src", java.util.Map.of("arrow_batches", 12.0));
    }
    try (Stores s = Stores.sqlite(file)) {
      var r = io.flowctl.server.registry.ServiceRegistry.builder().store(s.services()).build();
      var state = r.status("src").orElseThrow();
      assertThat(state.info().getMetadataMap()).containsEntry("team", "payments");
      assertThat(state.metrics()).containsEntry("arrow_batches", 12.0);
      assertThat(state.healthy()).isTrue();
      assertThat(r.producersOf("t")).hasSize(1);
    }
  }

  @Test
  void aBrokenStoreIsUnavailable_notSilentlyEmpty() throws Exception {
    Path file = dir.resolve("broken.db");
    Files.write(file, "this is not an sqlite database, not at all".repeat(100).getBytes());
    assertThatThrownBy(() -> Stores.sqlite(file))
        .isInstanceOf(StoreException.class)
        .satisfies(
            e ->
                assertThat(((FlowctlException) e).code())
                    .isEqualTo(FlowctlException.Code.UNAVAILABLE))
        .hasMessageContaining("broken.db");
  }
}
