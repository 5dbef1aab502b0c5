package io.flowctl.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.schema.CompatibilityResult;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.schema.EvolutionVerdict;
import io.flowctl.schema.ReaderModel;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.arrow.vector.types.pojo.Schema;

/** Laws of the compatibility checker, under both reader models. */
class CompatibilityProperties {
  static CompatibilityChecker checker(ReaderModel model) {
    return CompatibilityChecker.of(CompatibilityRules.builder().readerModel(model).build());
  }

  @Property
  void aSchemaIsFullyCompatibleWithItself(@ForAll("schemas") Schema s, @ForAll ReaderModel model) {
    CompatibilityResult r = checker(model).check(s, s);

    assertThat(r.level()).as(r.describe()).isEqualTo(CompatibilityLevel.FULL);
    assertThat(r.identical()).isTrue();
    assertThat(r.changes()).isEmpty();
  }

  @Property
  void theVerdictIsTheLevelThePlansRulesGiveTheEvolution(
      @ForAll("evolutions") Evolution e, @ForAll ReaderModel model) {
    CompatibilityResult r = checker(model).check(e.before(), e.after());

    assertThat(r.level()).as("%s%n%s", e, r.describe()).isEqualTo(e.expected(model));
    if (r.level() != CompatibilityLevel.FULL) {
      assertThat(r.violations(CompatibilityLevel.FULL))
          .as("a weaker level is always explained by at least one change with a path")
          .isNotEmpty()
          .allSatisfy(c -> assertThat(c.message()).isNotBlank());
    }
  }

  @Property
  void backwardOneWayIsForwardTheOtherWay(
      @ForAll("evolutions") Evolution e, @ForAll ReaderModel model) {
    CompatibilityLevel there = checker(model).check(e.before(), e.after()).level();
    CompatibilityLevel back = checker(model).check(e.after(), e.before()).level();

    assertThat(there.backward()).as("%s", e).isEqualTo(back.forward());
    assertThat(there.forward()).as("%s", e).isEqualTo(back.backward());
  }

  @Property
  void fullIsExactlyBackwardAndForward(
      @ForAll("evolutions") Evolution e, @ForAll ReaderModel model) {
    CompatibilityChecker c = checker(model);
    boolean newReadsOld = c.canRead(e.after(), e.before());
    boolean oldReadsNew = c.canRead(e.before(), e.after());

    assertThat(c.check(e.before(), e.after()).level() == CompatibilityLevel.FULL)
        .as("%s", e)
        .isEqualTo(newReadsOld && oldReadsNew);
  }

  @Property(tries = 300)
  void aTransitivePolicyNeverAcceptsWhatTheLatestOnlyPolicyRejects(
      @ForAll("histories") List<Schema> versions, @ForAll ReaderModel model) {
    List<Schema> history = versions.subList(0, versions.size() - 1);
    Schema candidate = versions.get(versions.size() - 1);
    CompatibilityChecker c = checker(model);
    for (EvolutionPolicy transitive :
        List.of(
            EvolutionPolicy.BACKWARD_TRANSITIVE,
            EvolutionPolicy.FORWARD_TRANSITIVE,
            EvolutionPolicy.FULL_TRANSITIVE)) {
      EvolutionPolicy latest =
          EvolutionPolicy.valueOf(transitive.name().replace("_TRANSITIVE", ""));
      EvolutionVerdict t = c.checkEvolution(history, candidate, transitive);
      EvolutionVerdict l = c.checkEvolution(history, candidate, latest);
      if (t.accepted()) {
        assertThat(l.accepted()).as("%s accepted but %s rejected", transitive, latest).isTrue();
      }
      assertThat(t.comparisons()).hasSize(history.size());
      assertThat(t.accepted()).isEqualTo(t.comparisons().stream().allMatch(x -> x.satisfied()));
    }
  }

  @Provide
  Arbitrary<Schema> schemas() {
    return ArrowArbitraries.schemas();
  }

  @Provide
  Arbitrary<Evolution> evolutions() {
    return ArrowArbitraries.evolutions();
  }

  /** Two to four versions, each a random evolution of the one before. */
  @Provide
  Arbitrary<List<Schema>> histories() {
    return ArrowArbitraries.schemas()
        .flatMap(
            base -> Arbitraries.integers().between(1, 3).flatMap(n -> chain(List.of(base), n)));
  }

  private static Arbitrary<List<Schema>> chain(List<Schema> versions, int more) {
    if (more == 0) {
      return Arbitraries.just(versions);
    }
    Schema last = versions.get(versions.size() - 1);
    return ArrowArbitraries.evolutions(Arbitraries.just(last))
        .maxSteps(2)
        .flatMap(
            e -> {
              List<Schema> next = new ArrayList<>(versions);
              next.add(e.after());
              return chain(next, more - 1);
            });
  }
}
