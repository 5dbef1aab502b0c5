package io.flowctl.testing;

import net.jqwik.api.Arbitrary;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Entry point of the kit: jqwik arbitraries for Arrow schemas, their evolutions and their data.
 *
 * <pre>{@code
 * @Property
 * void myServiceReadsEveryBackwardEvolution(@ForAll("evolutions") Evolution e) { ... }
 *
 * @Provide
 * Arbitrary<Evolution> evolutions() {
 *   return ArrowArbitraries.evolutions(Arbitraries.just(MY_INPUT_SCHEMA))
 *       .keeping(CompatibilityLevel.BACKWARD, ReaderModel.CLOSED);
 * }
 * }</pre>
 */
public final class ArrowArbitraries {
  private ArrowArbitraries() {}

  /** Arbitrary schemas, nested up to depth 2, every type family, some custom metadata. */
  public static SchemaArbitrary schemas() {
    return new SchemaArbitrary();
  }

  /** Arbitrary evolutions of the given base schemas. */
  public static EvolutionArbitrary evolutions(Arbitrary<Schema> bases) {
    return new EvolutionArbitrary(bases);
  }

  /** Arbitrary evolutions of arbitrary schemas. */
  public static EvolutionArbitrary evolutions() {
    return new EvolutionArbitrary(schemas());
  }

  /** Arbitrary rows of {@code schema} (message format), 0 to 16 of them. */
  public static Arbitrary<BatchData> batches(Schema schema) {
    return batches(schema, 16);
  }

  /** Arbitrary rows of {@code schema}, 0 to {@code maxRows} of them. */
  public static Arbitrary<BatchData> batches(Schema schema, int maxRows) {
    return BatchArbitraries.rows(schema, maxRows);
  }
}
