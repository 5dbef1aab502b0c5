package io.flowctl.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.cli.Main;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One bundled example component as an OS process ({@code flowctl component NAME}), configured only
 * by its environment, as upstream's launcher starts it; with what a test reads of it from outside:
 * its threads and resident memory ({@code /proc}), its heap after a full GC ({@code jcmd}), its
 * {@code /metrics} and its log.
 */
final class ComponentProcess implements AutoCloseable {
  final String name;
  final Process process;
  final int port;
  final int healthPort;
  final Path log;
  private final ManagedChannel channel;

  private ComponentProcess(String name, Process process, int port, int healthPort, Path log) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.healthPort = healthPort;
    this.log = log;
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .maxInboundMessageSize(50 << 20)
            .build();
  }

  /** Starts {@code name} with {@code env} on free ports, logging to {@code dir/name.log}. */
  static ComponentProcess start(String name, Path dir, Map<String, String> env)
      throws IOException, InterruptedException {
    int port = freePort();
    int health = freePort();
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "component",
            name);
    pb.environment().putAll(env);
    pb.environment().put("PORT", ":" + port);
    pb.environment().put("HEALTH_PORT", Integer.toString(health));
    pb.environment().putIfAbsent("OUTPUT_DIR", dir.resolve("out").toString());
    Path log = dir.resolve(name + ".log");
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ComponentProcess c = new ComponentProcess(name, p, port, health, log);
    c.awaitServing();
    return c;
  }

  private void awaitServing() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        metrics();
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new AssertionError(name + " exited at start:\n" + readLog());
        }
        assertThat(System.nanoTime()).as(name + " serves within 60 s").isLessThan(deadline);
        Thread.sleep(50);
      }
    }
  }

  private String readLog() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  ManagedChannel channel() {
    return channel;
  }

  /** The {@code /metrics} JSON of its health server, as text. */
  String metrics() throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.body();
  }

  /** One number of {@code /metrics}. */
  double metric(String key) throws IOException, InterruptedException {
    Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\":\"([^\"]*)\"").matcher(metrics());
    assertThat(m.find()).as(name + " reports " + key).isTrue();
    return Double.parseDouble(m.group(1).replace("ms", ""));
  }

  /** Its live threads, from {@code /proc/PID/status}. */
  long threads() throws IOException {
    return status("Threads");
  }

  /** Its resident memory in KiB, from {@code /proc/PID/status}. */
  long rssKib() throws IOException {
    return status("VmRSS");
  }

  private long status(String field) throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new IOException("no " + field + " in /proc/" + process.pid() + "/status");
  }

  /** Its used heap in KiB right after a full collection ({@code jcmd GC.run}, then the heap). */
  long heapAfterGcKib() throws IOException, InterruptedException {
    jcmd("GC.run");
    Matcher m = Pattern.compile("used (\\d+)K").matcher(jcmd("GC.heap_info"));
    if (!m.find()) {
      throw new IOException("jcmd GC.heap_info said no heap use");
    }
    return Long.parseLong(m.group(1));
  }

  /** Its threads' names, from {@code jcmd Thread.print}. */
  String threadNames() throws IOException, InterruptedException {
    StringBuilder b = new StringBuilder();
    for (String line : jcmd("Thread.print").split("\n")) {
      if (line.startsWith("\"")) {
        b.append(line, 0, line.indexOf('"', 1) + 1).append('\n');
      }
    }
    return b.toString();
  }

  private String jcmd(String command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(process.pid()),
                command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("jcmd " + command).isTrue();
    return out;
  }

  List<String> logLines() throws IOException {
    return Files.readAllLines(log);
  }

  /** SIGTERM, then the exit status (128 + 15 after a clean drain). */
  int stop() throws InterruptedException {
    channel.shutdownNow();
    process.destroy();
    assertThat(process.waitFor(15, TimeUnit.SECONDS)).as(name + " exits after SIGTERM").isTrue();
    return process.exitValue();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    process.destroyForcibly();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
