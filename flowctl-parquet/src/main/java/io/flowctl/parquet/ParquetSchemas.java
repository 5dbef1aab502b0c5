package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import io.flowctl.ipc.ArrowIpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.format.ConvertedType;
import org.apache.parquet.format.FieldRepetitionType;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.format.KeyValue;
import org.apache.parquet.format.LogicalType;
import org.apache.parquet.format.SchemaElement;
import org.apache.parquet.format.Util;

/**
 * The Arrow schema of a Parquet file, read from its footer alone. When the writer stored its Arrow
 * schema (the {@code ARROW:schema} key that Arrow C++, Rust and others write), that schema is used
 * as is; otherwise the Parquet schema is converted, column by column:
 *
 * <table>
 *   <caption>Parquet to Arrow</caption>
 *   <tr><th>Parquet</th><th>Arrow</th></tr>
 *   <tr><td>BOOLEAN</td><td>bool</td></tr>
 *   <tr><td>INT32, INT64 (also INTEGER(bits, signed) / INT_n, UINT_n)</td><td>int of that width
 *       and sign</td></tr>
 *   <tr><td>INT96</td><td>timestamp(µs), no zone (legacy Impala/Spark timestamps: nanoseconds
 *       overflow for dates Spark writes, so digits below a microsecond are dropped; {@link
 *       ParquetEventCodec.Builder#int96Unit} picks another unit)</td></tr>
 *   <tr><td>FLOAT, DOUBLE; FIXED_LEN_BYTE_ARRAY(2) FLOAT16</td><td>float32, float64; float16</td></tr>
 *   <tr><td>BYTE_ARRAY STRING/UTF8, ENUM, JSON</td><td>utf8</td></tr>
 *   <tr><td>BYTE_ARRAY (also BSON)</td><td>binary</td></tr>
 *   <tr><td>FIXED_LEN_BYTE_ARRAY(n) (also UUID)</td><td>fixed_size_binary(n)</td></tr>
 *   <tr><td>DECIMAL(p, s) on INT32, INT64, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY</td><td>decimal128(p, s),
 *       decimal256 above precision 38</td></tr>
 *   <tr><td>DATE</td><td>date32</td></tr>
 *   <tr><td>TIME(ms), TIME(µs), TIME(ns)</td><td>time32(ms), time64(µs), time64(ns)</td></tr>
 *   <tr><td>TIMESTAMP(unit, adjusted to UTC)</td><td>timestamp(unit, "UTC"), no zone when not
 *       adjusted</td></tr>
 *   <tr><td>UNKNOWN (always null)</td><td>null</td></tr>
 *   <tr><td>group LIST (three-level and the legacy two-level forms), repeated fields without
 *       annotation</td><td>list</td></tr>
 *   <tr><td>group MAP / MAP_KEY_VALUE</td><td>map</td></tr>
 *   <tr><td>other groups</td><td>struct</td></tr>
 * </table>
 *
 * <p>REQUIRED fields are non-nullable, OPTIONAL ones nullable. INTERVAL, VARIANT, GEOMETRY and
 * GEOGRAPHY have no Arrow type here: they are a {@link CodecException} naming the column.
 */
public final class ParquetSchemas {
  private static final byte[] MAGIC = {'P', 'A', 'R', '1'};

  /** Larger footers are refused before they are read. */
  static final int MAX_FOOTER = 64 << 20;

  private ParquetSchemas() {}

  /** Whether the bytes start like a Parquet file. */
  public static boolean isParquet(byte[] head) {
    return head.length >= 4
        && head[0] == MAGIC[0]
        && head[1] == MAGIC[1]
        && head[2] == MAGIC[2]
        && head[3] == MAGIC[3];
  }

  /**
   * The Arrow schema of a Parquet file, from its footer.
   *
   * @throws CodecException when the footer is missing, oversized or corrupt, or a column has no
   *     Arrow type
   */
  public static Schema read(Path file) {
    return fromFooter(footer(file), file.toString(), TimeUnit.MICROSECOND);
  }

  /** The page compression codecs a Parquet file's column chunks use, lower case (e.g. snappy). */
  public static java.util.Set<String> compressionCodecs(Path file) {
    return compressionCodecs(footer(file));
  }

  static java.util.Set<String> compressionCodecs(FileMetaData meta) {
    java.util.Set<String> codecs = new java.util.TreeSet<>();
    if (meta.isSetRow_groups()) {
      for (org.apache.parquet.format.RowGroup rg : meta.getRow_groups()) {
        for (org.apache.parquet.format.ColumnChunk c : rg.getColumns()) {
          if (c.isSetMeta_data() && c.getMeta_data().getCodec() != null) {
            codecs.add(c.getMeta_data().getCodec().name().toLowerCase(java.util.Locale.ROOT));
          }
        }
      }
    }
    return codecs;
  }

