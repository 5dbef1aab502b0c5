package io.flowctl.schema;

import io.flowctl.schema.ProjectionPlan.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.ValueVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.compare.Range;
import org.apache.arrow.vector.compare.RangeEqualsVisitor;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.LargeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.arrow.vector.dictionary.Dictionary;
import org.apache.arrow.vector.dictionary.DictionaryEncoder;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.DictionaryEncoding;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.TransferPair;

/**
 * Turns batches written with one schema into batches of a reader schema, for exactly the pairs that
 * {@link CompatibilityChecker#canRead} accepts: columns are matched by name and reordered, missing
 * nullable columns are filled with nulls, types are widened per the widening table, and
 * dictionaries are decoded or encoded. Any other pair is refused when the projector is created,
 * with the checker's reasons.
 *
 * <p>A projector is immutable and thread-safe; build one per (writer, reader) pair and reuse it for
 * every batch. Output vectors come from the allocator passed to {@link #project}; unchanged columns
 * share (reference-counted) buffers with the input, so the allocator must belong to the same root
 * allocator as the input batch.
 *
 * <p>The plan (one node per reader field, by kind) is made once per pair by {@code ProjectionPlan};
 * this class runs it over each batch ({@code Run}), one builder per kind, and the widening of
 * primitive values, which needs no plan, is {@link WideningConversions}.
 */
public final class SchemaProjector {
  private final Schema writer;
  private final Schema reader;
  private final CompatibilityResult verdict;
  private final List<ProjectionPlan.Node> columns;

  private SchemaProjector(Schema writer, Schema reader, CompatibilityResult verdict) {
    this.writer = writer;
    this.reader = reader;
    this.verdict = verdict;
    this.columns = ProjectionPlan.of(writer, reader);
  }

  /** A projector under the default rules. */
  public static SchemaProjector create(Schema writer, Schema reader) {
    return create(writer, reader, CompatibilityRules.defaults());
  }

  /**
   * A projector from {@code writer} to {@code reader}.
   *
   * @throws IncompatibleSchemaException when the reader cannot read the writer's data under {@code
   *     rules}; the exception carries the checker's full verdict
   */
  public static SchemaProjector create(Schema writer, Schema reader, CompatibilityRules rules) {
    Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(reader, "reader");
    CompatibilityChecker checker = CompatibilityChecker.of(rules);
    CompatibilityResult verdict = checker.check(writer, reader);
    if (!verdict.level().backward()) {
      // Stated as the writer changed the schema the reader expects.
      String changes = CompatibilityChecker.describe(checker.whyCannotRead(reader, writer));
      throw new IncompatibleSchemaException(
          "the reader schema cannot read data of the writer schema: " + changes, verdict, changes);
    }
    return new SchemaProjector(writer, reader, verdict);
  }

  public Schema writerSchema() {
    return writer;
  }

  public Schema readerSchema() {
    return reader;
  }

  /** The checker's verdict (old = writer, new = reader) this projector was built on. */
  public CompatibilityResult verdict() {
    return verdict;
  }

  /**
   * Projects one batch of the writer schema.
   *
   * @param batch a batch whose schema (in message or memory format, see {@link ArrowSchemas}) is
   *     structurally the writer schema; not modified, not closed
   * @param dictionaries the writer's dictionaries (may be null when no field is encoded)
   * @param allocator where output vectors are allocated (same root as {@code batch})
   * @return a new batch owned by the caller
   * @throws SchemaException when the batch does not have the writer schema, or a value cannot be
   *     represented in the reader type (a timestamp outside the finer unit's range)
   */
  public OwnedBatch project(
      VectorSchemaRoot batch, DictionaryProvider dictionaries, BufferAllocator allocator) {
    Objects.requireNonNull(batch, "batch");
    Objects.requireNonNull(allocator, "allocator");
    // A root from an ArrowReader is in memory format; compare value types, not index types.
    Schema actual =
        dictionaries == null
            ? batch.getSchema()
            : ArrowSchemas.messageFormat(batch.getSchema(), dictionaries);
    if (!SchemaFingerprints.structural(actual).equals(SchemaFingerprints.structural(writer))) {
      throw new SchemaException(
          "the batch's schema is not the projector's writer schema: "
              + SchemaFingerprints.structural(actual)
              + " vs "
              + SchemaFingerprints.structural(writer));
    }
    Run run = new Run(dictionaries, allocator, batch.getRowCount());
    List<FieldVector> out = new ArrayList<>(columns.size());
    try {
      for (Node column : columns) {
        ValueVector src = column.writerIndex() < 0 ? null : batch.getVector(column.writerIndex());
        out.add(
            run.build(column, src, batch.getRowCount(), FieldPath.of(column.reader().getName())));
      }
      List<Field> fields = new ArrayList<>(out.size());
      for (FieldVector v : out) {
        fields.add(v.getField());
      }
      VectorSchemaRoot root = new VectorSchemaRoot(fields, out, batch.getRowCount());
      return new OwnedBatch(root, run.outDictionaries);
    } catch (RuntimeException e) {
      run.closeQuietly(out);
      throw e;
    }
  }

