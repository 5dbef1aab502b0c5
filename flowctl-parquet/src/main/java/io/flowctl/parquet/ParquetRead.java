package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.ExtensionTypeVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.NullVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * Parquet to Arrow: converters that append each record parquet-column assembles straight into the
 * vectors of an Arrow root. One slot per Arrow vector; a slot that saw no value between its
 * parent's start and end gets a null (that is how Parquet says "null").
 *
 * <p>Why this file is long: it is one engine behind {@link ParquetEventReader}. Every group slot
 * (structs, lists, maps, repeated fields, nulls) obeys the same start/end protocol of
 * parquet-column's converters and the same null and repetition rules, and each is small; the
 * primitive slots of each physical and logical type are {@link LeafSlots}.
 */
final class ParquetRead {
  private ParquetRead() {}

  /** Records assembled by parquet-column into the slots under {@code root}; no record objects. */
  private abstract static class Assembly<R extends GroupConverter>
      extends RecordMaterializer<Void> {
    final R root;

    Assembly(R root) {
      this.root = root;
    }

    @Override
    public Void getCurrentRecord() {
      return null;
    }

    @Override
    public GroupConverter getRootConverter() {
      return root;
    }
  }

  /** Feeds records into {@code root}; {@link #rows()} counts those of the current batch. */
  static final class Materializer extends Assembly<Root> {
    Materializer(VectorSchemaRoot arrow, MessageType parquet) {
      super(new Root(arrow, parquet));
    }

    int rows() {
      return root.rows;
    }

    /** Starts a new batch in the (cleared and reallocated) root. */
    void reset() {
      root.reset();
    }

    /**
     * Whether top-level field {@code i} is read from its pages ({@link ColumnChunkReader}): a
     * primitive that is not repeated, filling a plain leaf slot.
     */
    private boolean fromPages(MessageType parquet, int i) {
      Type t = parquet.getType(i);
      return root.byParquetIndex[i] instanceof LeafSlots.LeafSlot
          && t.isPrimitive()
          && !t.isRepetition(Type.Repetition.REPEATED);
    }

    /** How many top-level fields are read from their pages, the rest by record assembly. */
    int pageColumns(MessageType parquet) {
      int n = 0;
      for (int i = 0; i < parquet.getFieldCount(); i++) {
        n += fromPages(parquet, i) ? 1 : 0;
      }
      return n;
    }

    /** Whether every column is read from its pages (then batches may reuse their buffers). */
    boolean flat(MessageType parquet) {
      return pageColumns(parquet) == parquet.getFieldCount();
    }

    /** Whether top-level field {@code i} is read from its pages. */
    boolean readsFromPages(MessageType parquet, int i) {
      return fromPages(parquet, i);
    }

    /**
     * How row groups are read a column at a time: top-level primitives straight from their pages,
     * the other fields by parquet-column's record assembly of just those fields.
     */
    Plan plan(MessageType parquet) {
      List<Type> nested = new ArrayList<>();
      List<Slot> nestedSlots = new ArrayList<>();
      List<org.apache.parquet.column.ColumnDescriptor> flat = new ArrayList<>();
      List<LeafSlots.LeafSlot> flatSlots = new ArrayList<>();
      for (int i = 0; i < parquet.getFieldCount(); i++) {
        Type t = parquet.getType(i);
        if (fromPages(parquet, i)) {
          flat.add(parquet.getColumnDescription(new String[] {t.getName()}));
          flatSlots.add((LeafSlots.LeafSlot) root.byParquetIndex[i]);
        } else {
          nested.add(t);
          nestedSlots.add(root.byParquetIndex[i]);
        }
      }
      MessageColumnIO io = null;
      if (!nested.isEmpty()) {
        io =
            new org.apache.parquet.io.ColumnIOFactory()
                .getColumnIO(new MessageType(parquet.getName(), nested), parquet);
      }
      return new Plan(flat, flatSlots, io, new Part(nestedSlots));
    }

    /** What {@link #plan} chose; {@link #columns} applies it to each row group. */
    static final class Plan {
      private final List<org.apache.parquet.column.ColumnDescriptor> flat;
      private final List<LeafSlots.LeafSlot> flatSlots;
      private final MessageColumnIO nested;
      private final Part part;

