package io.flowctl.server.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.schema.Widening;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

class SchemaRegistryTest {
  static final String TTP = "arrow_data.TTPEventBatch";
  static final Field ID = Field.notNullable("id", new ArrowType.Int(64, true));

  static Schema schema(Field... fields) {
    return new Schema(List.of(fields));
  }

  static Field col(String name, ArrowType type) {
    return Field.nullable(name, type);
  }

  @Test
  void versionsCount_andAnIdenticalSchemaReturnsItsExistingVersion() {
    SchemaRegistry r = SchemaRegistry.builder(new InMemorySchemaStore()).build();
    Schema v1 = schema(ID);
    Schema v2 = schema(ID, col("memo", ArrowType.Utf8.INSTANCE));

    assertThat(r.register(TTP, v1, "svc").schema().version()).isEqualTo(1);
    assertThat(r.register(TTP, v2, "svc").schema().version()).isEqualTo(2);
    Registration again = r.register(TTP, v1, "other");

    assertThat(again.alreadyRegistered()).isTrue();
    assertThat(again.schema().version()).isEqualTo(1);
    assertThat(r.latest(TTP).orElseThrow().schema()).isEqualTo(v2);
    assertThat(r.version(TTP, 1).orElseThrow().registeredBy()).isEqualTo("svc");
    assertThat(r.byFingerprint(TTP, SchemaFingerprints.structural(v2)).orElseThrow().version())
        .isEqualTo(2);
    assertThat(r.history(TTP)).extracting(RegisteredSchema::version).containsExactly(1, 2);
    assertThat(r.subjects()).containsExactly(TTP);
  }

  /**
   * Another replica stores the same schema just after this one read the versions: the second
   * registration must return that version, not store the schema again one number up (the gap
   * ReplicaFailoverTest once saw in acknowledged versions).
   */
  @Test
  void anIdenticalSchemaCommittedByAnotherWriterMidRegistration_isReturned_notStoredTwice() {
    InMemorySchemaStore shared = new InMemorySchemaStore();
    SchemaRegistry otherReplica = SchemaRegistry.builder(shared).build();
    Schema v1 = schema(ID);
    Schema v2 = schema(ID, col("memo", ArrowType.Utf8.INSTANCE));
    otherReplica.register(TTP, v1, "svc");
    boolean[] raced = {false};
    SchemaStore racing =
        new DelegatingStore(shared) {
          @Override
          public List<StoredSchema> versions(String subject) {
            List<StoredSchema> read = super.versions(subject);
            if (!raced[0]) {
              raced[0] = true;
              otherReplica.register(TTP, v2, "svc"); // commits after this read
            }
            return read;
          }
        };
    SchemaRegistry r = SchemaRegistry.builder(racing).build();

    Registration second = r.register(TTP, v2, "svc");

    assertThat(raced[0]).isTrue();
    assertThat(second.schema().version()).isEqualTo(2);
    assertThat(second.alreadyRegistered()).isTrue();
    assertThat(otherReplica.history(TTP))
        .extracting(RegisteredSchema::version)
        .containsExactly(1, 2);
  }

  /** Passes every call to another store; tests override the calls they interleave. */
  private static class DelegatingStore implements SchemaStore {
    private final SchemaStore d;

    DelegatingStore(SchemaStore d) {
      this.d = d;
    }

    @Override
    public List<StoredSchema> versions(String subject) {
      return d.versions(subject);
    }

    @Override
    public List<String> subjects() {
      return d.subjects();
    }

    @Override
    public int subjectCount() {
      return d.subjectCount();
    }

    @Override
    public long totalSchemaBytes() {
      return d.totalSchemaBytes();
    }

    @Override
    public long schemaBytesRegisteredBy(String registeredBy) {
      return d.schemaBytesRegisteredBy(registeredBy);
    }

    @Override
    public boolean append(StoredSchema schema) {
      return d.append(schema);
    }