  /** The Arrow schema a footer describes: its stored {@code ARROW:schema}, or the converted one. */
  static Schema fromFooter(FileMetaData meta, String where, TimeUnit int96) {
    Schema arrow = stored(meta);
    return arrow != null ? arrow : converted(meta, where, int96);
  }

  /** The Arrow schema the writer stored under {@code ARROW:schema}; null if none or unreadable. */
  static Schema stored(FileMetaData meta) {
    String base64 = keyValues(meta).get("ARROW:schema");
    return base64 == null ? null : storedArrowSchema(base64);
  }

  /**
   * The Parquet schema converted to Arrow, ignoring any stored Arrow schema; INT96 columns become
   * timestamps of unit {@code int96}.
   */
  static Schema converted(FileMetaData meta, String where, TimeUnit int96) {
    Map<String, String> keyValues = keyValues(meta);
    keyValues.remove("ARROW:schema");
    return convert(meta.getSchema(), keyValues, where, int96);
  }

  private static Map<String, String> keyValues(FileMetaData meta) {
    Map<String, String> keyValues = new LinkedHashMap<>();
    if (meta.isSetKey_value_metadata()) {
      for (KeyValue kv : meta.getKey_value_metadata()) {
        keyValues.put(kv.getKey(), kv.getValue());
      }
    }
    return keyValues;
  }

  /** Converts a Parquet schema (the footer's flattened element list) to an Arrow schema. */
  static Schema convert(
      List<SchemaElement> elements, Map<String, String> metadata, String where, TimeUnit int96) {
    if (elements == null || elements.isEmpty()) {
      throw new CodecException(where + ": the Parquet footer has no schema");
    }
    int[] next = {1};
    int children = elements.get(0).getNum_children();
    List<Field> fields = new ArrayList<>(children);
    for (int i = 0; i < children; i++) {
      fields.add(field(elements, next, "", where, int96));
    }
    if (next[0] != elements.size()) {
      throw new CodecException(
          where
              + ": the Parquet schema lists "
              + elements.size()
              + " elements, its tree "
              + next[0]);
    }
    return new Schema(fields, metadata.isEmpty() ? null : metadata);
  }

  /** A converted field; for a repeated field, also the element it repeats. */
  private record Converted(Field field, Field repeatedElement) {}

  private static Field field(
      List<SchemaElement> all, int[] next, String parent, String where, TimeUnit int96) {
    return convertField(all, next, parent, where, int96).field();
  }

  private static Converted convertField(
      List<SchemaElement> all, int[] next, String parent, String where, TimeUnit int96) {
    if (next[0] >= all.size()) {
      throw new CodecException(
          where + ": the Parquet schema tree is truncated under '" + parent + "'");
    }
    SchemaElement e = all.get(next[0]++);
    String name = e.getName();
    String path = parent.isEmpty() ? name : parent + "." + name;
    FieldRepetitionType rep =
        e.isSetRepetition_type() ? e.getRepetition_type() : FieldRepetitionType.REQUIRED;
    Field inner;
    if (e.isSetNum_children() && e.getNum_children() > 0) {
      List<Converted> children = new ArrayList<>(e.getNum_children());
      for (int i = 0; i < e.getNum_children(); i++) {
        children.add(convertField(all, next, path, where, int96));
      }
      inner = group(e, name, rep, children, path, where);
    } else if (e.isSetNum_children() || !e.isSetType()) {
      // A group without children is an empty struct.
      inner =
          new Field(
              name,
              new FieldType(rep != FieldRepetitionType.REQUIRED, ArrowType.Struct.INSTANCE, null),
              List.of());
    } else {
      inner =
          new Field(
              name,
              new FieldType(
                  rep == FieldRepetitionType.OPTIONAL, primitive(e, path, where, int96), null),
              null);
    }
    if (rep != FieldRepetitionType.REPEATED) {
      return new Converted(inner, null);
    }
    Field element =
        new Field(name, new FieldType(false, inner.getType(), null), inner.getChildren());
    if (isAnnotatedContainer(e)) {
      // A repeated LIST or MAP group (legacy nesting): the element is the container itself.
      return new Converted(inner, element);
    }
    // An unannotated repeated field is a non-null list of non-null elements.
    return new Converted(
        new Field(name, new FieldType(false, ArrowType.List.INSTANCE, null), List.of(element)),
        element);
  }

  private static boolean isAnnotatedContainer(SchemaElement e) {
    return isList(e) || isMap(e);
  }

  private static boolean isList(SchemaElement e) {
    return (e.isSetLogicalType() && e.getLogicalType().isSetLIST())
        || (e.isSetConverted_type() && e.getConverted_type() == ConvertedType.LIST);
  }