      private Plan(
          List<org.apache.parquet.column.ColumnDescriptor> flat,
          List<LeafSlots.LeafSlot> flatSlots,
          MessageColumnIO nested,
          Part part) {
        this.flat = flat;
        this.flatSlots = flatSlots;
        this.nested = nested;
        this.part = part;
      }
    }

    /** The columns of one row group, read as {@code plan} says. */
    Columns columns(
        org.apache.parquet.column.page.PageReadStore pages, Plan plan, String createdBy) {
      return new Columns(pages, plan, createdBy);
    }

    /**
     * A row group read a column at a time: each flat column's values go straight from its pages to
     * its slot (the same conversions as record assembly, without assembling records; a value below
     * the column's definition level is a null), and the nested fields' records are assembled from
     * their own columns only.
     */
    final class Columns {
      private final ColumnChunkReader[] columns;
      private final org.apache.parquet.io.RecordReader<Void> records;
      private final Part part;

      private Columns(
          org.apache.parquet.column.page.PageReadStore pages, Plan plan, String createdBy) {
        columns = new ColumnChunkReader[plan.flat.size()];
        for (int i = 0; i < columns.length; i++) {
          var d = plan.flat.get(i);
          columns[i] =
              new ColumnChunkReader(d, pages.getPageReader(d), plan.flatSlots.get(i), createdBy);
        }
        part = plan.part;
        records = plan.nested == null ? null : plan.nested.getRecordReader(pages, part);
      }

      /** Appends the next {@code n} rows of every column to the batch. */
      void read(int n) {
        for (ColumnChunkReader c : columns) {
          c.read(n);
        }
        if (records != null) {
          part.root.rows = 0;
          for (int i = 0; i < n; i++) {
            records.read();
          }
          if (part.root.rows != n) {
            throw new CodecException(
                "the nested columns gave "
                    + part.root.rows
                    + " records where the row group has "
                    + n);
          }
        }
        root.rows += n;
      }
    }
  }

  /** The record assembly of the fields not read from their pages: a root over just those. */
  private static final class Part extends Assembly<Part.PartRoot> {
    Part(List<Slot> slots) {
      super(new PartRoot(slots));
    }

    private static final class PartRoot extends Fields {
      int rows;

      PartRoot(List<Slot> slots) {
        byParquetIndex = slots.toArray(new Slot[0]);
        all.addAll(slots);
      }

      @Override
      void ended() {
        rows++;
      }
    }
  }

  /**
   * A group's converter: hands each Parquet field to its slot and tells every slot where a value of
   * the group starts and ends; {@link #ended} is what the group itself does then.
   */
  private abstract static class Fields extends GroupConverter {
    Slot[] byParquetIndex;
    final List<Slot> all = new ArrayList<>();

    abstract void ended();

    @Override
    public Converter getConverter(int fieldIndex) {
      return byParquetIndex[fieldIndex].converter();
    }

    @Override
    public void start() {
      for (Slot s : all) {
        s.parentStart();
      }
    }

    @Override
    public void end() {
      for (Slot s : all) {
        s.parentEnd();
      }
      ended();
    }
  }

  private static final class Root extends Fields {
    int rows;

    Root(VectorSchemaRoot arrow, MessageType parquet) {
      List<FieldVector> vectors = arrow.getFieldVectors();
      if (vectors.size() != parquet.getFieldCount()) {
        throw new CodecException(
            "the Arrow schema has "
                + vectors.size()
                + " columns, the Parquet schema "
                + parquet.getFieldCount());
      }
      byParquetIndex = new Slot[parquet.getFieldCount()];
      for (int i = 0; i < byParquetIndex.length; i++) {
        Type t = parquet.getType(i);
        Slot s = slot(vectors.get(i), t, t.getName());
        byParquetIndex[i] = s;
        all.add(s);
      }
    }

    void reset() {
      rows = 0;
      for (Slot s : all) {
        s.reset();
      }
    }

    @Override
    void ended() {
      rows++;
    }
  }

  /** One Arrow vector fed by one Parquet field. */
  abstract static class Slot {
    final String path;
    int count;
    boolean seen;

    Slot(String path) {
      this.path = path;
    }

    abstract Converter converter();

    abstract void appendNull();

    void parentStart() {
      seen = false;
    }

    void parentEnd() {
      if (!seen) {
        appendNull();
      }
    }

