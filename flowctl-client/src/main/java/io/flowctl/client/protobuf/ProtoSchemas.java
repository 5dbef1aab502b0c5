package io.flowctl.client.protobuf;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * The mapping of docs/protobuf-arrow.md, from descriptors to Arrow fields: one place, so that the
 * reader, the writer and the derived schema cannot disagree.
 */
final class ProtoSchemas {
  static final String TIMESTAMP = "google.protobuf.Timestamp";
  static final String DURATION = "google.protobuf.Duration";

  /** Well-known types carried as their proto3 JSON text. */
  static final java.util.Set<String> JSON_TYPES =
      java.util.Set.of(
          "google.protobuf.Struct",
          "google.protobuf.Value",
          "google.protobuf.ListValue",
          "google.protobuf.Any");

  /** The wrappers, each the nullable scalar it wraps. */
  static final Map<String, FieldDescriptor.Type> WRAPPERS =
      Map.of(
          "google.protobuf.DoubleValue", FieldDescriptor.Type.DOUBLE,
          "google.protobuf.FloatValue", FieldDescriptor.Type.FLOAT,
          "google.protobuf.Int64Value", FieldDescriptor.Type.INT64,
          "google.protobuf.UInt64Value", FieldDescriptor.Type.UINT64,
          "google.protobuf.Int32Value", FieldDescriptor.Type.INT32,
          "google.protobuf.UInt32Value", FieldDescriptor.Type.UINT32,
          "google.protobuf.BoolValue", FieldDescriptor.Type.BOOL,
          "google.protobuf.StringValue", FieldDescriptor.Type.STRING,
          "google.protobuf.BytesValue", FieldDescriptor.Type.BYTES);

  /** The name of a list's item field, as the Arrow format recommends. */
  static final String ITEM = "item";

  private ProtoSchemas() {}

  /** The schema of {@code type}: one column per field, in declaration order. */
  static Schema schema(Descriptor type) {
    int[] nextDictionary = {0};
    Deque<String> stack = new ArrayDeque<>();
    stack.push(type.getFullName());
    List<Field> fields = new ArrayList<>();
    for (FieldDescriptor f : type.getFields()) {
      fields.add(field(f, f.getName(), stack, nextDictionary));
    }
    return new Schema(fields);
  }

  /**
   * The schema as vectors hold it (Arrow Java's memory format): an enum column's type is its
   * dictionary's index type, the names living in the dictionary.
   */
  static Schema memoryFormat(Schema schema) {
    List<Field> fields = new ArrayList<>();
    for (Field f : schema.getFields()) {
      fields.add(memoryFormat(f));
    }
    return new Schema(fields);
  }

  private static Field memoryFormat(Field f) {
    List<Field> children = new ArrayList<>();
    for (Field c : f.getChildren()) {
      children.add(memoryFormat(c));
    }
    DictionaryEncoding d = f.getDictionary();
    FieldType type =
        d == null
            ? f.getFieldType()
            : new FieldType(f.isNullable(), d.getIndexType(), d, f.getMetadata());
    return new Field(f.getName(), type, children);
  }

  /** Whether the field's value can be absent: presence, a message, or a oneof member. */
  static boolean nullable(FieldDescriptor f) {
    return !f.isRepeated() && f.hasPresence();
  }

  private static Field field(
      FieldDescriptor f, String path, Deque<String> stack, int[] nextDictionary) {
    if (f.isMapField()) {
      Descriptor entry = f.getMessageType();
      Field key = single(entry.findFieldByNumber(1), path + ".key", stack, nextDictionary, false);
      FieldDescriptor v = entry.findFieldByNumber(2);
      Field value = single(v, path + ".value", stack, nextDictionary, nullable(v));
      Field entries =
          new Field(
              "entries",
              FieldType.notNullable(ArrowType.Struct.INSTANCE),
              List.of(rename(key, "key"), rename(value, "value")));
      return new Field(
          f.getName(), FieldType.notNullable(new ArrowType.Map(false)), List.of(entries));
    }
    if (f.isRepeated()) {
      Field item = single(f, path + "[]", stack, nextDictionary, false);
      return new Field(
          f.getName(), FieldType.notNullable(ArrowType.List.INSTANCE), List.of(rename(item, ITEM)));
    }
    return single(f, path, stack, nextDictionary, nullable(f));
  }

  private static Field rename(Field f, String name) {
    return new Field(name, f.getFieldType(), f.getChildren());
  }

  /** One value of {@code f} (an item of it, when repeated). */
  private static Field single(
      FieldDescriptor f, String path, Deque<String> stack, int[] nextDictionary, boolean nullable) {
    String name = f.getName();
    switch (f.getJavaType()) {
      case MESSAGE -> {
        Descriptor m = f.getMessageType();
        String full = m.getFullName();
        if (full.equals(TIMESTAMP)) {
          return new Field(
              name,
              new FieldType(nullable, new ArrowType.Timestamp(TimeUnit.NANOSECOND, "UTC"), null),
              null);
        }
        if (full.equals(DURATION)) {
          return new Field(
              name,
              new FieldType(nullable, new ArrowType.Duration(TimeUnit.NANOSECOND), null),
              null);
        }
        if (WRAPPERS.containsKey(full)) {
          return new Field(name, new FieldType(nullable, scalar(WRAPPERS.get(full)), null), null);
        }
        if (JSON_TYPES.contains(full)) {
          return new Field(name, new FieldType(nullable, ArrowType.Utf8.INSTANCE, null), null);
        }
        if (stack.contains(full)) {
          throw new ProtoConversionException(
              "message "
                  + full
                  + " contains itself at '"
                  + path
                  + "': a recursive message has no Arrow schema",
              -1,
              path);
        }
        stack.push(full);
        List<Field> children = new ArrayList<>();
        for (FieldDescriptor c : m.getFields()) {
          children.add(field(c, path + "." + c.getName(), stack, nextDictionary));
        }
        stack.pop();
        return new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), children);
      }
      case ENUM -> {
        DictionaryEncoding encoding =
            new DictionaryEncoding(nextDictionary[0]++, false, new ArrowType.Int(32, true));
        return new Field(name, new FieldType(nullable, ArrowType.Utf8.INSTANCE, encoding), null);
      }
      default -> {
        if (f.getType() == FieldDescriptor.Type.GROUP) {
          throw new ProtoConversionException(
              "'" + path + "' is a proto2 group, which has no Arrow mapping", -1, path);
        }
        return new Field(name, new FieldType(nullable, scalar(f.getType()), null), null);
      }
    }
  }

  static ArrowType scalar(FieldDescriptor.Type t) {
    return switch (t) {
      case INT32, SINT32, SFIXED32 -> new ArrowType.Int(32, true);
      case INT64, SINT64, SFIXED64 -> new ArrowType.Int(64, true);
      case UINT32, FIXED32 -> new ArrowType.Int(32, false);
      case UINT64, FIXED64 -> new ArrowType.Int(64, false);
      case FLOAT -> new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case DOUBLE -> new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case BOOL -> ArrowType.Bool.INSTANCE;
      case STRING -> ArrowType.Utf8.INSTANCE;
      case BYTES -> ArrowType.Binary.INSTANCE;
      default -> throw new IllegalArgumentException("not a scalar: " + t);
    };
  }
}
