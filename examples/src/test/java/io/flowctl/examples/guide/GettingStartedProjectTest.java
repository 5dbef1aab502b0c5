package io.flowctl.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/getting-started.md} followed as written: its project ({@code
 * examples/getting-started/}, whose files the page shows whole) copied out of the repository, built
 * by a Maven of its own against the flowctl-java artifacts this build installed ({@code bin/test}
 * runs {@code mvn install}; the build runs the project's test-kit tests), then its pipeline run by
 * {@code flowctl run} as a process started in the project's folder, as the page says.
 *
 * <p>Offline: every artifact the project needs is one this build resolved already. Run alone after
 * changing a library module, install that module first.
 */
class GettingStartedProjectTest {
  static final Path PROJECT = DocSamplesTest.ROOT.resolve("examples/getting-started");

  @TempDir Path dir;

  @Test
  void theGettingStartedProject_buildsTestsAndRuns_outsideTheRepository() throws Exception {
    Path project = dir.resolve("amounts-pipeline");
    copy(PROJECT, project);

    List<String> mvn = new ArrayList<>(List.of("mvn", "-B", "-ntp", "-o", "-q", "package"));
    String repo = System.getProperty("maven.repo.local");
    if (repo != null) {
      mvn.add("-Dmaven.repo.local=" + repo);
    }
    Result build = run(project, mvn, 600);
    assertThat(build.status()).as(build.output()).isZero();
    assertThat(project.resolve("target/surefire-reports")).isDirectoryContaining("glob:**.txt");
    assertThat(project.resolve("target/lib")).isDirectoryContaining("glob:**flowctl-client-*.jar");

    // bin/flowctl run pipeline.yaml, in the project's folder.
    Result run =
        run(
            project,
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "run",
                "pipeline.yaml"),
            180);
    assertThat(run.status()).as(run.output()).isZero();
    assertThat(run.output())
        .contains("started amounts -> doubler -> total")
        .contains("moved 10 events from the sources; sinks consumed 10, failed 0")
        .contains("RUN_STATUS_COMPLETED");
    assertThat(Files.readString(project.resolve("flowctl-data/run/logs/total.log")))
        .contains("total 119990000"); // twice 1000 + 1001 + … + 10999
  }

  record Result(int status, String output) {}

  private static Result run(Path cwd, List<String> command, int seconds)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile(cwd.getParent(), "out", ".log");
    Process p =
        new ProcessBuilder(command)
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, "timed out: " + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path rel = from.relativize(f);
        if (rel.startsWith("target") || rel.startsWith("flowctl-data")) {
          continue; // a local build's leftovers
        }
        Path dest = to.resolve(rel.toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
