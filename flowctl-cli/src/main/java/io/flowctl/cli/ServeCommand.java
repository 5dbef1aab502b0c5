package io.flowctl.cli;

import io.flowctl.server.FlowctlServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code flowctl serve}: a standalone control plane. */
@Command(
    name = "serve",
    aliases = "server",
    description = {
      "Run a control plane: flowctl.ControlPlane with the Arrow schema RPCs, gRPC health and"
          + " reflection. Stops cleanly on SIGTERM.",
      "Upstream's spelling works too: flowctl server [--address A] [--port P] [--tls-ca-cert F]"
          + " [--janitor-interval D] [--db-path PATH] [--no-persistence]."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(
      names = {"--bind", "--address"},
      defaultValue = "0.0.0.0",
      paramLabel = "ADDRESS",
      description =
          "Address gRPC and HTTP listen on (default ${DEFAULT-VALUE}, every interface;"
              + " 127.0.0.1 for this machine only).")
  String bind;

  @Option(
      names = "--store",
      defaultValue = "sqlite:flowctl-data/flowctl.db",
      paramLabel = "STORE",
      description =
          "sqlite:PATH (default ${DEFAULT-VALUE}), memory, or jdbc:postgresql://host/db"
              + " (FLOWCTL_DB_USER, FLOWCTL_DB_PASSWORD).")
  String store;

  @Option(
      names = "--db-path",
      paramLabel = "PATH",
      description =
          "Upstream's store flag: the registry in the SQLite file PATH (the same as --store"
              + " sqlite:PATH; upstream's BoltDB files are not read).")
  String dbPath;

  @Option(
      names = "--no-persistence",
      description = "Upstream's flag: keep everything in memory (the same as --store memory).")
  boolean noPersistence;

  @Option(
      names = "--heartbeat-ttl",
      defaultValue = "30s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "How long a service stays healthy without a heartbeat (default ${DEFAULT-VALUE}).")
  Duration ttl;

  @Option(
      names = {"--sweep-interval", "--janitor-interval"},
      defaultValue = "10s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "How often silent services are marked unhealthy (default ${DEFAULT-VALUE}).")
  Duration sweep;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "PEM certificate chain: serve TLS.")
  java.nio.file.Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "PKCS#8 PEM private key of --tls-cert.")
  java.nio.file.Path tlsKey;

  @Option(
      names = {"--tls-client-ca", "--tls-ca-cert"},
      paramLabel = "FILE",
      description = "PEM CA: require client certificates signed by it (mutual TLS).")
  java.nio.file.Path tlsClientCa;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "Require bearer tokens: one '<principal> <token>' per line (principal admin acts for all).")
  java.nio.file.Path tokenFile;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "Serve the dashboard (/), Prometheus metrics (/metrics) and the monitoring JSON API"
              + " (/api/...) on this HTTP port; off by default. With --tls-cert it is HTTPS, with"
              + " --token-file /metrics and /api need Authorization: Bearer TOKEN.")
  Integer httpPort;

  @Option(
      names = "--alert-memory",
      paramLabel = "BYTES",
      defaultValue = "536870912",
      description = "Alert when a service's Arrow memory exceeds this (default ${DEFAULT-VALUE}).")
  long alertMemory;

  @Option(
      names = "--alert-throughput-drop",
      paramLabel = "FRACTION",
      defaultValue = "0.5",
      description =
          "Alert when a service's rows/s fall by this fraction below its baseline (default"
              + " ${DEFAULT-VALUE}).")
  double alertThroughputDrop;

  @Override
  public Integer call() throws Exception {
    if (noPersistence && dbPath != null) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "--no-persistence and --db-path contradict each other: give one");
    }
    if ((noPersistence || dbPath != null)
        && spec.commandLine().getParseResult().hasMatchedOption("--store")) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "--store and "
              + (noPersistence ? "--no-persistence" : "--db-path")
              + " contradict each other: give one");
    }
    if (noPersistence) {
      store = "memory";
    } else if (dbPath != null) {
      store = "sqlite:" + dbPath;
    }
    FlowctlServer.Builder b;
    try {
      b =
          FlowctlServer.builder()
              .host(bind)
              .port(port)
              .store(store)
              .storeCredentials(
                  System.getenv().getOrDefault("FLOWCTL_DB_USER", "postgres"),
                  System.getenv().getOrDefault("FLOWCTL_DB_PASSWORD", ""))
              .heartbeatTtl(ttl)
              .sweepInterval(sweep);
    } catch (IllegalArgumentException e) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT, e.getMessage(), e);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "--tls-cert and --tls-key go together");
    }
    if (tlsCert != null) {
      b.tls(tlsCert, tlsKey, tlsClientCa);
    } else if (tlsClientCa != null) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "--tls-client-ca needs --tls-cert and --tls-key");
    }
    if (tokenFile != null) {
      b.bearerTokens(io.flowctl.server.security.BearerTokenInterceptor.fromFile(tokenFile));
    }
    if (httpPort != null) {
      b.httpPort(httpPort);
    }
    try {
      b.alerts(
          io.flowctl.server.monitoring.AlertThresholds.builder()
              .memoryBytes(alertMemory)
              .throughputDrop(alertThroughputDrop)
              .build());
    } catch (IllegalArgumentException e) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT, "--alert-*: " + e.getMessage());
    }
    b.alertListener(
        new io.flowctl.server.monitoring.AlertListener() {
          @Override
          public void raised(io.flowctl.server.monitoring.view.Alert a) {
            System.err.println("alert: " + a.kind() + " " + a.message());
          }

          @Override
          public void cleared(io.flowctl.server.monitoring.view.Alert a) {
            System.err.println("alert cleared: " + a.kind() + " " + a.source());
          }
        });
    FlowctlServer server = b.start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "flowctl-serve-shutdown"));
    spec.commandLine()
        .getOut()
        .println(
            "flowctl control plane ready on port "
                + server.port()
                + " (store "
                + store
                + (tlsCert == null ? "" : tlsClientCa == null ? ", TLS" : ", mutual TLS")
                + (tokenFile == null ? "" : ", bearer tokens")
                + ")"
                + (server.httpPort() < 0
                    ? ""
                    : "; dashboard on http://localhost:" + server.httpPort() + "/"));
    spec.commandLine().getOut().flush();
    stopped.await();
    return ExitCodes.OK;
  }

  /** Parses 30s, 500ms, 2m, 1h, or an ISO-8601 duration. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(java.util.Locale.ROOT);
      try {
        if (v.startsWith("p")) {
          return Duration.parse(value);
        }
      } catch (RuntimeException e) {
        throw new TypeConversionException("expected e.g. 30s, 500ms, 2m: '" + value + "'");
      }
      return io.flowctl.server.internal.Durations.parse(v)
          .orElseThrow(
              () -> new TypeConversionException("expected e.g. 30s, 500ms, 2m: '" + value + "'"));
    }
  }
}
