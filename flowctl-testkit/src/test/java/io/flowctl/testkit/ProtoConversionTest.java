package io.flowctl.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.flowctl.client.Flowctl;
import io.flowctl.client.protobuf.ProtoArrow;
import io.flowctl.client.protobuf.ProtoConversion;
import io.flowctl.proto.Event;
import io.flowctl.schema.SchemaFingerprints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;
import token_transfer.TokenTransferEventOuterClass.EventMeta;
import token_transfer.TokenTransferEventOuterClass.Mint;
import token_transfer.TokenTransferEventOuterClass.TokenTransferEvent;

/**
 * The plan's format-conversion processor under the runner's calls: protobuf events in, Arrow
 * batches of the pipeline's size out, in each conversion mode; a payload that does not parse fails
 * alone; Arrow back to messages.
 */
class ProtoConversionTest {
  static final String TYPE = "token_transfer.TokenTransferEvent";
  static final String ARROW = "arrow_data.TokenTransferBatch";

  static TokenTransferEvent event(int i) {
    return TokenTransferEvent.newBuilder()
        .setMeta(
            EventMeta.newBuilder()
                .setLedgerSequence(1000 + i)
                .setClosedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L + i))
                .setTxHash("tx" + i))
        .setMint(Mint.newBuilder().setTo("G" + i).setAmount(Long.toString(i)))
        .build();
  }

  private static Flowctl.Component converter(FlowctlTestKit kit, ProtoConversion.Mode mode) {
    String id = "to-arrow-" + mode.name().toLowerCase(java.util.Locale.ROOT);
    return kit.start(
        Flowctl.processor(id)
            .convert(
                ProtoConversion.builder()
                    .toArrow(TokenTransferEvent.getDescriptor(), ARROW)
                    .mode(mode)
                    .build()),
        kit.configBuilder(id).batchSize(10).batchTimeout(Duration.ofMinutes(5)).build());
  }

  private static List<Event> input(FlowctlTestKit kit) {
    List<Event> in = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      in.addAll(kit.messages(TYPE, event(i)));
      if (i == 12) {
        // bytes that are not a TokenTransferEvent (a truncated length), then an unmapped type
        in.add(
            Event.newBuilder()
                .setEventType(TYPE)
                .setPayload(ByteString.copyFrom(new byte[] {0x0a, 0x7f, 0x01}))
                .build());
        in.addAll(kit.messages("other.Type", com.google.protobuf.StringValue.of("pass me on")));
      }
    }
    return in;
  }

  @Test
  void native_batchesEveryMessage_passesOtherTypesOn_andFailsABadPayloadAlone() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      Flowctl.Component c = converter(kit, ProtoConversion.Mode.NATIVE);
      List<Event> out = kit.process(c, input(kit));

      List<Event> batches = out.stream().filter(e -> e.getEventType().equals(ARROW)).toList();
      assertThat(batches).hasSize(3);
      List<Integer> rows = new ArrayList<>();
      List<TokenTransferEvent> back = new ArrayList<>();
      ProtoArrow arrow = ProtoArrow.of(TokenTransferEvent.getDescriptor());
      for (Event b : batches) {
        for (VectorSchemaRoot root : kit.batches(List.of(b))) {
          rows.add(root.getRowCount());
          for (byte[] m : arrow.toProto(root)) {
            back.add(TokenTransferEvent.parseFrom(m));
          }
        }
      }
      assertThat(rows).containsExactly(10, 10, 5); // the batch size; the rest when input ended
      List<TokenTransferEvent> expected = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        expected.add(event(i));
      }
      assertThat(back).isEqualTo(expected);
      assertThat(out)
          .filteredOn(e -> e.getEventType().equals("other.Type"))
          .singleElement()
          .satisfies(e -> assertThat(e.getPayload().toStringUtf8()).contains("pass me on"));
      assertThat(out).noneMatch(e -> e.getEventType().equals(TYPE)); // native: Arrow only
      assertThat(c.health().metricsNow()).containsEntry("error_count", "1");
      // the derived schema is registered under the output type
      assertThat(kit.controlPlane().schemas().latest(ARROW).orElseThrow().fingerprint())
          .isEqualTo(SchemaFingerprints.structural(arrow.schema()));
    }
  }

  @Test
  void hybrid_sendsBoth_andCompatibility_passesProtobufThrough() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      List<Event> hybrid = kit.process(converter(kit, ProtoConversion.Mode.HYBRID), input(kit));
      assertThat(hybrid).filteredOn(e -> e.getEventType().equals(TYPE)).hasSize(26);
      assertThat(hybrid).filteredOn(e -> e.getEventType().equals(ARROW)).hasSize(3);

      List<Event> compat =
          kit.process(converter(kit, ProtoConversion.Mode.COMPATIBILITY), input(kit));
      assertThat(compat).filteredOn(e -> e.getEventType().equals(TYPE)).hasSize(26);
      assertThat(compat).noneMatch(e -> e.getEventType().equals(ARROW));
    }
  }

  @Test
  void arrowBatches_becomeOneMessageEventPerRow() throws Exception {
    try (FlowctlTestKit kit = FlowctlTestKit.start()) {
      Flowctl.Component toArrow = converter(kit, ProtoConversion.Mode.NATIVE);
      Flowctl.Component toProto =
          kit.start(
              Flowctl.processor("to-proto")
                  .convert(
                      ProtoConversion.builder()
                          .toProto(ARROW, TokenTransferEvent.getDescriptor())
                          .build()));
      List<Event> messages =
          kit.process(toProto, kit.process(toArrow, kit.messages(TYPE, event(1), event(2))));
      assertThat(messages).extracting(Event::getEventType).containsOnly(TYPE);
      assertThat(messages)
          .extracting(e -> TokenTransferEvent.parseFrom(e.getPayload()))
          .containsExactly(event(1), event(2));
    }
  }
}
