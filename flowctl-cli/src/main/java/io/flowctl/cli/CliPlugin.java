package io.flowctl.cli;

import io.flowctl.server.pipeline.Launcher;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Adds commands and in-process components to {@code flowctl}. Plugins are found with {@link
 * java.util.ServiceLoader} on the class path ({@code META-INF/services/io.flowctl.cli.CliPlugin}),
 * so a jar of components joins the command line without the command line depending on it: the
 * bundled examples add {@code flowctl demo} and {@code flowctl component} this way. Like every
 * command, a plugin's commands get {@code -h/--help} and {@code -V/--version} unless they declare
 * their own.
 */
public interface CliPlugin {
  /** picocli command objects (annotated with {@code @Command}) to add under {@code flowctl}. */
  default List<Object> commands() {
    return List.of();
  }

  /**
   * A launcher for the pipeline commands this plugin runs in-process, used by {@code flowctl run};
   * it hands every command it does not know to {@code others}. Empty when the plugin runs none.
   *
   * @param allocator the run's memory, closed after the run
   * @param dataDir the run's data folder (outputs)
   * @param others the launcher of every other command: OS processes logging to the run's log folder
   */
  default Optional<Launcher> launcher(BufferAllocator allocator, Path dataDir, Launcher others) {
    return Optional.empty();
  }
}