  private static boolean isMap(SchemaElement e) {
    return (e.isSetLogicalType() && e.getLogicalType().isSetMAP())
        || (e.isSetConverted_type()
            && (e.getConverted_type() == ConvertedType.MAP
                || e.getConverted_type() == ConvertedType.MAP_KEY_VALUE));
  }

  private static Field group(
      SchemaElement e,
      String name,
      FieldRepetitionType rep,
      List<Converted> converted,
      String path,
      String where) {
    boolean nullable = rep == FieldRepetitionType.OPTIONAL;
    if (isList(e) && converted.size() == 1) {
      Converted child = converted.get(0);
      Field repeated = child.field();
      Field element = child.repeatedElement() != null ? child.repeatedElement() : repeated;
      // Three levels: list > repeated group > element. Two (legacy): the repeated group or
      // primitive is itself the element; writers mark it by the name "array" or "<list>_tuple",
      // or by giving the group more than one field.
      boolean threeLevel =
          child.repeatedElement() != null
              && element.getType() instanceof ArrowType.Struct
              && element.getChildren().size() == 1
              && !repeated.getName().equals("array")
              && !repeated.getName().equals(name + "_tuple");
      if (threeLevel) {
        element = element.getChildren().get(0);
      }
      Field item = new Field("element", element.getFieldType(), element.getChildren());
      return new Field(name, new FieldType(nullable, ArrowType.List.INSTANCE, null), List.of(item));
    }
    if (isMap(e) && converted.size() == 1) {
      Converted child = converted.get(0);
      Field kv = child.repeatedElement() != null ? child.repeatedElement() : child.field();
      if (!(kv.getType() instanceof ArrowType.Struct)
          || kv.getChildren().isEmpty()
          || kv.getChildren().size() > 2) {
        throw new CodecException(
            where + ": Parquet map '" + path + "' is not a group of key and value");
      }
      Field key = kv.getChildren().get(0);
      List<Field> entries = new ArrayList<>();
      entries.add(new Field("key", new FieldType(false, key.getType(), null), key.getChildren()));
      if (kv.getChildren().size() == 2) {
        Field value = kv.getChildren().get(1);
        entries.add(new Field("value", value.getFieldType(), value.getChildren()));
      } else {
        entries.add(new Field("value", FieldType.nullable(ArrowType.Null.INSTANCE), null));
      }
      Field struct =
          new Field("entries", FieldType.notNullable(ArrowType.Struct.INSTANCE), entries);
      return new Field(
          name, new FieldType(nullable, new ArrowType.Map(false), null), List.of(struct));
    }
    List<Field> children = new ArrayList<>(converted.size());
    for (Converted c : converted) {
      children.add(c.field());
    }
    return new Field(name, new FieldType(nullable, ArrowType.Struct.INSTANCE, null), children);
  }

