package io.flowctl.server.schema;

import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityResult;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.schema.EvolutionVerdict;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.SchemaChange;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Why a schema registry refuses a version: the consumers that could not read it, and the messages
 * naming the subject and every reason.
 */
final class Refusals {
  private Refusals() {}

  /** The refusal of a version the subject's policy does not accept, with every violation. */
  static IncompatibleSchemaException evolution(
      String subject, EvolutionPolicy policy, EvolutionVerdict verdict) {
    StringBuilder m =
        new StringBuilder("schema refused for '")
            .append(subject)
            .append("' under policy ")
            .append(policy.configName())
            .append(": ");
    List<SchemaChange> violations = verdict.violations();
    for (int i = 0; i < violations.size(); i++) {
      m.append(i == 0 ? "" : "; ").append(violations.get(i).message());
    }
    EvolutionVerdict.Comparison failed =
        verdict.comparisons().stream().filter(c -> !c.satisfied()).findFirst().orElseThrow();
    return new IncompatibleSchemaException(m.toString(), failed.result());
  }

  /** The refusal of a version live consumers could not read, naming each and its changes. */
  static IncompatibleSchemaException consumers(
      String subject, List<ConsumerConflict> conflicts, Schema written) {
    StringBuilder m =
        new StringBuilder("schema refused for '")
            .append(subject)
            .append("': live consumers could not read it (register with the override to accept): ");
    for (int i = 0; i < conflicts.size(); i++) {
      ConsumerConflict c = conflicts.get(i);
      m.append(i == 0 ? "" : "; ").append("'").append(c.serviceId()).append("' ");
      for (int j = 0; j < c.changes().size(); j++) {
        m.append(j == 0 ? "" : ", ").append(c.changes().get(j).message());
      }
    }
    return new IncompatibleSchemaException(
        m.toString(), CompatibilityChecker.defaults().check(written, written));
  }

  /**
   * The readers none of whose declared schemas reads {@code written}, each judged under the reader
   * model it declared, with the changes stated from its reader schema to {@code written}.
   */
  static List<ConsumerConflict> conflicts(
      List<SchemaRegistry.Reader> readers, CompatibilityRules rules, Schema written) {
    List<ConsumerConflict> out = new ArrayList<>();
    for (SchemaRegistry.Reader r : readers) {
      if (r.schemas().isEmpty()) {
        continue;
      }
      // Each consumer is judged by the reader model it declared; the changes are stated from its
      // reader schema to the proposed version, as the producer changed it.
      CompatibilityChecker its =
          CompatibilityChecker.of(rules.toBuilder().readerModel(r.model()).build());
      CompatibilityResult first = null;
      boolean reads = false;
      for (Schema reader : r.schemas()) {
        CompatibilityResult c = its.check(reader, written);
        if (c.level().forward()) {
          reads = true;
          break;
        }
        first = first == null ? c : first;
      }
      if (!reads) {
        out.add(
            new ConsumerConflict(
                r.serviceId(),
                first.oldFingerprint(),
                first.violations(io.flowctl.schema.CompatibilityLevel.FORWARD)));
      }
    }
    return out;
  }
}
