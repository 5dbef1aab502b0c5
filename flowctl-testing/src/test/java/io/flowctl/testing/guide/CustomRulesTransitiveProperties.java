package io.flowctl.testing.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.TimezonePolicy;
import io.flowctl.schema.Widening;
import io.flowctl.testing.ArrowArbitraries;
import io.flowctl.testing.Evolution;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/** Guide example 2 (docs/property-testing.md): my custom rule set is still transitive. */
class CustomRulesTransitiveProperties {
  // region transitive
  /** The plan's rules, plus int64 -> float64 and time zone changes accepted. */
  static final CompatibilityChecker MINE =
      CompatibilityChecker.of(
          CompatibilityRules.builder()
              .allow(Widening.INT64_TO_FLOAT64)
              .timezonePolicy(TimezonePolicy.ANY_ZONE)
              .build());

  /** If v2 reads v1's data and v3 reads v2's, v3 reads v1's. */
  @Property(tries = 300)
  void readingIsTransitive(@ForAll("chains") Tuple.Tuple2<Evolution, Evolution> chain) {
    Evolution first = chain.get1();
    Evolution second = chain.get2();
    boolean v2ReadsV1 = MINE.canRead(first.after(), first.before());
    boolean v3ReadsV2 = MINE.canRead(second.after(), second.before());
    if (v2ReadsV1 && v3ReadsV2) {
      assertThat(MINE.canRead(second.after(), first.before()))
          .as("%s%nthen %s", first, second)
          .isTrue();
    }
  }

  @Provide
  Arbitrary<Tuple.Tuple2<Evolution, Evolution>> chains() {
    return ArrowArbitraries.evolutions()
        .flatMap(
            first ->
                ArrowArbitraries.evolutions(Arbitraries.just(first.after()))
                    .map(second -> Tuple.of(first, second)));
  }
  // endregion
}
