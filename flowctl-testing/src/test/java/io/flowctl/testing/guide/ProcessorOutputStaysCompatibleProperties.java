package io.flowctl.testing.guide;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.schema.CompatibilityChecker;
import io.flowctl.schema.CompatibilityLevel;
import io.flowctl.schema.ReaderModel;
import io.flowctl.testing.ArrowArbitraries;
import io.flowctl.testing.Evolution;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Guide example 3 (docs/property-testing.md): my processor's output stays compatible with what
 * downstream registered, whatever FORWARD-compatible change its input goes through.
 */
class ProcessorOutputStaysCompatibleProperties {
  static final Schema INPUT = ServiceReadsBackwardEvolutionsProperties.INPUT;

  // region forward
  /** The processor passes its input through and appends a nullable fee column. */
  static Schema outputOf(Schema input) {
    List<Field> fields = new ArrayList<>(input.getFields());
    fields.add(Field.nullable("fee", new ArrowType.Int(64, true)));
    return new Schema(fields, input.getCustomMetadata());
  }

  /** What downstream registered: the output for today's input. */
  static final Schema REGISTERED = outputOf(INPUT);

  @Property(tries = 300)
  void downstreamReadsTheOutputOfEveryForwardEvolution(@ForAll("inputs") Evolution e) {
    Schema newOutput = outputOf(e.after());

    assertThat(CompatibilityChecker.defaults().canRead(REGISTERED, newOutput)).as("%s", e).isTrue();
  }

  @Provide
  Arbitrary<Evolution> inputs() {
    return ArrowArbitraries.evolutions(Arbitraries.just(INPUT))
        .keeping(CompatibilityLevel.FORWARD, ReaderModel.CLOSED);
  }
  // endregion
}