    @Override
    public int highestVersion(String subject) {
      return d.highestVersion(subject);
    }

    @Override
    public boolean markDeleted(String subject, int version) {
      return d.markDeleted(subject, version);
    }

    @Override
    public boolean purge(String subject, int version) {
      return d.purge(subject, version);
    }

    @Override
    public List<StoredSchema> withFingerprint(String fingerprint) {
      return d.withFingerprint(fingerprint);
    }

    @Override
    public Optional<EvolutionPolicy> policy(String subject) {
      return d.policy(subject);
    }

    @Override
    public void setPolicy(String subject, EvolutionPolicy policy) {
      d.setPolicy(subject, policy);
    }

    @Override
    public Optional<SubjectMode> mode(String subject) {
      return d.mode(subject);
    }

    @Override
    public void setMode(String subject, SubjectMode mode) {
      d.setMode(subject, mode);
    }
  }

  @Test
  void anIncompatibleSchemaIsRefusedNamingTheFieldAndRule() {
    SchemaRegistry r = SchemaRegistry.builder(new InMemorySchemaStore()).build();
    r.register(TTP, schema(ID, col("amount", new ArrowType.Int(64, true))), "svc");

    assertThatThrownBy(
            () -> r.register(TTP, schema(ID, col("amount", ArrowType.Utf8.INSTANCE)), "svc"))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining("policy backward")
        .hasMessageContaining("'amount'")
        .satisfies(
            e ->
                assertThat(((FlowctlException) e).code())
                    .isEqualTo(FlowctlException.Code.FAILED_PRECONDITION));
    assertThat(r.history(TTP)).hasSize(1);
  }

  @Test
  void theRuleSetIsTheCheckersAndTheProjectors() {
    Schema ints = schema(ID, col("amount", new ArrowType.Int(64, true)));
    Schema doubles =
        schema(ID, col("amount", new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE)));
    SchemaRegistry plain = SchemaRegistry.builder(new InMemorySchemaStore()).build();
    SchemaRegistry loose =
        SchemaRegistry.builder(new InMemorySchemaStore())
            .rules(CompatibilityRules.builder().allow(Widening.INT64_TO_FLOAT64).build())
            .build();
    plain.register(TTP, ints, "");
    loose.register(TTP, ints, "");

