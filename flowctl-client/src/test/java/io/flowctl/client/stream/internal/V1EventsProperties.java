package io.flowctl.client.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.NotEmpty;
import net.jqwik.api.constraints.Size;

/** Arrow metadata crosses the v1 envelope and comes back as it was, whatever the column names. */
class V1EventsProperties {
  @Property(tries = 500)
  void columnNames_comeBackAsTheyWere(
      @ForAll @NotEmpty @Size(max = 12)
          List<@Chars({',', '%', '2', 'C', 'c', '5', 'a'}) @CharRange(from = 'x', to = 'z') String>
              names) {
    assertThat(V1Events.splitNames(V1Events.joinNames(names))).isEqualTo(names);
  }

  @Property(tries = 200)
  void anArrowEvent_crossesTheV1Envelope(
      @ForAll @NotEmpty @Size(max = 8) List<@NotEmpty String> names) {
    Event e =
        Event.newBuilder()
            .setEventType("arrow_data.ArrowBatch")
            .setArrowMetadata(
                ArrowMetadata.newBuilder()
                    .setSchemaFingerprint("fp")
                    .setNumRows(3)
                    .addAllColumnNames(names))
            .build();
    Event back = V1Events.fromV1(V1Events.toV1("1", "src", e));
    assertThat(back.getArrowMetadata().getColumnNamesList()).isEqualTo(names);
  }

  @Example
  void aColumnNamedWithAComma_staysOneColumn() {
    assertThat(V1Events.splitNames(V1Events.joinNames(List.of("a,b", "c"))))
        .containsExactly("a,b", "c");
    // Names without ',' or '%' read as the plain list older writers sent.
    assertThat(V1Events.joinNames(List.of("ledger", "amount"))).isEqualTo("ledger,amount");
    assertThat(V1Events.splitNames("ledger,amount")).containsExactly("ledger", "amount");
  }
}