  // ---- execution ----

  /** State of one {@link #project} call. */
  private final class Run {
    final DictionaryProvider inDictionaries;
    final BufferAllocator allocator;
    final DictionaryProvider.MapDictionaryProvider outDictionaries =
        new DictionaryProvider.MapDictionaryProvider();
    final Set<Long> built = new HashSet<>();

    Run(DictionaryProvider inDictionaries, BufferAllocator allocator, int rows) {
      this.inDictionaries = inDictionaries;
      this.allocator = allocator;
    }

    FieldVector build(Node n, ValueVector src, int rows, FieldPath path) {
      return switch (n.kind()) {
        case NULLS -> nullsVector(n.reader(), rows);
        case TRANSFER -> transfer(src, n.writer(), n.reader());
        case STRUCT -> struct(n, (StructVector) src, rows, path);
        case LIST -> list(n, src, rows, path);
        case FIXED_LIST -> fixedList(n, (FixedSizeListVector) src, rows, path);
        case PRIMITIVE -> WideningConversions.convert(src, n.reader(), allocator, path);
        case DICT_COPY -> dictCopy(n, src, rows, path);
        case DECODE_ENCODE -> decodeEncode(n, src, rows, path);
      };
    }

    FieldVector nullsVector(Field field, int rows) {
      FieldVector v = memoryFormat(field).createVector(allocator);
      try {
        v.setInitialCapacity(Math.max(rows, 1));
        v.allocateNew();
        v.setValueCount(rows);
        emptyDictionaries(List.of(field));
        return v;
      } catch (RuntimeException e) {
        v.close();
        throw e;
      }
    }

    /** Encoded fields in a column of nulls still need a dictionary, empty, to be written. */
    void emptyDictionaries(List<Field> fields) {
      for (Field f : fields) {
        DictionaryEncoding d = f.getDictionary();
        if (d != null && built.add(d.getId())) {
          FieldVector dict = ProjectionPlan.valueField(f).createVector(allocator);
          dict.allocateNew();
          dict.setValueCount(0);
          outDictionaries.put(new Dictionary(dict, d));
        }
        emptyDictionaries(f.getChildren());
      }
    }

    /**
     * Shares the column's buffers (reference counted) with a new vector of the reader's field, the
     * way IPC unloads and loads a batch. Split transfers are not exact for every layout in Arrow
     * Java 19: unions lose values, and a struct holding a fixed-size list cannot be a transfer
     * target at all.
     */
    FieldVector transfer(ValueVector src, Field w, Field r) {
      FieldVector in = (FieldVector) src;
      int rows = in.getValueCount();
      // Buffers are counted by the field types, so dictionary-encoded fields are described by
      // their index types here, as IPC does.
      VectorSchemaRoot view = new VectorSchemaRoot(List.of(indexTyped(w)), List.of(in), rows);
      FieldVector out = memoryFormat(r).createVector(allocator);
      try (org.apache.arrow.vector.ipc.message.ArrowRecordBatch batch =
          new org.apache.arrow.vector.VectorUnloader(view).getRecordBatch()) {
        VectorSchemaRoot target = new VectorSchemaRoot(List.of(indexTyped(r)), List.of(out), 0);
        new org.apache.arrow.vector.VectorLoader(target).load(batch);
      } catch (RuntimeException e) {
        out.close();
        throw e;
      }
      copyNestedDictionaries(w.getChildren(), r.getChildren());
      return out;
    }

    /** Dictionaries of encoded fields nested below an unchanged column. */
    void copyNestedDictionaries(List<Field> ws, List<Field> rs) {
      for (int i = 0; i < Math.min(ws.size(), rs.size()); i++) {
        Field w = ws.get(i);
        Field r = rs.get(i);
        if (w.getDictionary() != null && r.getDictionary() != null) {
          copyDictionary(
              w,
              r,
              ProjectionPlan.node(ProjectionPlan.valueField(w), ProjectionPlan.valueField(r), 0));
        }
        copyNestedDictionaries(w.getChildren(), r.getChildren());
      }
    }

    void copyDictionary(Field w, Field r, Node values) {
      long rid = r.getDictionary().getId();
      if (!built.add(rid)) {
        return;
      }
      Dictionary in = lookup(w);
      FieldVector converted =
          build(values, in.getVector(), in.getVector().getValueCount(), FieldPath.of(r.getName()));
      outDictionaries.put(new Dictionary(converted, r.getDictionary()));
    }

