package io.flowctl.server.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.EvolutionPolicy;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What every {@link SchemaStore} must do; each implementation's test extends it. */
abstract class SchemaStoreContract {
  /** A new, empty store. */
  abstract SchemaStore store();

  static StoredSchema version(String subject, int v) {
    return new StoredSchema(
        subject,
        v,
        new byte[] {1, 2, (byte) v},
        "sha256:" + "a".repeat(63) + v % 10,
        "sha256:" + "b".repeat(63) + v % 10,
        Instant.parse("2026-11-24T10:00:00Z").plusSeconds(v),
        "svc-" + v);
  }

  @Test
  void appendsVersionsInOrder_andReadsThemBackWhole() {
    SchemaStore s = store();
    assertThat(s.append(version("a", 1))).isTrue();
    assertThat(s.append(version("a", 2))).isTrue();
    assertThat(s.append(version("b", 1))).isTrue();

    List<StoredSchema> a = s.versions("a");
    assertThat(a).extracting(StoredSchema::version).containsExactly(1, 2);
    assertThat(a.get(1).schemaIpc()).containsExactly(1, 2, 2);
    assertThat(a.get(1).fingerprint()).isEqualTo(version("a", 2).fingerprint());
    assertThat(a.get(1).registeredAt()).isEqualTo(version("a", 2).registeredAt());
    assertThat(a.get(1).registeredBy()).isEqualTo("svc-2");
    assertThat(s.subjects()).containsExactly("a", "b");
    assertThat(s.versions("unknown")).isEmpty();
  }

  @Test
  void refusesADuplicateOrASkippedVersion() {
    SchemaStore s = store();
    assertThat(s.append(version("a", 2))).isFalse();
    assertThat(s.append(version("a", 1))).isTrue();
    assertThat(s.append(version("a", 1))).isFalse();
    assertThat(s.append(version("a", 3))).isFalse();
    assertThat(s.versions("a")).hasSize(1);
  }

  @Test
  void keepsPoliciesPerSubject() {
    SchemaStore s = store();
    assertThat(s.policy("a")).isEmpty();
    s.setPolicy("a", EvolutionPolicy.FULL_TRANSITIVE);
    s.setPolicy("a", EvolutionPolicy.FORWARD);
    assertThat(s.policy("a")).contains(EvolutionPolicy.FORWARD);
    assertThat(s.policy("b")).isEmpty();
  }
}
