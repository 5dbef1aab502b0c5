package io.flowctl.schema;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;

/** The externally written test corpus under {@code testdata/corpus}. */
final class Corpus {
  private Corpus() {}

  static Path dir() {
    String configured = System.getProperty("flowctl.corpus");
    if (configured != null && Files.isDirectory(Paths.get(configured))) {
      return Paths.get(configured);
    }
    for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("testdata/corpus");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("testdata/corpus not found; set -Dflowctl.corpus");
  }

  /** Test names of the Arrow IPC corpus (files without extension), sorted. */
  static List<String> ipcTests() {
    try (Stream<Path> files = Files.list(dir().resolve("arrow-ipc"))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".stream"))
          .map(n -> n.substring(0, n.length() - ".stream".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path ipc(String test, String extension) {
    return dir().resolve("arrow-ipc").resolve(test + extension);
  }
}