    void reset() {
      count = 0;
    }

    CodecException mismatch(String what) {
      return new CodecException("column '" + path + "': " + what);
    }
  }

  private static Slot slot(ValueVector v, Type t, String path) {
    if (v instanceof ExtensionTypeVector<?> e) {
      return slot(e.getUnderlyingVector(), t, path);
    }
    if (t.isRepetition(Type.Repetition.REPEATED)) {
      // A repeated field outside a LIST group: a non-null list of non-null elements.
      if (!(v instanceof ListVector list)) {
        throw new CodecException(
            "column '" + path + "': a repeated Parquet field needs an Arrow list, not " + type(v));
      }
      return new RepeatedSlot(list, element(list.getDataVector(), t, path), path);
    }
    if (v instanceof StructVector s) {
      if (t.isPrimitive()) {
        throw new CodecException("column '" + path + "': a Parquet primitive cannot fill a struct");
      }
      return new StructSlot(s, t.asGroupType(), path);
    }
    if (v instanceof ListVector
        || v instanceof LargeListVector
        || v instanceof FixedSizeListVector) {
      if (t.isPrimitive()) {
        throw new CodecException("column '" + path + "': a Parquet primitive cannot fill a list");
      }
      return listSlot((FieldVector) v, t.asGroupType(), path);
    }
    if (!t.isPrimitive()) {
      throw new CodecException(
          "column '" + path + "': a Parquet group cannot fill an Arrow " + type(v));
    }
    return LeafSlots.of(v, t.asPrimitiveType(), path);
  }

  static String type(ValueVector v) {
    return v.getField().getType().toString();
  }

  /** A slot for the element of a repeated field: the field itself, required. */
  private static Slot element(ValueVector data, Type repeated, String path) {
    String p = path + ".element";
    if (repeated.isPrimitive()) {
      return LeafSlots.of(data, repeated.asPrimitiveType(), p);
    }
    if (data instanceof StructVector s) {
      return new StructSlot(s, repeated.asGroupType(), p);
    }
    if (data instanceof ListVector
        || data instanceof LargeListVector
        || data instanceof FixedSizeListVector) {
      return listSlot((FieldVector) data, repeated.asGroupType(), p);
    }
    throw new CodecException(
        "column '" + p + "': a repeated Parquet group cannot fill an Arrow " + type(data));
  }

  private static Slot listSlot(FieldVector v, GroupType g, String path) {
    if (g.getFieldCount() != 1 || !g.getType(0).isRepetition(Type.Repetition.REPEATED)) {
      throw new CodecException(
          "column '" + path + "': a Parquet list or map group holds one repeated field");
    }
    Type repeated = g.getType(0);
    ValueVector data =
        v instanceof FixedSizeListVector f
            ? f.getDataVector()
            : v instanceof LargeListVector l ? l.getDataVector() : ((ListVector) v).getDataVector();
    boolean map = v instanceof org.apache.arrow.vector.complex.MapVector;
    boolean threeLevel =
        !map
            && !repeated.isPrimitive()
            && repeated.asGroupType().getFieldCount() == 1
            && repeated.getLogicalTypeAnnotation() == null
            && !repeated.getName().equals("array")
            && !repeated.getName().equals(g.getName() + "_tuple");
    if (threeLevel) {
      Type elementType = repeated.asGroupType().getType(0);
      Slot element = slot(data, elementType, path + ".element");
      return new ListSlot(v, element, new ElementGroup(element), path);
    }
    Slot element = element(data, repeated, path);
    return new ListSlot(v, element, element.converter(), path);
  }

  /** The middle level of a three-level list: one element per start/end. */
  private static final class ElementGroup extends GroupConverter {
    private final Slot element;

    ElementGroup(Slot element) {
      this.element = element;
    }

    @Override
    public Converter getConverter(int fieldIndex) {
      return element.converter();
    }

    @Override
    public void start() {
      element.parentStart();
    }

    @Override
    public void end() {
      element.parentEnd();
    }
  }

  private static final class StructSlot extends Slot {
    private final StructVector vector;
    private final Fields converter;

