package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.NullVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.BaseRepeatedValueVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * Arrow to Parquet: writers that feed one row of a root to a {@link RecordConsumer}, nested groups
 * and lists here, primitive values in {@link LeafWriters}; the schemas they write are {@link
 * ArrowToParquetSchema}'s.
 */
final class ParquetWrite {
  private ParquetWrite() {}

  /** Values sampled per column to judge whether a dictionary would pay. */
  private static final int DICTIONARY_SAMPLE = 4096;

  /**
   * The Parquet paths of the top-level primitive columns whose first {@value #DICTIONARY_SAMPLE}
   * non-null values are more than half distinct (by hash): a dictionary of them would be as large
   * as the values, and parquet-java would only find that out after hashing them.
   */
  static List<String> mostlyDistinct(VectorSchemaRoot root) {
    List<String> out = new ArrayList<>();
    for (FieldVector v : root.getFieldVectors()) {
      Field f = v.getField();
      if (f.getDictionary() != null || !f.getChildren().isEmpty() || v instanceof NullVector) {
        continue;
      }
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      int sampled = 0;
      int n = root.getRowCount();
      for (int i = 0; i < n && sampled < DICTIONARY_SAMPLE; i++) {
        if (!v.isNull(i)) {
          seen.add(v.hashCode(i));
          sampled++;
        }
      }
      if (sampled >= 64 && seen.size() * 2 > sampled) {
        out.add(ArrowToParquetSchema.nameOf(f));
      }
    }
    return out;
  }

  /**
   * Writes the rows of one root; built once per root and reused for its batches. Top-level
   * primitive columns are written a column at a time straight to their column writers ({@link
   * #writeFlat}); the others row by row through a record consumer of just those columns ({@link
   * #writeNested}).
   */
  static final class RowWriter {
    private final List<Column> columns = new ArrayList<>();
    private final List<Column> flat = new ArrayList<>();
    private final List<org.apache.parquet.column.ColumnDescriptor> flatColumns = new ArrayList<>();
    private final List<Column> nested = new ArrayList<>();
    private final org.apache.parquet.schema.MessageType nestedSchema;
    private final Values values = new Values();

    RowWriter(
        VectorSchemaRoot root,
        DictionaryProvider dicts,
        org.apache.parquet.schema.MessageType schema) {
      int index = 0;
      List<org.apache.parquet.schema.Type> nestedTypes = new ArrayList<>();
      for (FieldVector v : root.getFieldVectors()) {
        String name = ArrowToParquetSchema.nameOf(v.getField());
        Column c = new Column(name, index, writer(v, dicts, name));
        columns.add(c);
        org.apache.parquet.schema.Type t = schema.getType(index);
        if (t.isPrimitive()
            && !t.isRepetition(org.apache.parquet.schema.Type.Repetition.REPEATED)) {
          flat.add(c);
          flatColumns.add(schema.getColumnDescription(new String[] {t.getName()}));
        } else {
          nested.add(new Column(name, nested.size(), c.writer()));
          nestedTypes.add(t);
        }
        index++;
      }
      nestedSchema =
          nestedTypes.isEmpty()
              ? null
              : new org.apache.parquet.schema.MessageType(schema.getName(), nestedTypes);
    }

    /** The columns {@link #writeFlat} writes, in its order. */
    List<org.apache.parquet.column.ColumnDescriptor> flatColumns() {
      return flatColumns;
    }

    /** The schema of the columns {@link #writeNested} writes; null when there are none. */
    org.apache.parquet.schema.MessageType nestedSchema() {
      return nestedSchema;
    }

    /** Called before the rows of each new batch are written. */
    void prepare(int rows) {
      for (Column c : columns) {
        c.writer().prepare(rows);
      }
    }

