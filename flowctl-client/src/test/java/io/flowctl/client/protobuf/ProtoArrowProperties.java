package io.flowctl.client.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.flowctl.schema.OwnedBatch;
import io.flowctl.schema.SchemaFingerprints;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/**
 * The conversion's laws over arbitrary message types and messages: every scalar type, enums (with
 * numbers they do not declare), nested messages, proto3 optionals, oneofs, repeated fields, maps
 * and the well-known types, at field numbers small and large.
 */
class ProtoArrowProperties {
  private static final FieldDescriptorProto.Type[] SCALARS = {
    FieldDescriptorProto.Type.TYPE_INT32, FieldDescriptorProto.Type.TYPE_SINT32,
    FieldDescriptorProto.Type.TYPE_SFIXED32, FieldDescriptorProto.Type.TYPE_INT64,
    FieldDescriptorProto.Type.TYPE_SINT64, FieldDescriptorProto.Type.TYPE_SFIXED64,
    FieldDescriptorProto.Type.TYPE_UINT32, FieldDescriptorProto.Type.TYPE_FIXED32,
    FieldDescriptorProto.Type.TYPE_UINT64, FieldDescriptorProto.Type.TYPE_FIXED64,
    FieldDescriptorProto.Type.TYPE_FLOAT, FieldDescriptorProto.Type.TYPE_DOUBLE,
    FieldDescriptorProto.Type.TYPE_BOOL, FieldDescriptorProto.Type.TYPE_STRING,
    FieldDescriptorProto.Type.TYPE_BYTES
  };
  private static final String[] WELL_KNOWN = {
    ".google.protobuf.Timestamp",
    ".google.protobuf.Duration",
    ".google.protobuf.Int64Value",
    ".google.protobuf.UInt32Value",
    ".google.protobuf.StringValue",
    ".google.protobuf.BytesValue",
    ".google.protobuf.BoolValue",
    ".google.protobuf.DoubleValue",
    ".google.protobuf.Struct",
    ".google.protobuf.Value",
    ".google.protobuf.Any"
  };
  private static final FileDescriptor[] IMPORTS = {
    com.google.protobuf.Timestamp.getDescriptor().getFile(),
    com.google.protobuf.Duration.getDescriptor().getFile(),
    com.google.protobuf.Int64Value.getDescriptor().getFile(),
    Struct.getDescriptor().getFile(),
    Any.getDescriptor().getFile()
  };

  /** A message type and messages of it. */
  record Case(Descriptor type, List<DynamicMessage> messages) {
    @Override
    public String toString() {
      return type.getFile().toProto() + "\n" + messages;
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    return Arbitraries.randomValue(
        random -> {
          Descriptor type = type(random);
          List<DynamicMessage> messages = new ArrayList<>();
          int n = random.nextInt(6);
          for (int i = 0; i < n; i++) {
            messages.add(message(type, random));
          }
          return new Case(type, messages);
        });
  }