    StructSlot(StructVector vector, GroupType g, String path) {
      super(path);
      this.vector = vector;
      this.converter =
          new Fields() {
            @Override
            void ended() {
              vector.setIndexDefined(count++);
              seen = true;
            }
          };
      List<Slot> all = converter.all;
      List<FieldVector> children = vector.getChildrenFromFields();
      if (children.size() < g.getFieldCount()) {
        throw mismatch(
            "the Arrow struct has "
                + children.size()
                + " fields, the Parquet group "
                + g.getFieldCount());
      }
      Slot[] byParquetIndex = new Slot[g.getFieldCount()];
      for (int i = 0; i < children.size(); i++) {
        FieldVector child = children.get(i);
        Slot s;
        if (i < g.getFieldCount()) {
          Type t = g.getType(i);
          s = slot(child, t, path + "." + t.getName());
          byParquetIndex[i] = s;
        } else if (child instanceof NullVector n) {
          s = new NullSlot(n, path + "." + child.getName()); // e.g. a map without values
        } else {
          throw mismatch("the Arrow field '" + child.getName() + "' has no Parquet column");
        }
        all.add(s);
      }
      this.converter.byParquetIndex = byParquetIndex;
    }

    @Override
    Converter converter() {
      return converter;
    }

    @Override
    void appendNull() {
      for (Slot s : converter.all) {
        s.appendNull();
      }
      vector.setNull(count++);
    }

    @Override
    void reset() {
      super.reset();
      for (Slot s : converter.all) {
        s.reset();
      }
    }
  }

  /** A LIST or MAP group: its start and end bound one list value. */
  private static final class ListSlot extends Slot {
    private final FieldVector vector;
    private final Slot element;
    private final GroupConverter converter;
    private int first;

    ListSlot(FieldVector vector, Slot element, Converter repeated, String path) {
      super(path);
      this.vector = vector;
      this.element = element;
      this.converter =
          new GroupConverter() {
            @Override
            public Converter getConverter(int fieldIndex) {
              return repeated;
            }

            @Override
            public void start() {
              first = element.count;
            }

            @Override
            public void end() {
              endValue(element.count - first);
              seen = true;
            }
          };
    }

    private void endValue(int size) {
      if (vector instanceof FixedSizeListVector f) {
        if (size != f.getListSize()) {
          throw mismatch(
              "a fixed-size list of " + f.getListSize() + " holds " + size + " elements here");
        }
        f.startNewValue(count);
      } else if (vector instanceof LargeListVector l) {
        l.startNewValue(count);
        l.endValue(count, size);
      } else {
        ListVector l = (ListVector) vector;
        l.startNewValue(count);
        l.endValue(count, size);
      }
      count++;
    }

    @Override
    Converter converter() {
      return converter;
    }

    @Override
    void appendNull() {
      if (vector instanceof FixedSizeListVector f) {
        for (int i = 0; i < f.getListSize(); i++) {
          element.appendNull();
        }
        endValue(f.getListSize());
      } else {
        endValue(0);
      }
      if (vector instanceof FixedSizeListVector f) {
        f.setNull(count - 1);
      } else if (vector instanceof LargeListVector l) {
        l.setNull(count - 1);
      } else {
        ((ListVector) vector).setNull(count - 1);
      }
    }

    @Override
    void reset() {
      super.reset();
      element.reset();
    }
  }

  /** A repeated field without a LIST group: every occurrence within the parent is one element. */
  private static final class RepeatedSlot extends Slot {
    private final ListVector vector;
    private final Slot element;
    private int first;

    RepeatedSlot(ListVector vector, Slot element, String path) {
      super(path);
      this.vector = vector;
      this.element = element;
    }

    @Override
    Converter converter() {
      return element.converter();
    }

    @Override
    void parentStart() {
      first = element.count;
    }

    @Override
    void parentEnd() {
      vector.startNewValue(count);
      vector.endValue(count, element.count - first);
      count++;
    }

    @Override
    void appendNull() {
      vector.startNewValue(count);
      vector.endValue(count, 0); // an absent repeated field is an empty list
      count++;
    }

    @Override
    void reset() {
      super.reset();
      element.reset();
    }
  }

  private static final class NullSlot extends Slot {
    NullSlot(NullVector vector, String path) {
      super(path);
    }

    @Override
    Converter converter() {
      return new PrimitiveConverter() {};
    }

    @Override
    void appendNull() {
      count++;
    }
  }
}
