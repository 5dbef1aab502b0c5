package io.flowctl.client.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import asset.AssetOuterClass.Asset;
import asset.AssetOuterClass.IssuedAsset;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import io.flowctl.schema.OwnedBatch;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.UInt4Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import stellar.v1.ContractEvents.ContractEvent;
import stellar.v1.ContractEvents.ScValue;
import token_transfer.TokenTransferEventOuterClass.EventMeta;
import token_transfer.TokenTransferEventOuterClass.Mint;
import token_transfer.TokenTransferEventOuterClass.TokenTransferEvent;
import token_transfer.TokenTransferEventOuterClass.Transfer;

/** flow-proto's own messages through the converter, value for value, and what it refuses. */
class ProtoArrowTest {
  private final BufferAllocator allocator = new RootAllocator(256L << 20);
  private final ProtoArrow transfers = ProtoArrow.of(TokenTransferEvent.getDescriptor());

  @AfterEach
  void noLeaks() {
    assertThat(allocator.getAllocatedMemory()).isZero();
    allocator.close();
  }

  static TokenTransferEvent transfer(int i) {
    EventMeta.Builder meta =
        EventMeta.newBuilder()
            .setLedgerSequence(50_000_000 + i)
            .setClosedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L + i).setNanos(i * 1000))
            .setTxHash("tx" + i)
            .setTransactionIndex(i % 7)
            .setContractAddress("C" + i);
    if (i % 3 != 0) {
      meta.setOperationIndex(i % 5); // optional: present on two rows of three
    }
    TokenTransferEvent.Builder b = TokenTransferEvent.newBuilder().setMeta(meta);
    if (i % 2 == 0) {
      b.setTransfer(
          Transfer.newBuilder()
              .setFrom("G" + i)
              .setTo("G" + (i + 1))
              .setAsset(
                  i % 4 == 0
                      ? Asset.newBuilder().setNative(true)
                      : Asset.newBuilder()
                          .setIssuedAsset(
                              IssuedAsset.newBuilder().setAssetCode("USDC").setIssuer("GI")))
              .setAmount(Long.toString(1_000_000L * i)));
    } else {
      b.setMint(Mint.newBuilder().setTo("G" + i).setAmount(Long.toString(i)));
    }
    return b.build();
  }

  static List<byte[]> serialized(List<? extends com.google.protobuf.Message> messages) {
    List<byte[]> out = new ArrayList<>();
    messages.forEach(m -> out.add(m.toByteArray()));
    return out;
  }

  @Test
  void tokenTransferEvents_becomeColumns_andComeBackEqual() throws Exception {
    List<TokenTransferEvent> events = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      events.add(transfer(i));
    }
    try (OwnedBatch batch = transfers.toArrow(serialized(events), allocator)) {
      VectorSchemaRoot root = batch.root();
      assertThat(root.getRowCount()).isEqualTo(100);
      assertThat(root.getSchema().getFields())
          .extracting(Field::getName)
          .containsExactly("meta", "transfer", "mint", "burn", "clawback", "fee");
      StructVector meta = (StructVector) root.getVector("meta");
      assertThat(((UInt4Vector) meta.getChild("ledger_sequence")).get(3)).isEqualTo(50_000_003);
      assertThat(meta.getChild("closed_at").getObject(3))
          .isEqualTo(1_700_000_003L * 1_000_000_000L + 3000);
      assertThat(meta.getChild("operation_index").isNull(3)).isTrue(); // optional, absent
      assertThat(meta.getChild("operation_index").getObject(4)).isEqualTo(4);
      // the oneof: one member per row, the others null
      assertThat(root.getVector("transfer").isNull(1)).isTrue();
      assertThat(root.getVector("mint").isNull(1)).isFalse();
      StructVector transfer = (StructVector) root.getVector("transfer");
      StructVector asset = (StructVector) transfer.getChild("asset");
      assertThat(asset.getChild("native").getObject(0)).isEqualTo(true);
      assertThat(asset.getChild("issued_asset").isNull(0)).isTrue();
      assertThat(
              ((VarCharVector)
                      ((StructVector) asset.getChild("issued_asset")).getChild("asset_code"))
                  .getObject(2)
                  .toString())
          .isEqualTo("USDC");

      List<byte[]> back = transfers.toProto(root, batch.dictionaries());
      for (int i = 0; i < events.size(); i++) {
        assertThat(TokenTransferEvent.parseFrom(back.get(i))).isEqualTo(events.get(i));
        // protobuf-java's own bytes, field for field
        assertThat(back.get(i)).isEqualTo(events.get(i).toByteArray());
      }
    }
  }

  @Test
  void contractEvents_repeatedMessagesAndOptionals_roundTrip() throws Exception {
    ProtoArrow contracts = ProtoArrow.of(ContractEvent.getDescriptor());
    List<ContractEvent> events = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ContractEvent.Builder b =
          ContractEvent.newBuilder()
              .setContractId("C" + i)
              .setEventType(i % 2 == 0 ? "transfer" : "mint")
              .setInSuccessfulTx(i % 3 != 0)
              .setEventIndex(-i); // negative int32: ten bytes on the wire
      for (int t = 0; t < i % 4; t++) {
        b.addTopics(ScValue.newBuilder().setXdrBase64("AAAA" + t).setJson("{\"t\":" + t + "}"));
      }
      if (i % 2 == 1) {
        b.setOperationIndex(i);
      }
      events.add(b.build());
    }
    try (OwnedBatch batch = contracts.toArrow(serialized(events), allocator)) {
      ListVector topics = (ListVector) batch.root().getVector("topics");
      assertThat(topics.getObject(0)).isEmpty(); // a repeated field with no items: an empty list
      assertThat(topics.getObject(3)).hasSize(3);
      assertThat(batch.root().getVector("data").isNull(0)).isTrue();
      List<byte[]> back = contracts.toProto(batch.root(), batch.dictionaries());
      for (int i = 0; i < events.size(); i++) {
        assertThat(ContractEvent.parseFrom(back.get(i))).isEqualTo(events.get(i));
      }
    }
  }

  @Test
  void malformedBytes_nameTheMessageAndTheField_andFreeTheBatch() {
    List<byte[]> messages = serialized(List.of(transfer(0), transfer(1), transfer(2)));
    byte[] broken = messages.get(1).clone();
    messages.set(1, java.util.Arrays.copyOf(broken, broken.length - 3)); // truncated
    assertThatThrownBy(() -> transfers.toArrow(messages, allocator))
        .isInstanceOf(ProtoConversionException.class)
        .hasMessageContaining("message 1")
        .satisfies(e -> assertThat(((ProtoConversionException) e).messageIndex()).isEqualTo(1))
        .satisfies(e -> assertThat(((ProtoConversionException) e).field()).isEqualTo("mint"));
  }

  @Test
  void invalidUtf8_isNamedByItsField() throws Exception {
    // meta (1) { tx_hash (3): 0xC3 0x28 }
    byte[] meta = {0x1a, 2, (byte) 0xc3, 0x28};
    byte[] event = concat(new byte[] {0x0a, (byte) meta.length}, meta);
    assertThatThrownBy(() -> transfers.toArrow(List.of(event), allocator))
        .isInstanceOf(ProtoConversionException.class)
        .hasMessageContaining("meta.tx_hash")
        .hasMessageContaining("UTF-8");
  }

  @Test
  void unknownFields_areSkipped_andRepeatsFollowProtobufsRules() throws Exception {
    TokenTransferEvent a = transfer(2);
    TokenTransferEvent b = transfer(3); // a mint
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(99, "a field this reader does not know");
    out.writeFixed64(98, 7);
    out.flush();
    // a's fields, unknown ones, then b's: the meta merges, the oneof's last member (b's mint) wins
    byte[] joined = concat(a.toByteArray(), bytes.toByteArray(), b.toByteArray());
    TokenTransferEvent expected = TokenTransferEvent.parseFrom(joined).toBuilder().build();
    try (OwnedBatch batch = transfers.toArrow(List.of(joined), allocator)) {
      byte[] back = transfers.toProto(batch.root(), batch.dictionaries()).get(0);
      TokenTransferEvent got = TokenTransferEvent.parseFrom(back);
      assertThat(got)
          .isEqualTo(
              expected.toBuilder()
                  .setUnknownFields(com.google.protobuf.UnknownFieldSet.getDefaultInstance())
                  .build());
      assertThat(got.hasMint()).isTrue();
      assertThat(got.getMeta().getTxHash()).isEqualTo("tx3");
    }
  }

  @Test
  void aTimestampBeyondNanoseconds_isRefusedNamingItsField() {
    TokenTransferEvent far =
        transfer(0).toBuilder()
            .setMeta(
                transfer(0).getMeta().toBuilder()
                    .setClosedAt(Timestamp.newBuilder().setSeconds(253_402_300_799L)))
            .build();
    assertThatThrownBy(() -> transfers.toArrow(List.of(far.toByteArray()), allocator))
        .isInstanceOf(ProtoConversionException.class)
        .hasMessageContaining("meta.closed_at")
        .hasMessageContaining("1677 to 2262");
  }

  @Test
  void batchesAreBounded_inRowsAndBytes() {
    ProtoArrow small =
        ProtoArrow.builder(TokenTransferEvent.getDescriptor()).maxRows(2).maxBytes(1000).build();
    List<byte[]> three = serialized(List.of(transfer(0), transfer(1), transfer(2)));
    assertThatThrownBy(() -> small.toArrow(three, allocator))
        .isInstanceOf(ProtoConversionException.class)
        .hasMessageContaining("2 rows");
    byte[] huge =
        transfer(0).toBuilder()
            .setMeta(EventMeta.newBuilder().setTxHash("x".repeat(2000)))
            .build()
            .toByteArray();
    assertThatThrownBy(() -> small.toArrow(List.of(huge), allocator))
        .isInstanceOf(ProtoConversionException.class)
        .hasMessageContaining("1000 bytes");
    try (ProtoArrow.Appender a = small.appender(allocator)) {
      a.append(three.get(0));
      a.append(three.get(1));
      assertThat(a.fits(10)).isFalse();
    }
  }

  @Test
  void arrowBack_acceptsTheProjectorsEvolutions_andRefusesTheRestNamingTheColumn()
      throws Exception {
    List<TokenTransferEvent> events = List.of(transfer(0), transfer(1));
    try (OwnedBatch batch = transfers.toArrow(serialized(events), allocator)) {
      VectorSchemaRoot root = batch.root();
      // without the nullable 'fee' column and with one the message does not have
      List<org.apache.arrow.vector.FieldVector> vectors = new ArrayList<>(root.getFieldVectors());
      vectors.removeIf(v -> v.getName().equals("fee"));
      try (VarCharVector extra = new VarCharVector("note", allocator)) {
        extra.allocateNew();
        extra.setSafe(0, "a".getBytes());
        extra.setSafe(1, "b".getBytes());
        extra.setValueCount(2);
        vectors.add(extra);
        VectorSchemaRoot evolved = new VectorSchemaRoot(vectors);
        List<byte[]> back = transfers.toProto(evolved, batch.dictionaries());
        assertThat(TokenTransferEvent.parseFrom(back.get(1))).isEqualTo(events.get(1));
      }
      // 'meta' of another type: refused, naming it
      try (VarCharVector wrong = new VarCharVector("meta", allocator)) {
        wrong.allocateNew();
        wrong.setValueCount(2);
        List<org.apache.arrow.vector.FieldVector> bad = new ArrayList<>(root.getFieldVectors());
        bad.set(0, wrong);
        assertThatThrownBy(() -> transfers.toProto(new VectorSchemaRoot(bad), batch.dictionaries()))
            .isInstanceOf(ProtoConversionException.class)
            .hasMessageContaining("column 'meta'");
      }
    }
  }

  @Test
  void aRecursiveMessage_isRefusedNamingThePath() {
    var file =
        com.google.protobuf.DescriptorProtos.FileDescriptorProto.newBuilder()
            .setName("tree.proto")
            .setSyntax("proto3")
            .setPackage("t")
            .addMessageType(
                com.google.protobuf.DescriptorProtos.DescriptorProto.newBuilder()
                    .setName("Node")
                    .addField(
                        com.google.protobuf.DescriptorProtos.FieldDescriptorProto.newBuilder()
                            .setName("children")
                            .setNumber(1)
                            .setLabel(
                                com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label
                                    .LABEL_REPEATED)
                            .setTypeName(".t.Node")))
            .build();
    var set =
        com.google.protobuf.DescriptorProtos.FileDescriptorSet.newBuilder().addFile(file).build();
    var node = DescriptorSets.of(set, "tree").message("t.Node");
    assertThatThrownBy(() -> ProtoArrow.of(node))
        .isInstanceOf(ProtoConversionException.class)
        .hasMessageContaining("children[]")
        .hasMessageContaining("recursive");
  }

  @Test
  void theSchema_isTheMappingOfTheDocs() {
    Schema s = transfers.schema();
    assertThat(s.findField("meta").isNullable()).isTrue();
    Field meta = s.findField("meta");
    assertThat(meta.getChildren().get(0).getType().toString()).isEqualTo("Int(32, false)");
    assertThat(meta.getChildren().get(0).isNullable()).isFalse(); // proto3 scalar: not null
    assertThat(meta.getChildren().get(1).getType().toString())
        .isEqualTo("Timestamp(NANOSECOND, UTC)");
    assertThat(meta.getChildren().get(4).isNullable()).isTrue(); // optional uint32
    Schema contract = ProtoArrow.of(ContractEvent.getDescriptor()).schema();
    Field topics = contract.findField("topics");
    assertThat(topics.isNullable()).isFalse();
    assertThat(topics.getType().toString()).isEqualTo("List");
    assertThat(topics.getChildren().get(0).getName()).isEqualTo("item");
    assertThat(topics.getChildren().get(0).isNullable()).isFalse();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static ByteString bs(byte[] b) {
    return ByteString.copyFrom(b);
  }
}
