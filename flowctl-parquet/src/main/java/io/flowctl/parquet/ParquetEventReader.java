package io.flowctl.parquet;

import io.flowctl.client.codec.BatchReader;
import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.internal.MetadataChecks;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * Reads the record batches of one Parquet event: row groups are cut into batches of at most the
 * codec's {@code batchRows} rows, each decoded straight into the reader's root. Ownership as for
 * every {@link BatchReader}. Not thread-safe.
 */
public final class ParquetEventReader implements BatchReader {
  private final BufferAllocator allocator;
  private final ParquetFileReader file;
  private final MessageColumnIO columns;
  private final VectorSchemaRoot root;
  private final ParquetRead.Materializer materializer;
  private final Schema schema;
  private final ArrowMetadata metadata;
  private final boolean hasMetadata;
  private final long fileRows;
  private final int batchRows;
  private final long limit;
  private final CodecMetrics metrics;
  private final long payloadBytes;
  private RecordReader<Void> records;
  private final boolean flat;
  private final ParquetRead.Materializer.Plan plan;
  private final MessageType parquet;
  private final String createdBy;
  private ParquetRead.Materializer.Columns columnar;
  private long leftInGroup;
  private int group = -1;
  private long rows;
  private int batches;
  private long nanos;
  private boolean finished;

  private ParquetEventReader(
      BufferAllocator allocator,
      ParquetFileReader file,
      VectorSchemaRoot root,
      ParquetRead.Materializer materializer,
      MessageType parquet,
      Event event,
      long fileRows,
      int batchRows,
      long limit,
      CodecMetrics metrics,
      long openNanos,
      boolean columnar) {
    this.allocator = allocator;
    this.file = file;
    this.columns = new ColumnIOFactory().getColumnIO(parquet);
    this.parquet = parquet;
    this.flat = columnar && materializer.flat(parquet);
    this.plan = columnar ? materializer.plan(parquet) : null;
    this.createdBy = file.getFileMetaData().getCreatedBy();
    this.root = root;
    this.materializer = materializer;
    this.schema = root.getSchema();
    this.metadata = event.getArrowMetadata();
    this.hasMetadata = event.hasArrowMetadata();
    this.fileRows = fileRows;
    this.batchRows = batchRows;
    this.limit = limit;
    this.metrics = metrics;
    this.payloadBytes = event.getPayload().size();
    this.nanos = openNanos;
  }

  /**
   * {@code columnar}: read top-level primitives from their pages and assemble records of the other
   * fields only (the default); false assembles whole records, for tests that compare the two.
   */
  static ParquetEventReader open(
      Event event,
      BufferAllocator parent,
      long limit,
      int batchRows,
      org.apache.arrow.vector.types.TimeUnit int96,
      CodecMetrics metrics,
      boolean columnar) {
    long start = System.nanoTime();
    String where = "event '" + event.getEventType() + "'";
    if (event.getPayload().isEmpty()) {
      throw new CodecException(where + " has an empty payload");
    }
    ByteBuffer bytes = event.getPayload().asReadOnlyByteBuffer();
    FileMetaData footer = ParquetBytes.footer(bytes, where);
    ParquetBytes.checkPages(bytes, footer, limit, where);
    ParquetFileReader file;
    try {
      file =
          ParquetFileReader.open(
              ParquetBytes.input(bytes),
              new ParquetReadOptions.Builder(new PlainParquetConfiguration())
                  .usePageChecksumVerification(true)
                  .withCodecFactory(new PageCodecs())
                  .build());
    } catch (IOException | RuntimeException e) {
      throw new CodecException(where + ": unreadable Parquet footer (" + reason(e) + ")", e);
    }
    BufferAllocator child = parent.newChildAllocator("flowctl-parquet-decode", 0, limit);
    try {
      MessageType parquet = file.getFileMetaData().getSchema();
      VectorSchemaRoot root = null;
      ParquetRead.Materializer materializer = null;
      Schema stored = ParquetSchemas.stored(footer);
      if (stored != null) {
        root = VectorSchemaRoot.create(ArrowToParquetSchema.readBack(stored), child);
        try {
          materializer = new ParquetRead.Materializer(root, parquet);
        } catch (CodecException mismatch) {
          // The stored Arrow schema does not fit the Parquet columns: convert those instead.
          root.close();
          root = null;
        }
      }
      if (root == null) {
        root = VectorSchemaRoot.create(ParquetSchemas.converted(footer, where, int96), child);
        try {
          materializer = new ParquetRead.Materializer(root, parquet);
        } catch (RuntimeException e) {
          root.close();
          throw e;
        }
      }
      ParquetEventReader r =
          new ParquetEventReader(
              child,
              file,
              root,
              materializer,
              parquet,
              event,
              ParquetBytes.rows(footer),
              batchRows,
              limit,
              metrics,
              System.nanoTime() - start,
              columnar);
      try {
        r.checkSchemaAgainstMetadata();
      } catch (RuntimeException e) {
        r.close();
        throw e;
      }
      return r;
    } catch (CodecException e) {
      closeQuietly(file);
      child.close();
      throw e;
    } catch (RuntimeException e) {
      closeQuietly(file);
      child.close();
      throw new CodecException(where + ": " + reason(e), e);
    }
  }

