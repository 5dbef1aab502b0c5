package io.flowctl.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Judges how two Arrow schemas relate under a set of {@link CompatibilityRules}.
 *
 * <pre>{@code
 * CompatibilityResult r = CompatibilityChecker.defaults().check(v1, v2);
 * if (!r.satisfies(CompatibilityLevel.BACKWARD)) {
 *   r.violations(CompatibilityLevel.BACKWARD).forEach(c -> log.warn("{}: {}", c.path(), c.message()));
 * }
 * }</pre>
 *
 * <p>Schemas are compared in message format (see {@link ArrowSchemas}). Immutable and thread-safe.
 */
public final class CompatibilityChecker {
  private static final CompatibilityChecker DEFAULTS =
      new CompatibilityChecker(CompatibilityRules.defaults());

  private final CompatibilityRules rules;

  private CompatibilityChecker(CompatibilityRules rules) {
    this.rules = Objects.requireNonNull(rules, "rules");
  }

  /** A checker with the default rules. */
  public static CompatibilityChecker defaults() {
    return DEFAULTS;
  }

  public static CompatibilityChecker of(CompatibilityRules rules) {
    return rules.equals(CompatibilityRules.defaults()) ? DEFAULTS : new CompatibilityChecker(rules);
  }

  public CompatibilityRules rules() {
    return rules;
  }

  /** Compares an old schema with a new one. */
  public CompatibilityResult check(Schema oldSchema, Schema newSchema) {
    Objects.requireNonNull(oldSchema, "oldSchema");
    Objects.requireNonNull(newSchema, "newSchema");
    Fingerprint of = SchemaFingerprints.structural(oldSchema);
    Fingerprint nf = SchemaFingerprints.structural(newSchema);
    List<SchemaChange> changes =
        SchemaDiff.diff(
            ArrowSchemas.withoutNullNames(oldSchema),
            ArrowSchemas.withoutNullNames(newSchema),
            rules);
    boolean backward = true;
    boolean forward = true;
    for (SchemaChange c : changes) {
      backward &= c.backward();
      forward &= c.forward();
    }
    return new CompatibilityResult(CompatibilityLevel.of(backward, forward), changes, of, nf);
  }

  /** Whether a reader using {@code reader} reads data written with {@code writer}. */
  public boolean canRead(Schema reader, Schema writer) {
    return check(writer, reader).level().backward();
  }

  /**
   * Why a reader using {@code reader} cannot read data written with {@code writer}: the changes
   * from the reader's schema (old side) to the writer's (new side) that it cannot follow, stated
   * the way the writer changed it ("'unit' was added", "changed type from int64 to utf8"). Empty
   * when it reads it.
   */
  public List<SchemaChange> whyCannotRead(Schema reader, Schema writer) {
    return check(reader, writer).violations(CompatibilityLevel.FORWARD);
  }

  /** The messages of {@code changes}, joined by "; ". */
  public static String describe(List<SchemaChange> changes) {
    StringBuilder b = new StringBuilder();
    for (SchemaChange c : changes) {
      b.append(b.length() == 0 ? "" : "; ").append(c.message());
    }
    return b.toString();
  }

  /**
   * Whether {@code candidate} may follow {@code history} (oldest first) under {@code policy}. An
   * empty history accepts anything.
   */
  public EvolutionVerdict checkEvolution(
      List<Schema> history, Schema candidate, EvolutionPolicy policy) {
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(candidate, "candidate");
    Objects.requireNonNull(policy, "policy");
    List<EvolutionVerdict.Comparison> comparisons = new ArrayList<>();
    if (history.isEmpty()) {
      return new EvolutionVerdict(policy, true, comparisons);
    }
    int from = policy.transitive() ? 0 : history.size() - 1;
    boolean accepted = true;
    for (int i = from; i < history.size(); i++) {
      CompatibilityResult r = check(history.get(i), candidate);
      boolean ok =
          switch (policy) {
            case NONE -> true;
            case STRICT -> r.identical();
            default -> r.satisfies(policy.requiredLevel());
          };
      accepted &= ok;
      comparisons.add(new EvolutionVerdict.Comparison(i, r, ok));
    }
    return new EvolutionVerdict(policy, accepted, comparisons);
  }
}