    Dictionary lookup(Field w) {
      long id = w.getDictionary().getId();
      Dictionary d = inDictionaries == null ? null : inDictionaries.lookup(id);
      if (d == null) {
        throw new SchemaException(
            "column '"
                + w.getName()
                + "' is dictionary-encoded with id "
                + id
                + " but no dictionary with that id was provided");
      }
      return d;
    }

    FieldVector dictCopy(Node n, ValueVector src, int rows, FieldPath path) {
      copyDictionary(n.writer(), n.reader(), n.values());
      return rename(build(n.indices(), src, rows, path), memoryFormat(n.reader()));
    }

    FieldVector decodeEncode(Node n, ValueVector src, int rows, FieldPath path) {
      ValueVector plain = src;
      boolean ownsPlain = false;
      if (n.writer().getDictionary() != null) {
        plain = DictionaryEncoder.decode(src, lookup(n.writer()), allocator);
        ownsPlain = true;
      }
      try {
        FieldVector values = build(n.values(), plain, rows, path);
        if (n.reader().getDictionary() == null) {
          return values;
        }
        try (values) {
          return encode(values, n.reader(), rows);
        }
      } finally {
        if (ownsPlain) {
          plain.close();
        }
      }
    }

    /** Builds a dictionary of the distinct non-null values, in first-seen order, and encodes. */
    FieldVector encode(FieldVector values, Field readerField, int rows) {
      DictionaryEncoding encoding = readerField.getDictionary();
      FieldVector dict = ProjectionPlan.valueField(readerField).createVector(allocator);
      boolean handedOver = false;
      try {
        dict.allocateNew();
        Map<Integer, List<Integer>> byHash = new HashMap<>();
        int size = 0;
        RangeEqualsVisitor equal = new RangeEqualsVisitor(dict, values);
        for (int i = 0; i < rows; i++) {
          if (values.isNull(i)) {
            continue;
          }
          int h = values.hashCode(i);
          List<Integer> candidates = byHash.computeIfAbsent(h, k -> new ArrayList<>(1));
          boolean found = false;
          for (int d : candidates) {
            if (equal.rangeEquals(new Range(d, i, 1))) {
              found = true;
              break;
            }
          }
          if (!found) {
            dict.copyFromSafe(i, size, values);
            candidates.add(size);
            size++;
            dict.setValueCount(size);
          }
        }
        dict.setValueCount(size);
        Dictionary dictionary = new Dictionary(dict, encoding);
        FieldVector indices = (FieldVector) DictionaryEncoder.encode(values, dictionary);
        long id = encoding.getId();
        if (built.add(id)) {
          outDictionaries.put(dictionary);
          handedOver = true;
        }
        return rename(indices, memoryFormat(readerField));
      } finally {
        if (!handedOver) {
          dict.close();
        }
      }
    }

    FieldVector struct(Node n, StructVector src, int rows, FieldPath path) {
      StructVector out =
          new StructVector(
              withoutChildren(n.reader()),
              allocator,
              null,
              org.apache.arrow.vector.complex.AbstractStructVector.ConflictPolicy.CONFLICT_APPEND,
              true);
      try {
        // setNull/setIndexDefined grow only the validity buffer; allocateNew would also allocate
        // (and empty) the children transferred in below.
        for (int j = 0; j < n.children().size(); j++) {
          Node c = n.children().get(j);
          ValueVector child = c.writerIndex() < 0 ? null : src.getChildByOrdinal(c.writerIndex());
          FieldVector built = build(c, child, rows, path.child(c.reader().getName()));
          try (built) {
            FieldVector slot =
                out.addOrGet(
                    c.reader().getName(), built.getField().getFieldType(), FieldVector.class);
            built.makeTransferPair(slot).transfer();
          }
        }
        for (int i = 0; i < rows; i++) {
          if (src.isNull(i)) {
            out.setNull(i);
          } else {
            out.setIndexDefined(i);
          }
        }
        out.setValueCount(rows);
        return out;
      } catch (RuntimeException e) {
        out.close();
        throw e;
      }
    }

    /** A container of the reader field with no child yet; Field.createVector insists on them. */
    FieldVector childless(Field r) {
      return r.getFieldType().createNewSingleVector(r.getName(), allocator, null);
    }