  private static ArrowType primitive(SchemaElement e, String path, String where, TimeUnit int96) {
    LogicalType lt = e.isSetLogicalType() ? e.getLogicalType() : null;
    ConvertedType ct = e.isSetConverted_type() ? e.getConverted_type() : null;
    if (lt != null && (lt.isSetVARIANT() || lt.isSetGEOMETRY() || lt.isSetGEOGRAPHY())) {
      throw unmapped(e, path, where, lt.getSetField().getFieldName());
    }
    if (ct == ConvertedType.INTERVAL) {
      throw unmapped(e, path, where, "INTERVAL");
    }
    if (lt != null && lt.isSetUNKNOWN()) {
      return ArrowType.Null.INSTANCE;
    }
    if ((lt != null && lt.isSetDECIMAL()) || ct == ConvertedType.DECIMAL) {
      int precision =
          lt != null && lt.isSetDECIMAL() ? lt.getDECIMAL().getPrecision() : e.getPrecision();
      int scale = lt != null && lt.isSetDECIMAL() ? lt.getDECIMAL().getScale() : e.getScale();
      return new ArrowType.Decimal(precision, scale, precision > 38 ? 256 : 128);
    }
    switch (e.getType()) {
      case BOOLEAN:
        return ArrowType.Bool.INSTANCE;
      case INT32:
      case INT64:
        {
          int bits = e.getType() == org.apache.parquet.format.Type.INT32 ? 32 : 64;
          if (lt != null && lt.isSetINTEGER()) {
            return new ArrowType.Int(lt.getINTEGER().getBitWidth(), lt.getINTEGER().isIsSigned());
          }
          if (lt != null && lt.isSetDATE() || ct == ConvertedType.DATE) {
            return new ArrowType.Date(DateUnit.DAY);
          }
          if (lt != null && lt.isSetTIME()) {
            TimeUnit u = unit(lt.getTIME().getUnit());
            return new ArrowType.Time(u, u == TimeUnit.MILLISECOND ? 32 : 64);
          }
          if (ct == ConvertedType.TIME_MILLIS) {
            return new ArrowType.Time(TimeUnit.MILLISECOND, 32);
          }
          if (ct == ConvertedType.TIME_MICROS) {
            return new ArrowType.Time(TimeUnit.MICROSECOND, 64);
          }
          if (lt != null && lt.isSetTIMESTAMP()) {
            return new ArrowType.Timestamp(
                unit(lt.getTIMESTAMP().getUnit()),
                lt.getTIMESTAMP().isIsAdjustedToUTC() ? "UTC" : null);
          }
          if (ct == ConvertedType.TIMESTAMP_MILLIS) {
            return new ArrowType.Timestamp(TimeUnit.MILLISECOND, "UTC");
          }
          if (ct == ConvertedType.TIMESTAMP_MICROS) {
            return new ArrowType.Timestamp(TimeUnit.MICROSECOND, "UTC");
          }
          if (ct != null) {
            switch (ct) {
              case INT_8:
                return new ArrowType.Int(8, true);
              case INT_16:
                return new ArrowType.Int(16, true);
              case INT_32:
                return new ArrowType.Int(32, true);
              case INT_64:
                return new ArrowType.Int(64, true);
              case UINT_8:
                return new ArrowType.Int(8, false);
              case UINT_16:
                return new ArrowType.Int(16, false);
              case UINT_32:
                return new ArrowType.Int(32, false);
              case UINT_64:
                return new ArrowType.Int(64, false);
              default:
                break;
            }
          }
          return new ArrowType.Int(bits, true);
        }
      case INT96:
        return new ArrowType.Timestamp(int96, null);
      case FLOAT:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
      case DOUBLE:
        return new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
      case BYTE_ARRAY:
        if ((lt != null && (lt.isSetSTRING() || lt.isSetENUM() || lt.isSetJSON()))
            || ct == ConvertedType.UTF8
            || ct == ConvertedType.ENUM
            || ct == ConvertedType.JSON) {
          return ArrowType.Utf8.INSTANCE;
        }
        return ArrowType.Binary.INSTANCE;
      case FIXED_LEN_BYTE_ARRAY:
        if (lt != null && lt.isSetFLOAT16()) {
          return new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
        }
        if (!e.isSetType_length() || e.getType_length() <= 0) {
          throw new CodecException(
              where + ": Parquet column '" + path + "' is a FIXED_LEN_BYTE_ARRAY without a length");
        }
        return new ArrowType.FixedSizeBinary(e.getType_length());
      default:
        throw unmapped(e, path, where, String.valueOf(e.getType()));
    }
  }

  private static TimeUnit unit(org.apache.parquet.format.TimeUnit u) {
    if (u.isSetMILLIS()) {
      return TimeUnit.MILLISECOND;
    }
    return u.isSetMICROS() ? TimeUnit.MICROSECOND : TimeUnit.NANOSECOND;
  }

  private static CodecException unmapped(SchemaElement e, String path, String where, String what) {
    return new CodecException(
        where
            + ": Parquet column '"
            + path
            + "' of type "
            + what
            + " ("
            + e.getType()
            + ") has no Arrow type");
  }

  private static Schema storedArrowSchema(String base64) {
    try {
      byte[] ipc = Base64.getDecoder().decode(base64);
      // Arrow C++ stores the IPC message with its continuation and length prefix.
      return ArrowIpc.readSchema(ipc);
    } catch (RuntimeException e) {
      return null; // unreadable: fall back to converting the Parquet schema
    }
  }

  private static FileMetaData footer(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 12) {
        throw new CodecException(file + ": too short for a Parquet file (" + size + " bytes)");
      }
      ByteBuffer tail = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(tail, size - 8);
      byte[] magic = new byte[4];
      tail.position(4);
      tail.get(magic);
      if (!isParquet(magic)) {
        throw new CodecException(file + ": no Parquet footer (the file does not end with PAR1)");
      }
      long length = Integer.toUnsignedLong(tail.getInt(0));
      if (length > size - 12 || length > MAX_FOOTER) {
        throw new CodecException(
            file
                + ": the Parquet footer declares "
                + length
                + " bytes in a "
                + size
                + "-byte file");
      }
      ByteBuffer footer = ByteBuffer.allocate((int) length);
      ch.read(footer, size - 8 - length);
      return Util.readFileMetaData(new ByteArrayInputStream(footer.array()));
    } catch (CodecException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new CodecException(file + ": corrupt Parquet footer (" + e.getMessage() + ")", e);
    }
  }
}
