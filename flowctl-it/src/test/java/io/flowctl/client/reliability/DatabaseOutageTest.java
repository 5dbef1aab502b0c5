package io.flowctl.client.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.client.control.ControlPlaneClient;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.SchemaAck;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault: the control plane's PostgreSQL connections are dropped, then the database server itself
 * stops and comes back on the same data directory and port, while 10 services heartbeat and a
 * producer keeps registering schema versions. Calls fail as UNAVAILABLE while the database is gone,
 * nothing acknowledged is lost or duplicated, and traffic resumes by itself once it is back.
 * Figures for docs/reliability.md.
 */
class DatabaseOutageTest {
  static final int SERVICES = 10;
  static final Duration OUTAGE = Duration.ofSeconds(3);

  @TempDir Path dir;

  @Test
  void droppedAndRestoredDatabase_losesNothingAcknowledged_andTrafficResumes() throws Exception {
    int dbPort = freePort();
    Path data = dir.resolve("pgdata");
    EmbeddedPostgres postgres = startPostgres(data, dbPort);
    EmbeddedPostgres restarted = null;
    FlowctlServer server =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .store(postgres.getJdbcUrl("postgres", "postgres"))
            .heartbeatTtl(Duration.ofSeconds(30))
            .start();
    String target = "127.0.0.1:" + server.port();
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    var stub = ControlPlaneGrpc.newBlockingStub(channel);
    List<ControlPlaneClient> clients = new ArrayList<>();
    Map<Integer, String> acknowledged = new ConcurrentHashMap<>();
    AtomicLong duplicates = new AtomicLong();
    Map<Status.Code, AtomicLong> refusals = new ConcurrentHashMap<>();
    AtomicBoolean producing = new AtomicBoolean(true);
    // The window in which the database is gone: from the moment postgres.close() returned to the
    // moment its restart began. A registration sent inside it must not be acknowledged inside it.
    AtomicLong goneAt = new AtomicLong(Long.MAX_VALUE);
    AtomicLong backAt = new AtomicLong(Long.MAX_VALUE);
    AtomicLong acknowledgedWhileGone = new AtomicLong();
    Thread producer = null;
    try {
      clients.addAll(ControlPlaneKillTest.startClients(target, SERVICES));
      producer =
          new Thread(
              () -> {
                int columns = 1;
                while (producing.get()) {
                  long sentAt = System.nanoTime();
                  try {
                    SchemaAck ack =
                        stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .registerSchema(
                                ControlPlaneKillTest.registration(
                                    ControlPlaneKillTest.schema(columns)));
                    long answeredAt = System.nanoTime();
                    if (sentAt > goneAt.get() && answeredAt < backAt.get()) {
                      acknowledgedWhileGone.incrementAndGet();
                    }
                    String earlier =
                        acknowledged.putIfAbsent(ack.getVersion(), ack.getSchemaFingerprint());
                    if (earlier != null && !earlier.equals(ack.getSchemaFingerprint())) {
                      duplicates.incrementAndGet(); // one version number for two schemas
                    }
                    columns++;
                  } catch (StatusRuntimeException e) {
                    // the same schema is tried again: an append whose outcome was unknown is
                    // then either found (same version) or made now
                    refusals
                        .computeIfAbsent(e.getStatus().getCode(), k -> new AtomicLong())
                        .incrementAndGet();
                    sleep(50);
                  }
                  sleep(20);
                }
              });
      producer.start();
      awaitTrue(() -> acknowledged.size() >= 10, "first registrations");

      // 1. Connections dropped: the server terminates every session of the control plane.
      int beforeDrop = acknowledged.size();
      int terminated = terminateOtherSessions(postgres);
      awaitTrue(() -> acknowledged.size() >= beforeDrop + 10, "registrations after the drop");
      long refusedAfterDrop = total(refusals);

      // 2. The database server stops, and comes back 3 s later on the same files and port: longer
      // than the store's 2 s connection timeout, so a call sent while it is gone must be refused
      // (a shorter outage lets a waiting call take a connection once it is back, which is fine).
      int beforeStop = acknowledged.size();
      long heartbeatsBeforeStop = heartbeats(clients);
      long stoppedAt = System.nanoTime();
      postgres.close();
      goneAt.set(System.nanoTime());
      Thread.sleep(OUTAGE.toMillis());
      // A registration already committing when close() was called may be answered after it
      // returned: that one was stored before the database went away, and counts as before.
      int duringOutage = acknowledged.size() - beforeStop;
      backAt.set(System.nanoTime());
      restarted = startPostgres(data, dbPort);
      long restartedAt = System.nanoTime();
      awaitTrue(() -> acknowledged.size() > beforeStop + duringOutage, "a registration after");
      double firstAckAfterRestart = (System.nanoTime() - restartedAt) / 1e9;
      long heartbeatsAtRestart = heartbeats(clients);
      awaitTrue(
          () ->
              clients.stream().allMatch(c -> c.state().heartbeats() > 0)
                  && heartbeats(clients) >= heartbeatsAtRestart + 3L * SERVICES,
          "heartbeats after the restart");
      awaitTrue(() -> acknowledged.size() >= beforeStop + duringOutage + 10, "more versions");
      producing.set(false);
      producer.join(15_000);

      // Nothing acknowledged is lost, no version was given twice, none skipped.
      ControlPlaneKillTest.assertEveryVersionFound(stub, acknowledged);
      assertThat(duplicates.get()).isZero();
      assertThat(
              stub.listServices(com.google.protobuf.Empty.getDefaultInstance()).getServicesCount())
          .isEqualTo(SERVICES);
      // No registration sent while the database was gone was acknowledged before it came back,
      // and calls failed as UNAVAILABLE, never as anything else.
      assertThat(acknowledgedWhileGone.get()).isZero();
      assertThat(duringOutage).isLessThanOrEqualTo(1);
      assertThat(refusals.keySet()).containsOnly(Status.Code.UNAVAILABLE);
      assertThat(total(refusals)).isGreaterThan(refusedAfterDrop);
      System.out.printf(
          Locale.ROOT,
          "database outage: %d sessions terminated, then %d refused calls; server stopped for"
              + " 3 s: %d registrations sent while down acknowledged before the restart, %d in"
              + " flight at the stop answered after it, %d refused (all UNAVAILABLE);"
              + " first acknowledgement %.2f s after the restart (%.1f s after the stop);"
              + " %d versions acknowledged in all, all found again, none duplicated; heartbeats"
              + " %d before the stop, %d at the end%n",
          terminated,
          refusedAfterDrop,
          acknowledgedWhileGone.get(),
          duringOutage,
          total(refusals) - refusedAfterDrop,
          firstAckAfterRestart,
          (restartedAt - stoppedAt) / 1e9 + firstAckAfterRestart,
          acknowledged.size(),
          heartbeatsBeforeStop,
          heartbeats(clients));
    } finally {
      producing.set(false);
      if (producer != null) {
        producer.join(15_000);
      }
      for (ControlPlaneClient c : clients) {
        c.shutdown();
      }
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
      if (restarted != null) {
        restarted.close();
      }
      postgres.close();
    }
  }

  private static EmbeddedPostgres startPostgres(Path data, int port) throws Exception {
    return EmbeddedPostgres.builder()
        .setDataDirectory(data)
        .setCleanDataDirectory(false)
        .setPort(port)
        .start();
  }

  /** Ends every other session on the server, as a failover or a network cut would. */
  private static int terminateOtherSessions(EmbeddedPostgres postgres) throws Exception {
    try (Connection c = postgres.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE pid <> pg_backend_pid() AND datname = 'postgres'")) {
      r.next();
      return r.getInt(1);
    }
  }

  private static long heartbeats(List<ControlPlaneClient> clients) {
    return clients.stream().mapToLong(c -> c.state().heartbeats()).sum();
  }

  private static long total(Map<Status.Code, AtomicLong> counts) {
    return counts.values().stream().mapToLong(AtomicLong::get).sum();
  }

  private static void awaitTrue(BooleanSupplier condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