    FieldVector list(Node n, ValueVector src, int rows, FieldPath path) {
      FieldVector out = childless(n.reader());
      try {
        // Allocate before the child arrives: allocating a list allocates (and empties) its child.
        out.setInitialCapacity(Math.max(rows, 1));
        allocateValidity(out, rows);
        Node element = n.children().get(0);
        ValueVector srcData =
            src instanceof LargeListVector l
                ? l.getDataVector()
                : ((ListVector) src).getDataVector();
        FieldVector data =
            build(element, srcData, srcData.getValueCount(), path.child(FieldPath.ELEMENT));
        out.initializeChildrenFromFields(List.of(data.getField()));
        ValueVector outData =
            out instanceof LargeListVector l
                ? l.getDataVector()
                : ((ListVector) out).getDataVector();
        data.makeTransferPair(outData).transfer();
        data.close();
        ArrowBuf srcOffsets = ((FieldVector) src).getOffsetBuffer();
        ArrowBuf outOffsets = out.getOffsetBuffer();
        boolean srcLarge = src instanceof LargeListVector;
        boolean outLarge = out instanceof LargeListVector;
        for (int i = 0; i <= rows; i++) {
          long offset = srcLarge ? srcOffsets.getLong(8L * i) : srcOffsets.getInt(4L * i);
          if (outLarge) {
            outOffsets.setLong(8L * i, offset);
          } else {
            outOffsets.setInt(4L * i, Math.toIntExact(offset));
          }
        }
        copyValidity(src, out, rows);
        if (out instanceof LargeListVector l) {
          l.setLastSet(rows - 1);
        } else {
          ((ListVector) out).setLastSet(rows - 1);
        }
        out.setValueCount(rows);
        return out;
      } catch (RuntimeException e) {
        out.close();
        throw e;
      }
    }

    FieldVector fixedList(Node n, FixedSizeListVector src, int rows, FieldPath path) {
      FixedSizeListVector out = (FixedSizeListVector) childless(n.reader());
      try {
        FieldVector data =
            build(
                n.children().get(0),
                src.getDataVector(),
                src.getDataVector().getValueCount(),
                path.child(FieldPath.ELEMENT));
        out.initializeChildrenFromFields(List.of(data.getField()));
        data.makeTransferPair(out.getDataVector()).transfer();
        data.close();
        // As for structs: grow only the validity buffer, never reallocate the child.
        for (int i = 0; i < rows; i++) {
          if (src.isNull(i)) {
            out.setNull(i);
          } else {
            out.setNotNull(i);
          }
        }
        out.setValueCount(rows);
        return out;
      } catch (RuntimeException e) {
        out.close();
        throw e;
      }
    }

    void closeQuietly(List<FieldVector> vectors) {
      List<AutoCloseable> all = new ArrayList<>(vectors);
      for (long id : outDictionaries.getDictionaryIds()) {
        all.add(outDictionaries.lookup(id).getVector());
      }
      try {
        AutoCloseables.close(all);
      } catch (Exception ignored) {
        // the original failure matters more
      }
    }
  }

  private static void allocateValidity(FieldVector out, int rows) {
    out.allocateNew();
    while (out.getValueCapacity() < rows) {
      out.reAlloc();
    }
  }

  private static void copyValidity(ValueVector src, FieldVector out, int rows) {
    ArrowBuf validity = out.getValidityBuffer();
    for (int i = 0; i < rows; i++) {
      BitVectorHelper.setValidityBit(validity, i, src.isNull(i) ? 0 : 1);
    }
  }

  /** The field by the buffers it holds: dictionary-encoded fields typed by their index. */
  private static Field indexTyped(Field f) {
    if (f.getDictionary() != null) {
      return new Field(
          f.getName(),
          new FieldType(f.isNullable(), TypeRules.indexType(f.getDictionary()), null),
          null);
    }
    List<Field> children = new ArrayList<>(f.getChildren().size());
    for (Field c : f.getChildren()) {
      children.add(indexTyped(c));
    }
    return new Field(f.getName(), f.getFieldType(), children);
  }

  /**
   * An encoded field as Arrow readers describe it in a root: typed by its index, the value type
   * left to the dictionary (see {@link ArrowSchemas}).
   */
  private static Field memoryFormat(Field f) {
    if (f.getDictionary() == null) {
      List<Field> children = new ArrayList<>(f.getChildren().size());
      for (Field c : f.getChildren()) {
        children.add(memoryFormat(c));
      }
      return new Field(f.getName(), f.getFieldType(), children);
    }
    return new Field(
        f.getName(),
        new FieldType(
            f.isNullable(),
            TypeRules.indexType(f.getDictionary()),
            f.getDictionary(),
            f.getMetadata()),
        null);
  }

  /** The reader field without children: containers get their converted children afterwards. */
  private static Field withoutChildren(Field r) {
    return new Field(r.getName(), r.getFieldType(), null);
  }

  private static FieldVector rename(FieldVector v, Field target) {
    if (v.getField().getName().equals(target.getName())
        && Objects.equals(v.getField().getDictionary(), target.getDictionary())) {
      return v;
    }
    TransferPair tp = v.getTransferPair(target, v.getAllocator());
    tp.transfer();
    v.close();
    return (FieldVector) tp.getTo();
  }
}
