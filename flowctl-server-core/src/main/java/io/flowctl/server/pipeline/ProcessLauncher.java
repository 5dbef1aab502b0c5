package io.flowctl.server.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs components that have a {@code command} as OS processes, output appended to {@code
 * <logDir>/<id>.log}. As upstream's process launcher does, a component whose env sets no {@code
 * HEALTH_PORT} gets 18080 + its launch number (18081 for the first). Stopping sends SIGTERM, waits
 * a grace period, then kills.
 */
public final class ProcessLauncher implements Launcher {
  private final Path logDir;
  private int launched;

  public ProcessLauncher(Path logDir) {
    this.logDir = logDir;
  }

  @Override
  public Handle launch(Pipeline.Component c, Map<String, String> env) throws IOException {
    if (c.command().isEmpty()) {
      throw new IOException(
          "component '" + c.id() + "' has no command (images need a container launcher)");
    }
    Files.createDirectories(logDir);
    ProcessBuilder pb = new ProcessBuilder(c.command());
    pb.environment().putAll(env);
    synchronized (this) {
      launched++;
      pb.environment().putIfAbsent("HEALTH_PORT", Integer.toString(18080 + launched));
    }
    Path log = logDir.resolve(c.id() + ".log").normalize();
    if (!log.getParent().equals(logDir.normalize())) {
      throw new IOException("component id '" + c.id() + "' would write its log outside " + logDir);
    }
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Process p = pb.start();
    return new Handle() {
      @Override
      public boolean alive() {
        return p.isAlive();
      }

      @Override
      public void close() {
        p.destroy();
        try {
          if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          p.destroyForcibly();
          Thread.currentThread().interrupt();
        }
      }
    };
  }
}