  @Property(tries = 300)
  void protoToArrowToProto_isTheOriginal(@ForAll("cases") Case c) throws Exception {
    ProtoArrow converter = ProtoArrow.of(c.type());
    List<byte[]> wire = new ArrayList<>();
    Random random = new Random(c.messages().size() * 31L + c.type().getFields().size());
    c.messages().forEach(m -> wire.add(withUnknownFields(m.toByteArray(), random)));
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      // twice: the second batch reuses the first's pooled column arrays
      converter.toArrow(wire, allocator).close();
      try (OwnedBatch batch = converter.toArrow(wire, allocator)) {
        assertThat(batch.root().getRowCount()).isEqualTo(c.messages().size());
        assertThat(
                io.flowctl.schema.ArrowSchemas.messageFormat(
                    batch.root().getSchema(), batch.dictionaries()))
            .isEqualTo(converter.schema());
        List<byte[]> back = converter.toProto(batch.root(), batch.dictionaries());
        for (int i = 0; i < back.size(); i++) {
          assertThat(DynamicMessage.parseFrom(c.type(), back.get(i)))
              .as("message %d", i)
              .isEqualTo(c.messages().get(i));
        }
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  /**
   * Fields the type does not declare, of every wire type (a group included), before or after the
   * message's own: a reader skips them, as protobuf-java keeps them aside.
   */
  private static byte[] withUnknownFields(byte[] message, Random random) {
    if (random.nextBoolean()) {
      return message;
    }
    java.io.ByteArrayOutputStream unknown = new java.io.ByteArrayOutputStream();
    try {
      com.google.protobuf.CodedOutputStream out =
          com.google.protobuf.CodedOutputStream.newInstance(unknown);
      int base = 536_000_000;
      out.writeInt64(base + 1, random.nextLong());
      out.writeFixed64(base + 2, random.nextLong());
      out.writeString(base + 3, "unknown é");
      out.writeFixed32(base + 4, random.nextInt());
      out.writeTag(base + 5, com.google.protobuf.WireFormat.WIRETYPE_START_GROUP);
      out.writeInt32(1, 7);
      out.writeTag(base + 5, com.google.protobuf.WireFormat.WIRETYPE_END_GROUP);
      out.flush();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    if (random.nextBoolean()) {
      all.writeBytes(unknown.toByteArray());
      all.writeBytes(message);
    } else {
      all.writeBytes(message);
      all.writeBytes(unknown.toByteArray());
    }
    return all.toByteArray();
  }

  @Property(tries = 200)
  void anyBytes_areABatchOrATypedError_neverACrashOrALeak(
      @ForAll("cases") Case c,
      @ForAll byte[] noise,
      @ForAll @net.jqwik.api.constraints.IntRange(max = 64) int cut)
      throws Exception {
    ProtoArrow converter = ProtoArrow.of(c.type());
    List<byte[]> inputs = new ArrayList<>();
    inputs.add(noise);
    for (DynamicMessage m : c.messages()) {
      byte[] b = m.toByteArray();
      inputs.add(java.util.Arrays.copyOf(b, Math.max(0, b.length - cut))); // truncated
      byte[] flipped = b.clone();
      if (flipped.length > 0) {
        flipped[cut % flipped.length] ^= (byte) 0x80;
      }
      inputs.add(flipped);
    }
    try (BufferAllocator allocator = new RootAllocator(64L << 20)) {
      for (byte[] in : inputs) {
        try (OwnedBatch batch = converter.toArrow(List.of(in), allocator)) {
          converter.toProto(batch.root(), batch.dictionaries());
        } catch (ProtoConversionException expected) {
          assertThat(expected.getMessage()).contains("message 0");
        }
      }
      assertThat(allocator.getAllocatedMemory()).isZero();
    }
  }

  @Property(tries = 100)
  void theDerivedSchemasFingerprint_isStable(@ForAll("cases") Case c) throws Exception {
    String first = SchemaFingerprints.structural(ProtoArrow.of(c.type()).schema()).toString();
    // the same type read back from its descriptor, as a descriptor set carries it
    FileDescriptor again =
        FileDescriptor.buildFrom(
            FileDescriptorProto.parseFrom(c.type().getFile().toProto().toByteArray()), IMPORTS);
    Descriptor same = again.findMessageTypeByName(c.type().getName());
    assertThat(SchemaFingerprints.structural(ProtoArrow.of(same).schema()).toString())
        .isEqualTo(first);
    assertThat(SchemaFingerprints.structural(ProtoArrow.of(c.type()).schema()).toString())
        .isEqualTo(first);
  }

  @Property(tries = 500)
  void theUtf8Check_isGuavasOnAnyBytes(
      @ForAll byte[] bytes,
      @ForAll String text,
      @ForAll @net.jqwik.api.constraints.IntRange(max = 7) int skip) {
    byte[] encoded = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (byte[] b : new byte[][] {bytes, encoded}) {
      int off = Math.min(skip, b.length);
      assertThat(WireToArrow.wellFormed(b, off, b.length - off))
          .isEqualTo(com.google.common.base.Utf8.isWellFormed(b, off, b.length - off));
    }
  }

  // ---- arbitrary message types ------------------------------------------------------------------

  private static Descriptor type(Random random) {
    FileDescriptorProto.Builder file =
        FileDescriptorProto.newBuilder().setName("gen.proto").setPackage("gen").setSyntax("proto3");
    for (FileDescriptor d : IMPORTS) {
      file.addDependency(d.getName());
    }
    EnumDescriptorProto.Builder color = EnumDescriptorProto.newBuilder().setName("Color");
    color.addValue(EnumValueDescriptorProto.newBuilder().setName("COLOR_UNSET").setNumber(0));
    color.addValue(EnumValueDescriptorProto.newBuilder().setName("RED").setNumber(1));
    color.addValue(EnumValueDescriptorProto.newBuilder().setName("MINUS").setNumber(-3));
    color.addValue(EnumValueDescriptorProto.newBuilder().setName("FAR").setNumber(100_000));
    file.addEnumType(color);
    // Leaf, Middle (may hold Leaf), Top (may hold both): no recursion
    file.addMessageType(messageType("Leaf", List.of(), random));
    file.addMessageType(messageType("Middle", List.of(".gen.Leaf"), random));
    file.addMessageType(messageType("Top", List.of(".gen.Leaf", ".gen.Middle"), random));
    try {
      return FileDescriptor.buildFrom(file.build(), IMPORTS).findMessageTypeByName("Top");
    } catch (com.google.protobuf.Descriptors.DescriptorValidationException e) {
      throw new IllegalStateException(file.build().toString(), e);
    }
  }

  private static DescriptorProto messageType(String name, List<String> messages, Random random) {
    DescriptorProto.Builder m = DescriptorProto.newBuilder().setName(name);
    Set<Integer> numbers = new HashSet<>();
    int fields = 1 + random.nextInt(7);
    int oneofs = 0;
    for (int i = 0; i < fields; i++) {
      int number;
      do {
        number =
            random.nextInt(10) == 0 ? 20_000 + random.nextInt(500_000_000) : 1 + random.nextInt(40);
      } while (!numbers.add(number));
      FieldDescriptorProto.Builder f =
          FieldDescriptorProto.newBuilder()
              .setName("f" + i)
              .setNumber(number)
              .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL);
      int kind = random.nextInt(10);
      if (kind < 5) {
        f.setType(SCALARS[random.nextInt(SCALARS.length)]);
      } else if (kind == 5) {
        f.setType(FieldDescriptorProto.Type.TYPE_ENUM).setTypeName(".gen.Color");
      } else if (kind <= 7 && !messages.isEmpty()) {
        f.setType(FieldDescriptorProto.Type.TYPE_MESSAGE)
            .setTypeName(messages.get(random.nextInt(messages.size())));
      } else {
        f.setType(FieldDescriptorProto.Type.TYPE_MESSAGE)
            .setTypeName(WELL_KNOWN[random.nextInt(WELL_KNOWN.length)]);
      }
      int label = random.nextInt(10);
      boolean scalarOrEnum = f.getType() != FieldDescriptorProto.Type.TYPE_MESSAGE;
      if (label < 2) {
        f.setLabel(FieldDescriptorProto.Label.LABEL_REPEATED);
      } else if (label == 2) {
        // map<K, this field's type>
        String entry = "F" + i + "Entry";
        FieldDescriptorProto.Builder value = f.clone().setName("value").setNumber(2);
        FieldDescriptorProto.Type[] keys = {
          FieldDescriptorProto.Type.TYPE_STRING, FieldDescriptorProto.Type.TYPE_INT32,
          FieldDescriptorProto.Type.TYPE_UINT64, FieldDescriptorProto.Type.TYPE_BOOL,
          FieldDescriptorProto.Type.TYPE_SINT64, FieldDescriptorProto.Type.TYPE_FIXED32
        };
        m.addNestedType(
            DescriptorProto.newBuilder()
                .setName(entry)
                .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                .addField(
                    FieldDescriptorProto.newBuilder()
                        .setName("key")
                        .setNumber(1)
                        .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
                        .setType(keys[random.nextInt(keys.length)]))
                .addField(value));
        f.setLabel(FieldDescriptorProto.Label.LABEL_REPEATED)
            .setType(FieldDescriptorProto.Type.TYPE_MESSAGE)
            .setTypeName(".gen." + name + "." + entry);
      } else if (label == 3 && scalarOrEnum) {
        f.setProto3Optional(true).setOneofIndex(m.getOneofDeclCount());
        m.addOneofDecl(OneofDescriptorProto.newBuilder().setName("_f" + i));
      } else if (label == 4 && i + 1 < fields) {
        // this field and the next: a oneof
        int index = m.getOneofDeclCount();
        m.addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice" + oneofs++));
        f.setOneofIndex(index);
        m.addField(f);
        i++;
        int next;
        do {
          next = 41 + random.nextInt(40);
        } while (!numbers.add(next));
        m.addField(
            FieldDescriptorProto.newBuilder()
                .setName("f" + i)
                .setNumber(next)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL)
                .setType(SCALARS[random.nextInt(SCALARS.length)])
                .setOneofIndex(index));
        continue;
      }
      m.addField(f);
    }
    // synthetic oneofs must come after real ones: protoc orders them so
    return reorderOneofs(m);
  }

  /** Real oneofs first, then proto3 optionals' synthetic ones, as protoc declares them. */
  private static DescriptorProto reorderOneofs(DescriptorProto.Builder m) {
    List<Integer> order = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      for (int o = 0; o < m.getOneofDeclCount(); o++) {
        boolean synthetic = m.getOneofDecl(o).getName().startsWith("_");
        if (synthetic == (pass == 1)) {
          order.add(o);
        }
      }
    }
    DescriptorProto.Builder out = m.clone().clearOneofDecl().clearField();
    for (int o : order) {
      out.addOneofDecl(m.getOneofDecl(o));
    }
    for (FieldDescriptorProto f : m.getFieldList()) {
      out.addField(
          f.hasOneofIndex()
              ? f.toBuilder().setOneofIndex(order.indexOf(f.getOneofIndex())).build()
              : f);
    }
    return out.build();
  }

