package io.flowctl.server.schema;

import static io.flowctl.server.schema.SchemaRegistryTest.ID;
import static io.flowctl.server.schema.SchemaRegistryTest.TTP;
import static io.flowctl.server.schema.SchemaRegistryTest.col;
import static io.flowctl.server.schema.SchemaRegistryTest.schema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.schema.EvolutionPolicy;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.server.store.Stores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Deleting, modes, dry runs, imports and live consumers, on the memory and SQLite stores. */
class SchemaLifecycleTest {
  static final Schema V1 = schema(ID, col("amount", new ArrowType.Int(64, true)));
  static final Schema V2 =
      schema(
          ID, col("amount", new ArrowType.Int(64, true)), col("currency", ArrowType.Utf8.INSTANCE));

  @TempDir static Path dir;
  private static final List<Stores> open = new ArrayList<>();

  static Stream<Function<Integer, SchemaStore>> stores() {
    return Stream.of(
        n -> new InMemorySchemaStore(),
        n -> {
          Stores s = Stores.sqlite(dir.resolve("lifecycle-" + System.nanoTime() + "/flowctl.db"));
          open.add(s);
          return s.schemas();
        });
  }

  @AfterEach
  void close() {
    open.forEach(Stores::close);
    open.clear();
  }

  private static SchemaRegistry registry(Function<Integer, SchemaStore> store) {
    return SchemaRegistry.builder(store.apply(0)).build();
  }

  @ParameterizedTest
  @MethodSource("stores")
  void aSoftDeletedVersionIsHiddenFromReadsAndChecks_thenPurged_andItsNumberNotReused(
      Function<Integer, SchemaStore> store) {
    SchemaRegistry r = registry(store);
    List<String> events = new ArrayList<>();
    r.addListener(
        new SchemaRegistry.Listener() {
          @Override
          public void registered(String subject, Registration registration) {}

          @Override
          public void refused(String subject, FlowctlException reason) {}

          @Override
          public void changed(String subject, String action, int version, String detail) {
            events.add(action + " " + version);
          }
        });
    r.register(TTP, V1, "svc");
    r.register(TTP, V2, "svc");

    assertThat(r.delete(TTP, 2, false)).containsExactly(2);
    assertThat(r.latest(TTP).orElseThrow().version()).isEqualTo(1);
    assertThat(r.version(TTP, 2)).isEmpty();
    assertThat(r.byFingerprint(TTP, SchemaFingerprints.structural(V2))).isEmpty();
    assertThat(r.versions(TTP, true))
        .extracting(StoredSchema::deleted)
        .containsExactly(false, true);
    assertThat(r.find(SchemaFingerprints.structural(V2), false)).isEmpty();
    assertThat(r.find(SchemaFingerprints.structural(V2), true)).hasSize(1);

    assertThatThrownBy(() -> r.delete(TTP, 2, false))
        .isInstanceOf(FlowctlException.class)
        .hasMessageContaining("deleted already")
        .extracting(e -> ((FlowctlException) e).code())
        .isEqualTo(FlowctlException.Code.NOT_FOUND);
    assertThatThrownBy(() -> r.delete(TTP, 1, true))
        .hasMessageContaining("delete them softly first")
        .extracting(e -> ((FlowctlException) e).code())
        .isEqualTo(FlowctlException.Code.FAILED_PRECONDITION);

    assertThat(r.delete(TTP, 2, true)).containsExactly(2);
    assertThat(r.versions(TTP, true)).extracting(StoredSchema::version).containsExactly(1);
    Registration again = r.register(TTP, V2, "svc");
    assertThat(again.schema().version()).as("2 was used once: never again").isEqualTo(3);
    assertThat(events).containsExactly("deleted 2", "purged 2");
  }

  @ParameterizedTest
  @MethodSource("stores")
  void deletingASubjectDeletesEveryVersion_softThenForGood(Function<Integer, SchemaStore> store) {
    SchemaRegistry r = registry(store);
    r.register(TTP, V1, "svc");
    r.register(TTP, V2, "svc");

    assertThat(r.delete(TTP, null, false)).containsExactly(1, 2);
    assertThat(r.latest(TTP)).isEmpty();
    assertThat(r.delete(TTP, null, true)).containsExactly(1, 2);
    assertThat(r.subjects()).isEmpty();
    assertThatThrownBy(() -> r.delete(TTP, null, false))
        .extracting(e -> ((FlowctlException) e).code())
        .isEqualTo(FlowctlException.Code.NOT_FOUND);
    assertThat(r.register(TTP, V1, "svc").schema().version()).isEqualTo(3);
  }

