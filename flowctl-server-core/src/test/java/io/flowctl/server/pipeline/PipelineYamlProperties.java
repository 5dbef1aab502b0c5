package io.flowctl.server.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.testing.Damaged;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Damaged and hostile pipeline files: each one is a pipeline or a list of problems, every problem
 * with its line and column; never an exception, a hang or a blown stack.
 */
class PipelineYamlProperties {
  private static final Map<String, AtomicLong> OUTCOMES = new ConcurrentHashMap<>();

  @AfterContainer
  static void report() {
    System.out.println("damaged pipeline files: " + new TreeMap<>(OUTCOMES));
  }

  @Property(tries = 500)
  void aDamagedPipelineFile_isValidOrListsItsProblems(@ForAll("damaged") byte[] yaml)
      throws IOException {
    PipelineParser.Result r = parse(yaml);
    OUTCOMES
        .computeIfAbsent(r.valid() ? "valid" : "problems", k -> new AtomicLong())
        .incrementAndGet();
  }

  @Example
  void hostileFiles_areProblemsWithPositions() throws IOException {
    String laughs =
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
            + "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            + "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            + "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
            + "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
            + "spec: {sources: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]}\n";
    String deep = "spec: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
    String recursive = "spec: &s {sources: [*s]}\n";
    String selfAlias =
        "apiVersion: flowctl/v1\nkind: Pipeline\nmetadata: {name: x}\nspec: *nowhere\n";
    for (String yaml : new String[] {laughs, deep, recursive, selfAlias}) {
      PipelineParser.Result r = parse(yaml.getBytes(StandardCharsets.UTF_8));
      assertThat(r.valid()).isFalse();
    }
    byte[] notUtf8 = PipelineParserTest.VALID.getBytes(StandardCharsets.UTF_8);
    notUtf8[40] = (byte) 0xC3;
    notUtf8[41] = (byte) 0x28;
    assertThat(parse(notUtf8).problems())
        .anySatisfy(p -> assertThat(p.message()).contains("UTF-8"));
  }

  /** Parses {@code yaml} from a file, checking that every problem has a position and a message. */
  private static PipelineParser.Result parse(byte[] yaml) throws IOException {
    Path file = Files.createTempFile("pipeline", ".yaml");
    try {
      Files.write(file, yaml);
      PipelineParser.Result r = PipelineParser.parse(file);
      assertThat(r.valid()).isEqualTo(r.pipeline().isPresent());
      for (Problem p : r.problems()) {
        assertThat(p.line()).isPositive();
        assertThat(p.column()).isPositive();
        assertThat(p.message()).isNotBlank();
        assertThat(p.file()).isEqualTo(file.toString());
      }
      return r;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Provide
  Arbitrary<byte[]> damaged() {
    return Damaged.bytes(
        Arbitraries.just(PipelineParserTest.VALID.getBytes(StandardCharsets.UTF_8)));
  }
}