  // ---- arbitrary messages -----------------------------------------------------------------------

  private static DynamicMessage message(Descriptor type, Random random) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor f : type.getFields()) {
      if (f.getRealContainingOneof() != null) {
        if (b.hasOneof(f.getRealContainingOneof()) || random.nextInt(3) == 0) {
          continue;
        }
        b.setField(f, value(f, random, true));
        continue;
      }
      if (f.isRepeated()) {
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
          if (f.isMapField()) {
            Descriptor entry = f.getMessageType();
            DynamicMessage.Builder e = DynamicMessage.newBuilder(entry);
            e.setField(
                entry.findFieldByNumber(1), value(entry.findFieldByNumber(1), random, false));
            FieldDescriptor v = entry.findFieldByNumber(2);
            if (v.getJavaType() == FieldDescriptor.JavaType.MESSAGE || random.nextBoolean()) {
              e.setField(v, value(v, random, false));
            }
            b.addRepeatedField(f, e.build());
          } else {
            b.addRepeatedField(f, value(f, random, false));
          }
        }
        continue;
      }
      if (random.nextInt(3) == 0) {
        continue; // absent
      }
      Object v = value(f, random, f.hasPresence());
      if (!f.hasPresence() && v.equals(f.getDefaultValue())) {
        continue; // proto3 cannot tell a default from an absent field
      }
      b.setField(f, v);
    }
    return b.build();
  }

  private static Object value(FieldDescriptor f, Random random, boolean presence) {
    return switch (f.getJavaType()) {
      case INT ->
          f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32
              ? random.nextInt()
              : edge(random) ? Integer.MIN_VALUE : random.nextInt();
      case LONG -> edge(random) ? Long.MIN_VALUE : random.nextLong();
      case FLOAT -> edge(random) ? Float.NaN : random.nextFloat() * 1e6f - 5e5f;
      case DOUBLE -> edge(random) ? -0.0d : random.nextDouble() * 1e12 - 5e11;
      case BOOLEAN -> random.nextBoolean();
      case STRING -> text(random);
      case BYTE_STRING -> {
        byte[] bytes = new byte[random.nextInt(8)];
        random.nextBytes(bytes);
        yield ByteString.copyFrom(bytes);
      }
      case ENUM -> {
        List<EnumValueDescriptor> values = f.getEnumType().getValues();
        yield random.nextInt(6) == 0
            ? f.getEnumType().findValueByNumberCreatingIfUnknown(7 + random.nextInt(3))
            : values.get(random.nextInt(values.size()));
      }
      case MESSAGE -> wellKnownOrNested(f.getMessageType(), random);
    };
  }

  private static boolean edge(Random random) {
    return random.nextInt(10) == 0;
  }

  private static String text(Random random) {
    String[] parts = {"a", "Z", "é", "€", "😀", " ", ",", "%", "\n", "ledger"};
    StringBuilder s = new StringBuilder();
    int n = random.nextInt(6);
    for (int i = 0; i < n; i++) {
      s.append(parts[random.nextInt(parts.length)]);
    }
    return s.toString();
  }

  private static DynamicMessage wellKnownOrNested(Descriptor m, Random random) {
    com.google.protobuf.Message wk =
        switch (m.getFullName()) {
          case "google.protobuf.Timestamp" ->
              com.google.protobuf.Timestamp.newBuilder()
                  .setSeconds(random.nextLong() % 9_000_000_000L)
                  .setNanos(random.nextInt(1_000_000_000))
                  .build();
          case "google.protobuf.Duration" -> {
            long seconds = random.nextLong() % 9_000_000_000L;
            int nanos = random.nextInt(1_000_000_000);
            yield com.google.protobuf.Duration.newBuilder()
                .setSeconds(seconds)
                .setNanos(seconds < 0 ? -nanos : nanos)
                .build();
          }
          case "google.protobuf.Int64Value" ->
              com.google.protobuf.Int64Value.of(random.nextLong() % 3);
          case "google.protobuf.UInt32Value" ->
              com.google.protobuf.UInt32Value.of(random.nextInt());
          case "google.protobuf.StringValue" -> com.google.protobuf.StringValue.of(text(random));
          case "google.protobuf.BytesValue" ->
              com.google.protobuf.BytesValue.of(ByteString.copyFromUtf8(text(random)));
          case "google.protobuf.BoolValue" ->
              com.google.protobuf.BoolValue.of(random.nextBoolean());
          case "google.protobuf.DoubleValue" ->
              com.google.protobuf.DoubleValue.of(random.nextDouble());
          case "google.protobuf.Struct" ->
              Struct.newBuilder()
                  .putFields(
                      "n", Value.newBuilder().setNumberValue(random.nextInt(1000) / 8.0).build())
                  .putFields("s", Value.newBuilder().setStringValue(text(random)).build())
                  .putFields("b", Value.newBuilder().setBoolValue(random.nextBoolean()).build())
                  .build();
          case "google.protobuf.Value" ->
              random.nextBoolean()
                  ? Value.newBuilder().setStringValue(text(random)).build()
                  : Value.newBuilder()
                      .setListValue(
                          com.google.protobuf.ListValue.newBuilder()
                              .addValues(Value.newBuilder().setNumberValue(random.nextInt(100))))
                      .build();
          case "google.protobuf.Any" ->
              Any.pack(
                  com.google.protobuf.Duration.newBuilder()
                      .setSeconds(random.nextInt(1000))
                      .build());
          default -> null;
        };
    if (wk != null) {
      try {
        return DynamicMessage.parseFrom(m, wk.toByteString());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    }
    return message(m, random);
  }
}