    /**
     * Rows {@code from} to {@code to} of every top-level primitive column, a column at a time:
     * {@code writers} are those of {@link #flatColumns}.
     */
    void writeFlat(org.apache.parquet.column.ColumnWriter[] writers, int from, int to) {
      for (int k = 0; k < writers.length; k++) {
        Column c = flat.get(k);
        ValueWriter w = c.writer();
        values.column = writers[k];
        values.defined = flatColumns.get(k).getMaxDefinitionLevel();
        for (int i = from; i < to; i++) {
          if (w.isNull(i)) {
            if (values.defined == 0) {
              throw new CodecException(
                  "column '" + c.name() + "' row " + i + " is null, but its field is not nullable");
            }
            values.column.writeNull(0, 0);
          } else {
            w.write(values, i);
          }
        }
      }
    }

    /** One row of the columns of {@link #nestedSchema}, as a record of {@code rc}. */
    void writeNested(RecordConsumer rc, int row) {
      rc.startMessage();
      for (Column c : nested) {
        c.write(rc, row);
      }
      rc.endMessage();
    }
  }

  /**
   * Hands a top-level primitive's values straight to its column writer, defined at the column's
   * level; the value writers of nested columns need the record consumer's structure instead.
   */
  private static final class Values extends RecordConsumer {
    org.apache.parquet.column.ColumnWriter column;
    int defined;

    @Override
    public void addInteger(int value) {
      column.write(value, 0, defined);
    }

    @Override
    public void addLong(long value) {
      column.write(value, 0, defined);
    }

    @Override
    public void addBoolean(boolean value) {
      column.write(value, 0, defined);
    }

    @Override
    public void addBinary(Binary value) {
      column.write(value, 0, defined);
    }

    @Override
    public void addFloat(float value) {
      column.write(value, 0, defined);
    }

    @Override
    public void addDouble(double value) {
      column.write(value, 0, defined);
    }

    @Override
    public void startMessage() {
      throw new IllegalStateException("a top-level primitive has no structure");
    }

    @Override
    public void endMessage() {
      throw new IllegalStateException("a top-level primitive has no structure");
    }

    @Override
    public void startField(String field, int index) {
      throw new IllegalStateException("a top-level primitive has no structure");
    }

    @Override
    public void endField(String field, int index) {
      throw new IllegalStateException("a top-level primitive has no structure");
    }

    @Override
    public void startGroup() {
      throw new IllegalStateException("a top-level primitive has no structure");
    }

    @Override
    public void endGroup() {
      throw new IllegalStateException("a top-level primitive has no structure");
    }
  }

  /** Writes one value, known not to be null, at an index of its vector. */
  interface ValueWriter {
    void write(RecordConsumer rc, int index);

    /** Whether the value at index is null (dictionary-encoded columns look through the index). */
    boolean isNull(int index);

    /**
     * For top-level columns, before each batch: a writer may copy the batch's values to the heap in
     * one piece here, instead of value by value.
     */
    default void prepare(int rows) {}
  }

  private record Column(String name, int position, ValueWriter writer) {
    void write(RecordConsumer rc, int index) {
      if (writer.isNull(index)) {
        return;
      }
      rc.startField(name, position);
      writer.write(rc, index);
      rc.endField(name, position);
    }
  }

  private static ValueWriter writer(ValueVector v, DictionaryProvider dicts, String path) {
    Field field = v.getField();
    if (field.getDictionary() != null) {
      Dictionary d = ArrowToParquetSchema.dictionaryOf(field, dicts, path);
      BaseIntVector indices = (BaseIntVector) v;
      ValueVector values = d.getVector();
      ValueWriter inner = writer(values, dicts, path);
      return new ValueWriter() {
        @Override
        public void write(RecordConsumer rc, int index) {
          inner.write(rc, dictionaryIndex(indices, values, index, path));
        }

        @Override
        public boolean isNull(int index) {
          return v.isNull(index) || inner.isNull(dictionaryIndex(indices, values, index, path));
        }
      };
    }
    if (v instanceof ExtensionTypeVector<?> e) {
      return writer(e.getUnderlyingVector(), dicts, path);
    }
    if (v instanceof StructVector s) {
      return struct(s, dicts, path);
    }
    if (v instanceof BaseRepeatedValueVector
        || v instanceof FixedSizeListVector
        || v instanceof LargeListVector) {
      return list(v, dicts, path);
    }
    return LeafWriters.of(v, path);
  }