  @ParameterizedTest
  @MethodSource("stores")
  void aReadOnlySubjectRefusesNewVersionsAndDeletions_butReturnsAnExistingOne(
      Function<Integer, SchemaStore> store) {
    SchemaRegistry r = registry(store);
    r.register(TTP, V1, "svc");
    r.setMode(TTP, SubjectMode.READONLY);

    assertThat(r.register(TTP, V1, "svc").alreadyRegistered()).isTrue();
    assertThatThrownBy(() -> r.register(TTP, V2, "svc"))
        .hasMessageContaining("read-only")
        .extracting(e -> ((FlowctlException) e).code())
        .isEqualTo(FlowctlException.Code.FAILED_PRECONDITION);
    assertThatThrownBy(() -> r.delete(TTP, 1, false)).hasMessageContaining("read-only");
    assertThat(r.history(TTP)).hasSize(1);

    r.setMode(TTP, SubjectMode.READWRITE);
    assertThat(r.register(TTP, V2, "svc").schema().version()).isEqualTo(2);
    assertThat(r.ownMode("other")).isEmpty();
    assertThat(r.mode("other")).isEqualTo(SubjectMode.READWRITE);
  }

  @ParameterizedTest
  @MethodSource("stores")
  void importModeStoresGivenNumbersAsTheyAre_inOrder(Function<Integer, SchemaStore> store) {
    SchemaRegistry r = registry(store);
    r.setPolicy(TTP, EvolutionPolicy.FULL);
    r.setMode(TTP, SubjectMode.IMPORT);
    Schema breaking = schema(ID, col("amount", ArrowType.Utf8.INSTANCE));

    assertThat(r.register(TTP, V1, "m", RegisterOptions.DEFAULT.importing(4)).schema().version())
        .isEqualTo(4);
    assertThat(
            r.register(TTP, breaking, "m", RegisterOptions.DEFAULT.importing(9)).schema().version())
        .as("no evolution check while importing")
        .isEqualTo(9);
    assertThatThrownBy(() -> r.register(TTP, V2, "m", RegisterOptions.DEFAULT.importing(7)))
        .hasMessageContaining("must be higher")
        .extracting(e -> ((FlowctlException) e).code())
        .isEqualTo(FlowctlException.Code.ALREADY_EXISTS);
    assertThatThrownBy(() -> r.register(TTP, V2, "m"))
        .hasMessageContaining("import mode")
        .extracting(e -> ((FlowctlException) e).code())
        .isEqualTo(FlowctlException.Code.INVALID_ARGUMENT);

    r.setMode(TTP, SubjectMode.READWRITE);
    assertThatThrownBy(() -> r.register(TTP, V2, "m", RegisterOptions.DEFAULT.importing(12)))
        .hasMessageContaining("only to subjects in import mode");
    assertThatThrownBy(() -> r.register(TTP, V2, "m"))
        .as("back to read-write, the policy judges again")
        .isInstanceOf(IncompatibleSchemaException.class);
    assertThat(r.versions(TTP, true)).extracting(StoredSchema::version).containsExactly(4, 9);
  }

  @ParameterizedTest
  @MethodSource("stores")
  void aDryRunReportsTheVerdictAndEveryChange_andStoresNothing(
      Function<Integer, SchemaStore> store) {
    SchemaRegistry r = registry(store);
    r.register(TTP, V1, "svc");
    Schema narrowed = schema(ID, col("amount", new ArrowType.Int(32, true)));

    RegistrationCheck ok = r.check(TTP, V2, "svc", RegisterOptions.DEFAULT);
    RegistrationCheck same = r.check(TTP, V1, "svc", RegisterOptions.DEFAULT);
    RegistrationCheck refused = r.check(TTP, narrowed, "svc", RegisterOptions.DEFAULT);

    assertThat(ok.accepted()).isTrue();
    assertThat(ok.version()).isEqualTo(2);
    assertThat(ok.policy()).isEqualTo(EvolutionPolicy.BACKWARD);
    assertThat(same.alreadyRegistered()).isTrue();
    assertThat(same.version()).isEqualTo(1);
    assertThat(refused.accepted()).isFalse();
    assertThat(refused.version()).isZero();
    assertThat(refused.violations()).extracting(c -> c.path().toString()).containsExactly("amount");
    assertThat(refused.reason()).contains("amount");
    assertThat(r.history(TTP)).hasSize(1);
  }

