package io.flowctl.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Whether a candidate schema may follow a subject's history under a policy, with every comparison
 * made.
 *
 * @param policy the policy applied
 * @param accepted whether the candidate may be registered
 * @param comparisons the comparisons made, oldest version first; {@code historyIndex} is the
 *     position in the history passed to the checker
 */
public record EvolutionVerdict(
    EvolutionPolicy policy, boolean accepted, List<Comparison> comparisons) {

  /**
   * One comparison of the candidate (new) with one earlier version (old).
   *
   * @param historyIndex position of the earlier version in the history, 0 for the oldest
   * @param result the checker's verdict, old = the earlier version, new = the candidate
   * @param satisfied whether the policy's requirement holds for this pair
   */
  public record Comparison(int historyIndex, CompatibilityResult result, boolean satisfied) {
    public Comparison {
      Objects.requireNonNull(result, "result");
    }
  }

  public EvolutionVerdict {
    Objects.requireNonNull(policy, "policy");
    comparisons = List.copyOf(comparisons);
  }

  /** Every change that breaks the policy, across all comparisons that failed. */
  public List<SchemaChange> violations() {
    List<SchemaChange> out = new ArrayList<>();
    for (Comparison c : comparisons) {
      if (!c.satisfied()) {
        if (policy == EvolutionPolicy.STRICT) {
          out.addAll(c.result().changes());
        } else {
          out.addAll(c.result().violations(policy.requiredLevel()));
        }
      }
    }
    return out;
  }
}