  private static int dictionaryIndex(
      BaseIntVector indices, ValueVector values, int index, String path) {
    long i = indices.getValueAsLong(index);
    if (i < 0 || i >= values.getValueCount()) {
      throw new CodecException(
          "column '"
              + path
              + "' row "
              + index
              + ": dictionary index "
              + i
              + " is outside the dictionary of "
              + values.getValueCount());
    }
    return (int) i;
  }

  private static ValueWriter struct(StructVector s, DictionaryProvider dicts, String path) {
    List<Column> children = new ArrayList<>();
    int position = 0;
    for (Field f : s.getField().getChildren()) {
      String name = ArrowToParquetSchema.nameOf(f);
      ValueVector child = s.getChild(f.getName());
      children.add(new Column(name, position++, writer(child, dicts, path + "." + name)));
    }
    return new ValueWriter() {
      @Override
      public void write(RecordConsumer rc, int index) {
        rc.startGroup();
        for (Column c : children) {
          c.write(rc, index);
        }
        rc.endGroup();
      }

      @Override
      public boolean isNull(int index) {
        return s.isNull(index);
      }
    };
  }

  private static ValueWriter list(ValueVector v, DictionaryProvider dicts, String path) {
    if (v instanceof MapVector m) {
      StructVector entries = (StructVector) m.getDataVector();
      List<Field> kv = entries.getField().getChildren();
      Column key =
          new Column("key", 0, writer(entries.getChild(kv.get(0).getName()), dicts, path + ".key"));
      Column value =
          new Column(
              "value", 1, writer(entries.getChild(kv.get(1).getName()), dicts, path + ".value"));
      return new Repeated(v, "key_value") {
        @Override
        void element(RecordConsumer rc, int j) {
          if (key.writer().isNull(j)) {
            throw new CodecException(path + ": map key at entry " + j + " is null");
          }
          key.write(rc, j);
          value.write(rc, j);
        }
      };
    }
    ValueVector data =
        v instanceof FixedSizeListVector f
            ? f.getDataVector()
            : v instanceof LargeListVector l ? l.getDataVector() : ((ListVector) v).getDataVector();
    Column element = new Column("element", 0, writer(data, dicts, path + ".element"));
    return new Repeated(v, "list") {
      @Override
      void element(RecordConsumer rc, int j) {
        element.write(rc, j);
      }
    };
  }

  /** A Parquet LIST or MAP: group, repeated group, element. */
  private abstract static class Repeated implements ValueWriter {
    private final ValueVector vector;
    private final String repeatedName;

    Repeated(ValueVector vector, String repeatedName) {
      this.vector = vector;
      this.repeatedName = repeatedName;
    }

    abstract void element(RecordConsumer rc, int j);

    @Override
    public boolean isNull(int index) {
      return vector.isNull(index);
    }

    @Override
    public void write(RecordConsumer rc, int index) {
      long start;
      long end;
      if (vector instanceof FixedSizeListVector f) {
        start = (long) index * f.getListSize();
        end = start + f.getListSize();
      } else if (vector instanceof LargeListVector l) {
        start = l.getOffsetBuffer().getLong((long) index * 8);
        end = l.getOffsetBuffer().getLong((long) (index + 1) * 8);
      } else {
        ArrowBuf offsets = ((ListVector) vector).getOffsetBuffer();
        start = offsets.getInt((long) index * 4);
        end = offsets.getInt((long) (index + 1) * 4);
      }
      rc.startGroup();
      if (end > start) {
        rc.startField(repeatedName, 0);
        for (long j = start; j < end; j++) {
          rc.startGroup();
          element(rc, (int) j);
          rc.endGroup();
        }
        rc.endField(repeatedName, 0);
      }
      rc.endGroup();
    }
  }
}