    assertThatThrownBy(() -> plain.register(TTP, doubles, ""))
        .isInstanceOf(IncompatibleSchemaException.class);
    assertThat(loose.register(TTP, doubles, "").schema().version()).isEqualTo(2);
  }

  @Test
  void transitivePoliciesCompareWithEveryEarlierVersion() {
    CompatibilityRules projecting =
        CompatibilityRules.builder().readerModel(ReaderModel.PROJECTING).build();
    Schema v1 = schema(ID, col("x", new ArrowType.Int(32, true)));
    Schema v2 = schema(ID);
    Schema v3 = schema(ID, col("x", ArrowType.Utf8.INSTANCE));
    for (EvolutionPolicy p :
        List.of(EvolutionPolicy.BACKWARD, EvolutionPolicy.BACKWARD_TRANSITIVE)) {
      SchemaRegistry r =
          SchemaRegistry.builder(new InMemorySchemaStore())
              .rules(projecting)
              .defaultPolicy(p)
              .build();
      r.register(TTP, v1, "");
      r.register(TTP, v2, "");
      if (p.transitive()) {
        assertThatThrownBy(() -> r.register(TTP, v3, ""))
            .isInstanceOf(IncompatibleSchemaException.class)
            .hasMessageContaining("'x'");
      } else {
        assertThat(r.register(TTP, v3, "").schema().version()).isEqualTo(3);
      }
    }
  }

  @Test
  void subjectPoliciesOverrideTheDefault_andStrictRefusesAnyStructuralChange() {
    SchemaRegistry r = SchemaRegistry.builder(new InMemorySchemaStore()).build();
    r.setPolicy(TTP, EvolutionPolicy.STRICT);
    r.register(TTP, schema(ID), "");

    assertThat(r.policy(TTP)).isEqualTo(EvolutionPolicy.STRICT);
    assertThat(r.policy("other")).isEqualTo(EvolutionPolicy.BACKWARD);
    assertThatThrownBy(() -> r.register(TTP, schema(ID, col("m", ArrowType.Utf8.INSTANCE)), ""))
        .isInstanceOf(IncompatibleSchemaException.class);
    // Metadata alone is not structural: a new version, accepted under strict.
    assertThat(r.register(TTP, new Schema(List.of(ID), Map.of("k", "v")), "").schema().version())
        .isEqualTo(2);
  }

  @Test
  void oneServiceHoldsAQuarterOfTheSchemaBudget_andTheRegistryItsWhole() {
    SchemaRegistry r =
        SchemaRegistry.builder(new InMemorySchemaStore()).maxTotalSchemaBytes(40_000).build();
    int mine = 0;
    FlowctlException refusal = null;
    for (int i = 0; i < 100 && refusal == null; i++) {
      try {
        r.register("greedy-" + i, schema(ID), "greedy");
        mine++;
      } catch (FlowctlException e) {
        refusal = e;
      }
    }
    assertThat(refusal).isNotNull().hasMessageContaining("a quarter");
    assertThat(refusal.code()).isEqualTo(FlowctlException.Code.RESOURCE_EXHAUSTED);
    // others still register, up to the whole budget
    int others = 0;
    refusal = null;
    for (int i = 0; i < 1_000 && refusal == null; i++) {
      try {
        r.register("other-" + i, schema(ID), "svc-" + (i % 4));
        others++;
      } catch (FlowctlException e) {
        refusal = e;
      }
    }
    assertThat(others).isGreaterThan(mine);
    assertThat(refusal).isNotNull().hasMessageContaining("maxTotalSchemaBytes");
  }

  @Test
  void limitsAreResourceExhausted_andABlankSubjectIsInvalid() {
    SchemaRegistry r =
        SchemaRegistry.builder(new InMemorySchemaStore()).maxVersionsPerSubject(1).build();
    r.register(TTP, schema(ID), "");

    assertThatThrownBy(() -> r.register(TTP, schema(ID, col("m", ArrowType.Utf8.INSTANCE)), ""))
        .isInstanceOf(FlowctlException.class)
        .satisfies(
            e ->
                assertThat(((FlowctlException) e).code())
                    .isEqualTo(FlowctlException.Code.RESOURCE_EXHAUSTED));
    assertThatThrownBy(() -> r.register(" ", schema(ID), ""))
        .isInstanceOf(FlowctlException.class)
        .hasMessageContaining("subject");
    SchemaRegistry tiny =
        SchemaRegistry.builder(new InMemorySchemaStore()).maxSchemaBytes(16).build();
    assertThatThrownBy(() -> tiny.register(TTP, schema(ID), ""))
        .hasMessageContaining("exceeds the limit of 16");
  }

  @Test
  void concurrentRegistrationsNeverDuplicateOrSkipAVersion() throws Exception {
    SchemaRegistry r =
        SchemaRegistry.builder(new InMemorySchemaStore())
            .defaultPolicy(EvolutionPolicy.NONE)
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Registration>> futures = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Schema s = schema(ID, col("c" + i, ArrowType.Utf8.INSTANCE));
        futures.add(pool.submit(() -> r.register(TTP, s, "")));
      }
      List<Integer> versions = new ArrayList<>();
      for (Future<Registration> f : futures) {
        versions.add(f.get().schema().version());
      }
      assertThat(versions).doesNotHaveDuplicates().hasSize(40);
      assertThat(r.history(TTP))
          .extracting(RegisteredSchema::version)
          .containsExactlyElementsOf(
              java.util.stream.IntStream.rangeClosed(1, 40).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
  }
}
