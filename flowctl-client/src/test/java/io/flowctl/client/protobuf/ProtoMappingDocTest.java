package io.flowctl.client.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.arrow.vector.types.pojo.Field;
import org.junit.jupiter.api.Test;

/**
 * Pins docs/protobuf-arrow.md's mapping table: each row, as a message field, converts as it says.
 */
class ProtoMappingDocTest {
  static final Path DOC = Path.of("..", "docs", "protobuf-arrow.md");

  /** Each row's protobuf side, as a field of a one-field message. */
  private static final Map<String, Consumer<DescriptorProto.Builder>> FIELDS =
      new LinkedHashMap<>();

  static {
    FIELDS.put(
        "`int32`, `sint32`, `sfixed32`",
        scalar(Type.TYPE_INT32, Type.TYPE_SINT32, Type.TYPE_SFIXED32));
    FIELDS.put(
        "`int64`, `sint64`, `sfixed64`",
        scalar(Type.TYPE_INT64, Type.TYPE_SINT64, Type.TYPE_SFIXED64));
    FIELDS.put("`uint32`, `fixed32`", scalar(Type.TYPE_UINT32, Type.TYPE_FIXED32));
    FIELDS.put("`uint64`, `fixed64`", scalar(Type.TYPE_UINT64, Type.TYPE_FIXED64));
    FIELDS.put("`float`", scalar(Type.TYPE_FLOAT));
    FIELDS.put("`double`", scalar(Type.TYPE_DOUBLE));
    FIELDS.put("`bool`", scalar(Type.TYPE_BOOL));
    FIELDS.put("`string`", scalar(Type.TYPE_STRING));
    FIELDS.put("`bytes`", scalar(Type.TYPE_BYTES));
    FIELDS.put(
        "`optional int64`",
        m ->
            m.addOneofDecl(OneofDescriptorProto.newBuilder().setName("_f0"))
                .addField(field(Type.TYPE_INT64, 0).setProto3Optional(true).setOneofIndex(0)));
    FIELDS.put(
        "`oneof` member `string`",
        m ->
            m.addOneofDecl(OneofDescriptorProto.newBuilder().setName("choice"))
                .addField(field(Type.TYPE_STRING, 0).setOneofIndex(0))
                .addField(field(Type.TYPE_INT32, 1).setOneofIndex(0)));
    FIELDS.put("enum", m -> m.addField(field(Type.TYPE_ENUM, 0).setTypeName(".doc.Color")));
    FIELDS.put("message", m -> m.addField(field(Type.TYPE_MESSAGE, 0).setTypeName(".doc.Inner")));
    FIELDS.put(
        "`repeated int32`",
        m -> m.addField(field(Type.TYPE_INT32, 0).setLabel(Label.LABEL_REPEATED)));
    FIELDS.put(
        "`repeated` message",
        m ->
            m.addField(
                field(Type.TYPE_MESSAGE, 0)
                    .setTypeName(".doc.Inner")
                    .setLabel(Label.LABEL_REPEATED)));
    FIELDS.put(
        "`map<string, int64>`",
        m ->
            m.addNestedType(
                    DescriptorProto.newBuilder()
                        .setName("F0Entry")
                        .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                        .addField(field(Type.TYPE_STRING, 0).setName("key").setNumber(1))
                        .addField(field(Type.TYPE_INT64, 0).setName("value").setNumber(2)))
                .addField(
                    field(Type.TYPE_MESSAGE, 0)
                        .setTypeName(".doc.M.F0Entry")
                        .setLabel(Label.LABEL_REPEATED)));
    for (String wk :
        new String[] {"Timestamp", "Duration", "Int64Value", "StringValue", "Struct", "Any"}) {
      FIELDS.put(
          "`google.protobuf." + wk + "`",
          m -> m.addField(field(Type.TYPE_MESSAGE, 0).setTypeName(".google.protobuf." + wk)));
    }
  }

  private static FieldDescriptorProto.Builder field(Type type, int i) {
    return FieldDescriptorProto.newBuilder()
        .setName("f" + i)
        .setNumber(i + 1)
        .setLabel(Label.LABEL_OPTIONAL)
        .setType(type);
  }

  /** The first type's field; the others must map the same. */
  private static Consumer<DescriptorProto.Builder> scalar(Type... types) {
    return m -> {
      for (int i = 0; i < types.length; i++) {
        m.addField(field(types[i], i));
      }
    };
  }

  @Test
  void everyRowOfTheTable_isWhatTheConverterDerives() throws Exception {
    String doc = Files.readString(DOC);
    String table =
        doc.substring(
            doc.indexOf("<!-- mapping table"), doc.indexOf("<!-- end of mapping table -->"));
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : table.lines().toList()) {
      if (line.startsWith("| ") && !line.startsWith("| protobuf")) {
        String[] cells = line.split(" \\| ");
        rows.put(cells[0].substring(2).strip(), cells[1].replaceAll(" \\|$", "").strip());
      }
    }
    assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(FIELDS.keySet());
    for (Map.Entry<String, String> row : rows.entrySet()) {
      DescriptorProto.Builder m = DescriptorProto.newBuilder().setName("M");
      FIELDS.get(row.getKey()).accept(m);
      Descriptor type = build(m.build());
      for (Field f : ProtoArrow.of(type).schema().getFields()) {
        if (row.getKey().startsWith("`oneof`") && !f.getName().equals("f0")) {
          continue; // the other member
        }
        assertThat(render(f)).as(row.getKey()).isEqualTo(row.getValue());
      }
    }
  }

  private static Descriptor build(DescriptorProto message) throws Exception {
    FileDescriptorProto file =
        FileDescriptorProto.newBuilder()
            .setName("doc.proto")
            .setPackage("doc")
            .setSyntax("proto3")
            .addDependency("google/protobuf/timestamp.proto")
            .addDependency("google/protobuf/duration.proto")
            .addDependency("google/protobuf/wrappers.proto")
            .addDependency("google/protobuf/struct.proto")
            .addDependency("google/protobuf/any.proto")
            .addEnumType(
                EnumDescriptorProto.newBuilder()
                    .setName("Color")
                    .addValue(EnumValueDescriptorProto.newBuilder().setName("NONE").setNumber(0)))
            .addMessageType(
                DescriptorProto.newBuilder().setName("Inner").addField(field(Type.TYPE_BOOL, 0)))
            .addMessageType(message)
            .build();
    return FileDescriptor.buildFrom(
            file,
            new FileDescriptor[] {
              com.google.protobuf.Timestamp.getDescriptor().getFile(),
              com.google.protobuf.Duration.getDescriptor().getFile(),
              com.google.protobuf.Int64Value.getDescriptor().getFile(),
              com.google.protobuf.Struct.getDescriptor().getFile(),
              com.google.protobuf.Any.getDescriptor().getFile()
            })
        .findMessageTypeByName("M");
  }

  /** A field as the table's right column writes it. */
  static String render(Field f) {
    String nullability = f.isNullable() ? "nullable" : "not null";
    String head = "`" + f.getType() + "` " + nullability;
    if (f.getDictionary() != null) {
      return head + ", dictionary-encoded with `" + f.getDictionary().getIndexType() + "` indices";
    }
    return switch (f.getType().getTypeID()) {
      case List -> head + " of " + render(f.getChildren().get(0));
      case Map -> {
        Field entries = f.getChildren().get(0);
        yield head
            + " of `Struct` ("
            + entries.getChildren().stream()
                .map(c -> "`" + c.getName() + "` " + render(c))
                .collect(Collectors.joining(", "))
            + ")";
      }
      default -> head;
    };
  }
}
