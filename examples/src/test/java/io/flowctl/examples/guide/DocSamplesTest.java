package io.flowctl.examples.guide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the code samples of {@code docs/} compiled: every Java block there follows a marker {@code
 * <!-- snippet: PATH#REGION -->} and must equal the lines between {@code // region REGION} and
 * {@code // endregion} of that source file (which the build compiles and whose test runs it),
 * indentation aside; or follows {@code <!-- file: PATH -->} and equals that whole file (the
 * getting-started project, which {@code GettingStartedProjectTest} builds and runs).
 */
class DocSamplesTest {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Pattern SNIPPET =
      Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

  /** A whole file, shown as it is: {@code <!-- file: PATH -->} then a block of any language. */
  static final Pattern FILE =
      Pattern.compile("<!-- file: (\\S+) -->\\s*```[a-z]*\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyJavaSampleInTheDocs_isARegionOfACompiledSource() throws IOException {
    List<String> checked = new ArrayList<>();
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      for (Path doc : docs.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        String text = Files.readString(doc);
        Matcher m = SNIPPET.matcher(text);
        while (m.find()) {
          String region = region(ROOT.resolve(m.group(1)), m.group(2));
          assertThat(dedent(m.group(3)))
              .as(doc.getFileName() + ": " + m.group(1) + "#" + m.group(2))
              .isEqualTo(region);
          checked.add(doc.getFileName() + "#" + m.group(2));
        }
        Matcher f = FILE.matcher(text);
        while (f.find()) {
          assertThat(f.group(2))
              .as(doc.getFileName() + ": " + f.group(1) + " as a whole")
              .isEqualTo(Files.readString(ROOT.resolve(f.group(1))));
          checked.add(doc.getFileName() + "#" + f.group(1));
        }
        long javaBlocks = Pattern.compile("```java").matcher(text).results().count();
        long snippets =
            SNIPPET.matcher(text).results().count()
                + FILE.matcher(text).results().filter(r -> r.group().contains("```java")).count();
        assertThat(snippets)
            .as(doc.getFileName() + ": every ```java block comes from a snippet marker")
            .isEqualTo(javaBlocks);
      }
    }
    assertThat(checked).isNotEmpty();
  }

  static String region(Path source, String name) throws IOException {
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(source)) {
      String t = line.trim();
      if (t.equals("// region " + name)) {
        in = true;
      } else if (in && t.equals("// endregion")) {
        return dedent(String.join("\n", out) + "\n");
      } else if (in) {
        out.add(line);
      }
    }
    throw new AssertionError(source + " has no region '" + name + "'");
  }

  static String dedent(String block) {
    List<String> lines = block.lines().toList();
    int indent =
        lines.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
    }
    return b.toString();
  }
}
