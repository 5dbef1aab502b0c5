package io.flowctl.examples;

import io.flowctl.cli.CliPlugin;
import io.flowctl.server.pipeline.Launcher;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Adds the examples to {@code flowctl}: {@code flowctl demo}, {@code flowctl component NAME}, and
 * the {@code example:NAME} commands that {@code flowctl run} starts in its own JVM.
 */
public final class ExamplesPlugin implements CliPlugin {
  @Override
  public List<Object> commands() {
    return List.of(new DemoCommand(), new ComponentCommand());
  }

  @Override
  public Optional<Launcher> launcher(BufferAllocator allocator, Path dataDir, Launcher others) {
    return Optional.of(new ExampleLauncher(allocator, dataDir, (id, n) -> {}, others));
  }
}
