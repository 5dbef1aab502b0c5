package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

/**
 * Arrow schemas to Parquet: the Parquet schema of an Arrow schema (the mapping is documented on
 * {@link ParquetEventCodec}), and the Arrow schema a reader gets back from what was written.
 */
final class ArrowToParquetSchema {
  private ArrowToParquetSchema() {}

  /**
   * The Parquet schema of {@code schema}. Dictionary-encoded fields are written as their values.
   *
   * @throws CodecException naming the first field that has no Parquet form
   */
  static MessageType schema(Schema schema, DictionaryProvider dictionaries) {
    if (schema.getFields().isEmpty()) {
      throw new CodecException(
          "a schema without columns has no Parquet form (Parquet has no empty files)");
    }
    List<Type> fields = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Field f : schema.getFields()) {
      fields.add(type(f, nameOf(f), "", dictionaries, names));
    }
    return new MessageType("arrow_schema", fields);
  }

  static String nameOf(Field f) {
    return f.getName() == null ? "" : f.getName();
  }

  private static Type type(
      Field f, String name, String parent, DictionaryProvider dicts, Set<String> siblings) {
    String path = parent.isEmpty() ? name : parent + "." + name;
    if (!siblings.add(name)) {
      throw new CodecException(
          "column '" + path + "': Parquet cannot hold two fields of one group with the same name");
    }
    Repetition rep = f.isNullable() ? Repetition.OPTIONAL : Repetition.REQUIRED;
    ArrowType t = valueType(f, dicts, path);
    List<Field> children = valueChildren(f, dicts);
    switch (t.getTypeID()) {
      case Struct:
        {
          if (children.isEmpty()) {
            throw new CodecException(
                "column '" + path + "': Parquet has no empty groups (a struct without fields)");
          }
          List<Type> inner = new ArrayList<>();
          Set<String> names = new HashSet<>();
          for (Field c : children) {
            inner.add(type(c, nameOf(c), path, dicts, names));
          }
          return new GroupType(rep, name, inner);
        }
      case List:
      case LargeList:
      case FixedSizeList:
        {
          Type element = type(children.get(0), "element", path, dicts, new HashSet<>());
          return Types.buildGroup(rep)
              .as(LogicalTypeAnnotation.listType())
              .addField(Types.repeatedGroup().addField(element).named("list"))
              .named(name);
        }
      case Map:
        {
          List<Field> kv = children.get(0).getChildren();
          Type key = type(kv.get(0), "key", path, dicts, new HashSet<>());
          if (key.getRepetition() != Repetition.REQUIRED) {
            key = required(key); // Parquet map keys are never null
          }
          Type value = type(kv.get(1), "value", path, dicts, new HashSet<>());
          return Types.buildGroup(rep)
              .as(LogicalTypeAnnotation.mapType())
              .addField(Types.repeatedGroup().addField(key).addField(value).named("key_value"))
              .named(name);
        }
      default:
        return primitive(t, rep, name, path);
    }
  }

  private static Type required(Type t) {
    if (t.isPrimitive()) {
      return Types.primitive(t.asPrimitiveType().getPrimitiveTypeName(), Repetition.REQUIRED)
          .length(t.asPrimitiveType().getTypeLength())
          .as(t.getLogicalTypeAnnotation())
          .named(t.getName());
    }
    return Types.buildGroup(Repetition.REQUIRED)
        .as(t.getLogicalTypeAnnotation())
        .addFields(t.asGroupType().getFields().toArray(new Type[0]))
        .named(t.getName());
  }

  private static Type primitive(ArrowType t, Repetition rep, String name, String path) {
    switch (t.getTypeID()) {
      case Null:
        return Types.primitive(PrimitiveTypeName.INT32, Repetition.OPTIONAL)
            .as(LogicalTypeAnnotation.unknownType())
            .named(name);
      case Bool:
        return Types.primitive(PrimitiveTypeName.BOOLEAN, rep).named(name);
      case Int:
        {
          ArrowType.Int i = (ArrowType.Int) t;
          PrimitiveTypeName p =
              i.getBitWidth() == 64 ? PrimitiveTypeName.INT64 : PrimitiveTypeName.INT32;
          return Types.primitive(p, rep)
              .as(LogicalTypeAnnotation.intType(i.getBitWidth(), i.getIsSigned()))
              .named(name);
        }
      case FloatingPoint:
        switch (((ArrowType.FloatingPoint) t).getPrecision()) {
          case HALF:
            return Types.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep)
                .length(2)
                .as(LogicalTypeAnnotation.float16Type())
                .named(name);
          case SINGLE:
            return Types.primitive(PrimitiveTypeName.FLOAT, rep).named(name);
          default:
            return Types.primitive(PrimitiveTypeName.DOUBLE, rep).named(name);
        }
      case Utf8:
      case LargeUtf8:
      case Utf8View:
        return Types.primitive(PrimitiveTypeName.BINARY, rep)
            .as(LogicalTypeAnnotation.stringType())
            .named(name);
      case Binary:
      case LargeBinary:
      case BinaryView:
        return Types.primitive(PrimitiveTypeName.BINARY, rep).named(name);
      case FixedSizeBinary:
        {
          int width = ((ArrowType.FixedSizeBinary) t).getByteWidth();
          if (width < 1) {
            throw new CodecException(
                "column '"
                    + path
                    + "': "
                    + t
                    + " has no Parquet form (FIXED_LEN_BYTE_ARRAY holds"
                    + " at least one byte)");
          }
          return Types.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep)
              .length(width)
              .named(name);
        }
      case Decimal:
        {
          ArrowType.Decimal d = (ArrowType.Decimal) t;
          // Checked before decimalBytes: a damaged schema may declare any precision.
          int most = d.getBitWidth() == 256 ? 76 : 38;
          if (d.getPrecision() < 1
              || d.getPrecision() > most
              || d.getScale() < 0
              || d.getScale() > d.getPrecision()) {
            throw new CodecException(
                "column '"
                    + path
                    + "': "
                    + t
                    + " has no Parquet form (DECIMAL takes a precision of 1 to "
                    + most
                    + " for "
                    + d.getBitWidth()
                    + "-bit values and a scale of 0 to the precision)");
          }
          return Types.primitive(PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY, rep)
              .length(decimalBytes(d.getPrecision()))
              .as(LogicalTypeAnnotation.decimalType(d.getScale(), d.getPrecision()))
              .named(name);
        }
      case Date:
        return Types.primitive(PrimitiveTypeName.INT32, rep)
            .as(LogicalTypeAnnotation.dateType())
            .named(name);
      case Time:
        {
          ArrowType.Time time = (ArrowType.Time) t;
          TimeUnit u = time.getUnit();
          PrimitiveTypeName p =
              u == TimeUnit.SECOND || u == TimeUnit.MILLISECOND
                  ? PrimitiveTypeName.INT32
                  : PrimitiveTypeName.INT64;
          return Types.primitive(p, rep)
              .as(LogicalTypeAnnotation.timeType(true, parquetUnit(u)))
              .named(name);
        }
      case Timestamp:
        {
          ArrowType.Timestamp ts = (ArrowType.Timestamp) t;
          return Types.primitive(PrimitiveTypeName.INT64, rep)
              .as(
                  LogicalTypeAnnotation.timestampType(
                      ts.getTimezone() != null, parquetUnit(ts.getUnit())))
              .named(name);
        }
      case Duration:
        return Types.primitive(PrimitiveTypeName.INT64, rep).named(name);
      default:
        throw new CodecException(
            "column '" + path + "': Arrow type " + t + " has no Parquet form in this codec");
    }
  }

  /** Parquet has no seconds: they are written as milliseconds. */
  static LogicalTypeAnnotation.TimeUnit parquetUnit(TimeUnit u) {
    return switch (u) {
      case SECOND, MILLISECOND -> LogicalTypeAnnotation.TimeUnit.MILLIS;
      case MICROSECOND -> LogicalTypeAnnotation.TimeUnit.MICROS;
      case NANOSECOND -> LogicalTypeAnnotation.TimeUnit.NANOS;
    };
  }

  /** The fewest bytes that hold every unscaled value of a decimal of this precision. */
  static int decimalBytes(int precision) {
    int bytes = 1;
    java.math.BigInteger max = java.math.BigInteger.TEN.pow(precision);
    while (java.math.BigInteger.ONE.shiftLeft(8 * bytes - 1).compareTo(max) < 0) {
      bytes++;
    }
    return bytes;
  }

  private static ArrowType valueType(Field f, DictionaryProvider dicts, String path) {
    if (f.getDictionary() == null) {
      return f.getType() instanceof ArrowType.ExtensionType e ? e.storageType() : f.getType();
    }
    return dictionaryOf(f, dicts, path).getVectorType();
  }

  private static List<Field> valueChildren(Field f, DictionaryProvider dicts) {
    if (f.getDictionary() == null) {
      return f.getChildren();
    }
    return dictionaryOf(f, dicts, f.getName()).getVector().getField().getChildren();
  }

  static Dictionary dictionaryOf(Field f, DictionaryProvider dicts, String path) {
    long id = f.getDictionary().getId();
    Dictionary d = dicts == null ? null : dicts.lookup(id);
    if (d == null) {
      throw new CodecException(
          "column '" + path + "' is dictionary-encoded but dictionary " + id + " was not given");
    }
    return d;
  }

  /**
   * The Arrow schema a reader gets back from a file written from {@code messageFormat} (a schema in
   * IPC message format): the same, with dictionary-encoded fields holding their values directly.
   */
  static Schema readBack(Schema messageFormat) {
    List<Field> fields = new ArrayList<>();
    for (Field f : messageFormat.getFields()) {
      fields.add(readBack(f));
    }
    return new Schema(fields, messageFormat.getCustomMetadata());
  }

  private static Field readBack(Field f) {
    List<Field> out = new ArrayList<>(f.getChildren().size());
    for (Field c : f.getChildren()) {
      out.add(readBack(c));
    }
    Map<String, String> meta = f.getMetadata();
    return new Field(
        f.getName(),
        new org.apache.arrow.vector.types.pojo.FieldType(
            f.isNullable(), f.getType(), null, meta.isEmpty() ? null : meta),
        out);
  }
}