  @Test
  void aVersionALiveConsumerCannotRead_isRefusedNamingIt_unlessOverridden() {
    List<SchemaRegistry.Reader> readers = new ArrayList<>();
    SchemaRegistry r =
        SchemaRegistry.builder(new InMemorySchemaStore()).readers(subject -> readers).build();
    r.register(TTP, V1, "producer");
    readers.add(new SchemaRegistry.Reader("totals", List.of(V1)));
    readers.add(new SchemaRegistry.Reader("tolerant", List.of(V1, V2)));

    // Under BACKWARD, adding a nullable column is fine for new readers of old data; the running
    // consumer reading v1 with the closed model rejects the unknown column.
    RegistrationCheck dry = r.check(TTP, V2, "producer", RegisterOptions.DEFAULT);
    assertThat(dry.accepted()).isFalse();
    assertThat(dry.violations()).isEmpty();
    assertThat(dry.consumers()).extracting(ConsumerConflict::serviceId).containsExactly("totals");
    assertThat(dry.consumers().get(0).changes())
        .extracting(c -> c.path().toString())
        .containsExactly("currency");
    assertThat(dry.consumers().get(0).readerFingerprint())
        .isEqualTo(SchemaFingerprints.structural(V1));
    assertThatThrownBy(() -> r.register(TTP, V2, "producer"))
        .isInstanceOf(IncompatibleSchemaException.class)
        .hasMessageContaining("'totals'")
        .hasMessageContaining("currency");
    assertThat(r.history(TTP)).hasSize(1);

    Registration forced =
        r.register(TTP, V2, "producer", RegisterOptions.DEFAULT.breakingConsumers());
    assertThat(forced.schema().version()).isEqualTo(2);
  }

  @Test
  void eachLiveConsumerIsJudgedByItsReaderModel_andTheChangeIsStatedAsTheProducerMadeIt() {
    List<SchemaRegistry.Reader> readers = new ArrayList<>();
    SchemaRegistry r =
        SchemaRegistry.builder(new InMemorySchemaStore())
            .defaultPolicy(EvolutionPolicy.NONE)
            .readers(subject -> readers)
            .build();
    r.register(TTP, V1, "producer");
    readers.add(new SchemaRegistry.Reader("by-name", List.of(V1), ReaderModel.PROJECTING));
    readers.add(new SchemaRegistry.Reader("closed", List.of(V1), ReaderModel.CLOSED));

    // An added nullable column: the projecting reader drops it, the closed one refuses it; the
    // change is the addition the producer made, not a removal.
    RegistrationCheck added = r.check(TTP, V2, "producer", RegisterOptions.DEFAULT);
    assertThat(added.consumers()).extracting(ConsumerConflict::serviceId).containsExactly("closed");
    assertThat(added.consumers().get(0).changes())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.kind()).isEqualTo(io.flowctl.schema.ChangeKind.COLUMN_ADDED);
              assertThat(c.message()).startsWith("'currency' was added");
            });

    // A type change reads from what the consumer expects to what the producer now writes.
    Schema utf8Amount = schema(ID, col("amount", ArrowType.Utf8.INSTANCE));
    RegistrationCheck changed = r.check(TTP, utf8Amount, "producer", RegisterOptions.DEFAULT);
    assertThat(changed.consumers())
        .extracting(ConsumerConflict::serviceId)
        .containsExactlyInAnyOrder("by-name", "closed");
    assertThat(changed.consumers().get(0).changes().get(0).message())
        .contains("'amount'")
        .contains("from int64 to utf8");

    // A removed nullable column is read by name (nulls) by both.
    Schema withoutAmount = schema(ID);
    readers.clear();
    readers.add(new SchemaRegistry.Reader("by-name", List.of(V1), ReaderModel.PROJECTING));
    assertThat(r.check(TTP, withoutAmount, "producer", RegisterOptions.DEFAULT).consumers())
        .isEmpty();
  }
}
