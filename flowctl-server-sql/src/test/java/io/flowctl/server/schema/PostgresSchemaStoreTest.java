package io.flowctl.server.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.server.store.Stores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The store contract on a real PostgreSQL server, plus two replicas racing on one database. */
class PostgresSchemaStoreTest extends SchemaStoreContract {
  private static EmbeddedPostgres postgres;
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private final List<Stores> open = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    postgres = EmbeddedPostgres.builder().start();
  }

  @AfterAll
  static void stop() throws Exception {
    postgres.close();
  }

  @AfterEach
  void closeAll() {
    open.forEach(Stores::close);
  }

  /** A fresh database on the server; the URL its replicas connect to. */
  private static String newDatabase() throws Exception {
    String name = "flowctl_" + DATABASES.incrementAndGet();
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return postgres.getJdbcUrl("postgres", name);
  }

  private Stores connect(String url) {
    Stores s = Stores.postgres(url, "postgres", "postgres");
    open.add(s);
    return s;
  }

  @Override
  io.flowctl.server.runs.PipelineRunStore runStore() {
    try {
      return connect(newDatabase()).runs();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  SchemaStore store() {
    try {
      return connect(newDatabase()).schemas();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void twoReplicasOnOneDatabase_seeTheSameServicesAndHeartbeats() throws Exception {
    String url = newDatabase();
    java.time.Duration window = java.time.Duration.ofMillis(100);
    io.flowctl.server.registry.ServiceRegistry a =
        io.flowctl.server.registry.ServiceRegistry.builder()
            .store(connect(url).services())
            .heartbeatFlushInterval(window)
            .replicaSyncInterval(window)
            .build();
    io.flowctl.server.registry.ServiceRegistry b =
        io.flowctl.server.registry.ServiceRegistry.builder()
            .store(connect(url).services())
            .heartbeatFlushInterval(window)
            .replicaSyncInterval(window)
            .build();
    a.register(
        io.flowctl.proto.ServiceInfo.newBuilder()
            .setServiceId("sink")
            .setServiceType(io.flowctl.proto.ServiceType.SERVICE_TYPE_SINK)
            .addInputEventTypes("t")
            .build());

    assertThat(b.consumersOf("t")).extracting(s -> s.serviceId()).containsExactly("sink");
    b.heartbeat("sink", java.util.Map.of("rows", 7.0));
    assertThat(a.status("sink").orElseThrow().metrics())
        .as("not written before b's flush")
        .doesNotContainKey("rows");
    assertThat(b.flushHeartbeats()).isEqualTo(1);
    assertThat(a.status("sink").orElseThrow().metrics()).containsEntry("rows", 7.0);
    assertThat(a.unregister("sink")).isTrue();
    assertThat(b.status("sink")).as("one service is read from the store").isEmpty();
    Thread.sleep(window.toMillis() + 20); // a whole list is read from the store once a window
    assertThat(b.list()).isEmpty();
  }

  @Test
  void twoReplicasOnOneDatabase_neverDuplicateOrSkipAVersion_andSeeTheSameHistory()
      throws Exception {
    String url = newDatabase();
    SchemaRegistry a =
        SchemaRegistry.builder(connect(url).schemas()).defaultPolicy(EvolutionPolicy.NONE).build();
    SchemaRegistry b =
        SchemaRegistry.builder(connect(url).schemas()).defaultPolicy(EvolutionPolicy.NONE).build();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Registration>> futures = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        SchemaRegistry replica = i % 2 == 0 ? a : b;
        Schema s =
            new Schema(
                List.of(
                    Field.notNullable("id", new ArrowType.Int(64, true)),
                    Field.nullable("c" + i, ArrowType.Utf8.INSTANCE)));
        futures.add(pool.submit(() -> replica.register("t", s, "")));
      }
      List<Integer> versions = new ArrayList<>();
      for (Future<Registration> f : futures) {
        versions.add(f.get().schema().version());
      }
      assertThat(versions).doesNotHaveDuplicates().hasSize(30);
      assertThat(a.history("t"))
          .extracting(RegisteredSchema::version)
          .containsExactlyElementsOf(
              java.util.stream.IntStream.rangeClosed(1, 30).boxed().toList());
      assertThat(b.history("t"))
          .extracting(RegisteredSchema::fingerprint)
          .containsExactlyElementsOf(
              a.history("t").stream().map(RegisteredSchema::fingerprint).toList());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void droppedConnectionsAreReplaced_andReadsAndWritesGoOn() throws Exception {
    String url = newDatabase();
    SchemaStore store = connect(url).schemas();
    assertThat(store.append(version("a", 1))).isTrue();
    String database = url.substring(url.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        java.sql.ResultSet r =
            s.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '"
                    + database
                    + "'")) {
      r.next();
      assertThat(r.getInt(1)).as("sessions of the store ended").isPositive();
    }
    assertThat(store.versions("a")).extracting(StoredSchema::version).containsExactly(1);
    assertThat(store.append(version("a", 2))).isTrue();
    assertThat(store.versions("a")).extracting(StoredSchema::version).containsExactly(1, 2);
  }

  @Test
  void aCallersDataSource_isUsed_andLeftOpen() throws Exception {
    javax.sql.DataSource source =
        postgres.getDatabase("postgres", newDatabase().replaceAll(".*/|\\?.*", ""));
    Stores stores = Stores.postgres(source);
    SchemaStore store = stores.schemas();
    assertThat(store.append(version("a", 1))).isTrue();
    stores.close();
    try (Connection c = source.getConnection();
        Statement s = c.createStatement();
        java.sql.ResultSet r = s.executeQuery("SELECT count(*) FROM flowctl_schema_versions")) {
      r.next();
      assertThat(r.getInt(1)).isEqualTo(1);
    }
  }
}
