package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every malformed corpus file through the commands that read files: a clean exit (0 when the file
 * happens to be readable, 2 with one line on stderr otherwise), never an internal error.
 */
class MalformedInputTest {
  static final Path MALFORMED = Path.of(System.getProperty("flowctl.corpus"), "malformed");

  @Test
  void everyMalformedFile_isBadInputOrReadable_forInspectAndFingerprint() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(MALFORMED)) {
      files = s.filter(p -> !p.toString().endsWith(".md")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThan(40);
    for (Path f : files) {
      for (CliRunner r :
          List.of(
              CliRunner.run("inspect", f.toString()),
              CliRunner.run("schema", "fingerprint", f.toString()))) {
        assertThat(r.status()).as(f + ": " + r.err()).isIn(ExitCodes.OK, ExitCodes.BAD_INPUT);
        if (r.status() == ExitCodes.BAD_INPUT) {
          assertThat(r.err().lines()).as(f.toString()).hasSize(1);
          assertThat(r.err()).contains(f.getFileName().toString());
        }
      }
    }
  }
}
