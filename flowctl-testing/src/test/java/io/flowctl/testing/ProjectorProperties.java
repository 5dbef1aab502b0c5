package io.flowctl.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.schema.ArrowSchemas;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.IncompatibleSchemaException;
import io.flowctl.schema.OwnedBatch;
import io.flowctl.schema.ReaderModel;
import io.flowctl.schema.SchemaFingerprints;
import io.flowctl.schema.SchemaProjector;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.lifecycle.BeforeTry;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The verdict is real: whenever the checker says a reader reads a writer's data, the projector
 * turns random data of the writer schema into the reader schema with every value preserved; when it
 * says no, the projector refuses.
 */
class ProjectorProperties {
  /** An evolution with data of the schema before and of the schema after. */
  record Case(Evolution evolution, BatchData before, BatchData after) {}

  private BufferAllocator allocator;

  @BeforeTry
  void open() {
    allocator = new RootAllocator();
  }

  @AfterTry
  void close() {
    allocator.close(); // fails the try on a leaked buffer
  }

  @Property(tries = 400)
  void theProjectorDoesExactlyWhatTheCheckerAllows(
      @ForAll("cases") Case c, @ForAll ReaderModel model) {
    CompatibilityRules rules = CompatibilityRules.builder().readerModel(model).build();
    // new readers of old data, and old readers of new data
    agree(c.before(), c.evolution().after(), rules, c.evolution());
    agree(c.after(), c.evolution().before(), rules, c.evolution());
  }

  @Property(tries = 200)
  void projectingOntoTheSameSchema_changesNothing(@ForAll("cases") Case c) {
    agree(c.before(), c.evolution().before(), CompatibilityRules.defaults(), c.evolution());
  }

  private void agree(BatchData data, Schema reader, CompatibilityRules rules, Evolution e) {
    Schema writer = data.schema();
    boolean readable = io.flowctl.schema.CompatibilityChecker.of(rules).canRead(reader, writer);
    if (!readable) {
      assertThatThrownBy(() -> SchemaProjector.create(writer, reader, rules))
          .as("%s", e)
          .isInstanceOf(IncompatibleSchemaException.class);
      return;
    }
    SchemaProjector projector = SchemaProjector.create(writer, reader, rules);
    try (BatchData.Written in = data.write(allocator);
        OwnedBatch out = projector.project(in.root(), in.dictionaries(), allocator)) {
      BatchData got = BatchData.read(out.root(), out.dictionaries());

      assertThat(
              SchemaFingerprints.structural(
                  ArrowSchemas.messageFormat(out.root().getSchema(), out.dictionaries())))
          .as("output schema, %s", e)
          .isEqualTo(SchemaFingerprints.structural(reader));
      assertThat(got.rows()).as("values, %s", e).isEqualTo(data.projectTo(reader).rows());
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    return ArrowArbitraries.evolutions()
        .flatMap(
            e ->
                Combinators.combine(
                        ArrowArbitraries.batches(e.before(), 8),
                        ArrowArbitraries.batches(e.after(), 8))
                    .as((b, a) -> new Case(e, b, a)));
  }
}