  private void checkSchemaAgainstMetadata() {
    if (hasMetadata) {
      MetadataChecks.schema(schema, metadata, "the Parquet payload's Arrow schema");
    }
  }

  /** How many top-level columns are read from their pages (0: all by record assembly). */
  int pageColumns() {
    return plan == null ? 0 : materializer.pageColumns(parquet);
  }

  @Override
  public Schema schema() {
    return schema;
  }

  @Override
  public ArrowMetadata metadata() {
    return metadata;
  }

  @Override
  public boolean loadNextBatch() {
    if (finished) {
      return false;
    }
    long start = System.nanoTime();
    int n;
    try {
      refill();
      materializer.reset();
      while (materializer.rows() < batchRows) {
        if (leftInGroup == 0 && !nextGroup()) {
          break;
        }
        if (plan != null) {
          int take = (int) Math.min(leftInGroup, batchRows - materializer.rows());
          columnar.read(take);
          leftInGroup -= take;
        } else {
          records.read();
          leftInGroup--;
        }
      }
      n = materializer.rows();
      root.setRowCount(n);
    } catch (CodecException e) {
      throw e;
    } catch (OutOfMemoryException e) {
      throw new CodecException(
          "row group " + group + " needs more than the decode limit of " + limit + " bytes", e);
    } catch (IOException | RuntimeException e) {
      throw new CodecException("row group " + group + " is malformed: " + reason(e), e);
    }
    nanos += System.nanoTime() - start;
    if (n == 0) {
      finished = true;
      root.clear();
      if (metrics != null) {
        metrics.decoded(batches, rows, payloadBytes, nanos);
      }
      if (rows != fileRows) {
        throw new CodecException(
            "the Parquet row groups hold " + rows + " rows but their metadata says " + fileRows);
      }
      if (hasMetadata) {
        MetadataChecks.rows(rows, metadata);
      }
      return false;
    }
    rows += n;
    batches++;
    return true;
  }

  /**
   * Empties the root for the next batch. A flat root whose buffers nobody else holds keeps them and
   * is overwritten in place (allocating and faulting in fresh memory for every batch cost more than
   * decoding it); otherwise, or when a consumer retained or took a buffer, it gets new ones.
   */
  private void refill() {
    if (flat && batches > 0 && ownsAllBuffers()) {
      for (var v : root.getFieldVectors()) {
        v.reset();
      }
      return;
    }
    root.clear();
    if (plan != null) {
      var vectors = root.getFieldVectors();
      for (int i = 0; i < vectors.size(); i++) {
        if (materializer.readsFromPages(parquet, i)) {
          vectors.get(i).setInitialCapacity(batchRows);
        }
      }
    }
    root.allocateNew();
  }

  /**
   * Whether each buffer is referenced by this root's vectors only (a vector's slices share one).
   */
  private boolean ownsAllBuffers() {
    var uses = new java.util.IdentityHashMap<org.apache.arrow.memory.ReferenceManager, Integer>();
    for (var v : root.getFieldVectors()) {
      var buffers = v.getBuffers(false);
      if (buffers.length == 0) {
        return false;
      }
      for (var b : buffers) {
        if (b.capacity() == 0) {
          return false;
        }
        uses.merge(b.getReferenceManager(), 1, Integer::sum);
      }
    }
    for (var e : uses.entrySet()) {
      if (e.getKey().getRefCount() != e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private boolean nextGroup() throws IOException {
    while (true) {
      PageReadStore pages = file.readNextRowGroup();
      group++;
      if (pages == null) {
        return false;
      }
      if (pages.getRowCount() > 0) {
        if (plan != null) {
          columnar = materializer.columns(pages, plan, createdBy);
        } else {
          records = columns.getRecordReader(pages, materializer);
        }
        leftInGroup = pages.getRowCount();
        return true;
      }
    }
  }

  @Override
  public VectorSchemaRoot root() {
    return root;
  }

  @Override
  public DictionaryProvider dictionaries() {
    return new DictionaryProvider.MapDictionaryProvider();
  }

  @Override
  public long rowsRead() {
    return rows;
  }

  @Override
  public int batchesRead() {
    return batches;
  }

  @Override
  public long allocatedBytes() {
    return allocator.getAllocatedMemory();
  }

  @Override
  public void close() {
    try {
      root.close();
    } finally {
      closeQuietly(file);
      allocator.close();
    }
  }

  private static void closeQuietly(ParquetFileReader file) {
    try {
      file.close();
    } catch (IOException | RuntimeException ignored) {
      // an in-memory file: nothing to release but parquet's own buffers
    }
  }

  private static String reason(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null
        && t.getMessage() != null
        && t.getMessage().equals(t.getCause().toString())) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.lines().findFirst().orElse("");
  }
}
