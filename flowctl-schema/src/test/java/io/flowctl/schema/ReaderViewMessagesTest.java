package io.flowctl.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/**
 * Why a reader cannot read a writer's data is stated as the writer changed what the reader expects,
 * everywhere it is said (the checker and the projector a consumer refuses with): an added column
 * "was added", a removed one "was removed", a type change reads from the reader's type to the
 * writer's, a nullability change from the reader's to the writer's.
 */
class ReaderViewMessagesTest {
  static final Field ID = Field.notNullable("id", new ArrowType.Int(64, true));
  static final CompatibilityChecker CLOSED = CompatibilityChecker.defaults();

  static Schema schema(Field... fields) {
    return new Schema(List.of(fields));
  }

  /** The reasons of the checker and of the projector's refusal, which must agree. */
  static String why(Schema reader, Schema writer) {
    String checker = CompatibilityChecker.describe(CLOSED.whyCannotRead(reader, writer));
    assertThatThrownBy(() -> SchemaProjector.create(writer, reader))
        .isInstanceOfSatisfying(
            IncompatibleSchemaException.class,
            e -> {
              assertThat(e.changes()).isEqualTo(checker);
              assertThat(e.getMessage()).endsWith(checker);
            });
    return checker;
  }

  @Test
  void anAddedColumn_wasAdded() {
    Schema reader = schema(ID);
    Schema writer = schema(ID, Field.nullable("unit", ArrowType.Utf8.INSTANCE));
    assertThat(why(reader, writer)).startsWith("'unit' was added");
  }

  @Test
  void aRemovedRequiredColumn_wasRemoved() {
    Schema reader = schema(ID, Field.notNullable("amount", new ArrowType.Int(64, true)));
    Schema writer = schema(ID);
    assertThat(why(reader, writer)).startsWith("'amount' was removed");
  }

  @Test
  void aTypeChange_readsFromTheReadersTypeToTheWriters() {
    Schema reader = schema(ID, Field.notNullable("amount", new ArrowType.Int(64, true)));
    Schema writer = schema(ID, Field.notNullable("amount", ArrowType.Utf8.INSTANCE));
    assertThat(why(reader, writer)).startsWith("'amount' changed type from int64 to utf8");

    Schema narrower = schema(ID, Field.notNullable("amount", new ArrowType.Int(32, true)));
    assertThat(why(narrower, reader)).startsWith("'amount' widened from int32 to int64");
  }

  @Test
  void aNullabilityChange_readsFromTheReadersToTheWriters() {
    Schema reader = schema(ID, Field.notNullable("amount", new ArrowType.Int(64, true)));
    Schema writer = schema(ID, Field.nullable("amount", new ArrowType.Int(64, true)));
    assertThat(why(reader, writer)).startsWith("'amount' became nullable");
  }

  @Test
  void whatTheReaderReads_hasNoReason() {
    Schema reader = schema(ID, Field.nullable("amount", new ArrowType.Int(64, true)));
    Schema writer = schema(ID, Field.notNullable("amount", new ArrowType.Int(32, true)));
    assertThat(CLOSED.whyCannotRead(reader, writer)).isEmpty();
    assertThat(SchemaProjector.create(writer, reader).readerSchema()).isEqualTo(reader);
  }
}
