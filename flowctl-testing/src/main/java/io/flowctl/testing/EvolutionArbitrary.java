package io.flowctl.testing;

import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.schema.ReaderModel;
import io.flowctl.testing.Evolution.Kind;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.arbitraries.ArbitraryDecorator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arbitrary evolutions of arbitrary base schemas: one to {@link #maxSteps} changes, each tagged
 * with the level the default rules give it. Shrinking removes steps and simplifies the base schema,
 * so a failure ends as "this one change of this small schema".
 */
public final class EvolutionArbitrary extends ArbitraryDecorator<Evolution> {
  private final Arbitrary<Schema> bases;
  private final int maxSteps;
  private final Set<Kind> kinds;
  private final CompatibilityLevel keeping;
  private final ReaderModel model;

  EvolutionArbitrary(Arbitrary<Schema> bases) {
    this(bases, 3, EnumSet.allOf(Kind.class), CompatibilityLevel.NONE, ReaderModel.CLOSED);
  }

  private EvolutionArbitrary(
      Arbitrary<Schema> bases,
      int maxSteps,
      Set<Kind> kinds,
      CompatibilityLevel keeping,
      ReaderModel model) {
    this.bases = bases;
    this.maxSteps = maxSteps;
    this.kinds = kinds;
    this.keeping = keeping;
    this.model = model;
  }

  /** At most this many changes per evolution (default 3). */
  public EvolutionArbitrary maxSteps(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException("steps must be >= 1: " + steps);
    }
    return new EvolutionArbitrary(bases, steps, kinds, keeping, model);
  }

  /** Only these kinds of change (default: all). */
  public EvolutionArbitrary kinds(Kind... chosen) {
    EnumSet<Kind> set = EnumSet.noneOf(Kind.class);
    set.addAll(List.of(chosen));
    if (set.isEmpty()) {
      throw new IllegalArgumentException("need at least one kind of change");
    }
    return new EvolutionArbitrary(bases, maxSteps, set, keeping, model);
  }

  /**
   * Only evolutions that should keep {@code level} under {@code readerModel}, e.g. {@code
   * keeping(BACKWARD, CLOSED)} for "every BACKWARD evolution of my input schema".
   */
  public EvolutionArbitrary keeping(CompatibilityLevel level, ReaderModel readerModel) {
    return new EvolutionArbitrary(bases, maxSteps, kinds, level, readerModel);
  }

  @Override
  protected Arbitrary<Evolution> arbitrary() {
    Arbitrary<Evolver.Seed> seed =
        Combinators.combine(Arbitraries.of(kinds), Arbitraries.integers().between(0, 9_999))
            .as(Evolver.Seed::new);
    Arbitrary<Evolution> all =
        Combinators.combine(bases, seed.list().ofMinSize(1).ofMaxSize(maxSteps)).as(Evolver::apply);
    if (keeping == CompatibilityLevel.NONE) {
      return all;
    }
    // Steps that cannot keep the level are dropped rather than filtered out, so few tries fail.
    return Combinators.combine(bases, seed.list().ofMinSize(1).ofMaxSize(maxSteps))
        .as(
            (base, seeds) -> {
              Evolution e = Evolver.apply(base, seeds);
              while (!e.expected(model).satisfies(keeping) && !e.steps().isEmpty()) {
                e = Evolver.apply(base, keptSeeds(base, seeds));
                seeds = List.of();
              }
              return e;
            })
        .filter(e -> e.expected(model).satisfies(keeping));
  }

  /** The seeds whose steps, applied alone in order, each keep the level. */
  private List<Evolver.Seed> keptSeeds(Schema base, List<Evolver.Seed> seeds) {
    List<Evolver.Seed> kept = new java.util.ArrayList<>();
    for (Evolver.Seed s : seeds) {
      List<Evolver.Seed> trial = new java.util.ArrayList<>(kept);
      trial.add(s);
      Evolution e = Evolver.apply(base, trial);
      if (e.expected(model).satisfies(keeping)) {
        kept = trial;
      }
    }
    return kept;
  }
}
