package io.flowctl.server.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.testing.ArrowArbitraries;
import io.flowctl.testing.Evolution;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The registry's policies use the same rule set as the checker and the projector: it accepts a new
 * version exactly when the plan's rules say the evolution keeps the policy's level.
 */
class SchemaRegistryProperties {
  @Property(tries = 300)
  void aNewVersionIsAcceptedExactlyWhenItsEvolutionKeepsThePolicy(
      @ForAll("evolutions") Evolution e,
      @ForAll ReaderModel model,
      @ForAll @IntRange(min = 0, max = 3) int policyIndex) {
    EvolutionPolicy policy =
        new EvolutionPolicy[] {
              EvolutionPolicy.NONE,
              EvolutionPolicy.BACKWARD,
              EvolutionPolicy.FORWARD,
              EvolutionPolicy.FULL
            }
            [policyIndex];
    SchemaRegistry r =
        SchemaRegistry.builder(new InMemorySchemaStore())
            .rules(CompatibilityRules.builder().readerModel(model).build())
            .defaultPolicy(policy)
            .build();
    r.register("s", e.before(), "");

    if (SchemaFingerprints.withMetadata(e.after())
        .equals(SchemaFingerprints.withMetadata(e.before()))) {
      assertThat(r.register("s", e.after(), "").alreadyRegistered()).isTrue();
    } else if (e.expected(model).satisfies(policy.requiredLevel())) {
      assertThat(r.register("s", e.after(), "").schema().version()).as("%s", e).isEqualTo(2);
    } else {
      assertThatThrownBy(() -> r.register("s", e.after(), ""))
          .as("%s", e)
          .isInstanceOf(IncompatibleSchemaException.class);
    }
  }

  @Provide
  net.jqwik.api.Arbitrary<Evolution> evolutions() {
    return ArrowArbitraries.evolutions();
  }
}
