package io.flowctl.parquet;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * A Parquet file written from Arrow batches on parquet-java's file, page and column writers, in
 * place of its {@code ParquetWriter}: that one shreds every value of every row through a record
 * consumer, where a top-level primitive column has no structure to shred. Here those columns go a
 * slice of rows at a time straight to their column writers, and only struct, list and map columns
 * pass through a record consumer (of just those columns). Row groups end at a row count or at
 * {@link #ROW_GROUP_BYTES} buffered, as in parquet-java.
 */
final class ColumnarFileWriter {
  /** Rows written column by column before the record side catches up and page sizes are checked. */
  private static final int SLICE = 4096;

  /** parquet-java's default row group size. */
  static final long ROW_GROUP_BYTES = 128L << 20;

  private final ParquetFileWriter file;
  private final MessageType schema;
  private final ParquetProperties props;
  private final PageCodecs codecs;
  private final BytesInputCompressor compressor;
  private final long rowGroupRows;
  private final ParquetWrite.RowWriter rows;
  private final MessageColumnIO nestedColumns;
  private final ColumnWriter[] flatWriters;
  private ColumnChunkPageWriteStore pages;
  private ColumnWriteStore store;
  private RecordConsumer nested;
  private long inGroup;
  private int ordinal;

  ColumnarFileWriter(
      OutputFile out,
      MessageType schema,
      ParquetProperties props,
      PageCodecs codecs,
      org.apache.parquet.hadoop.metadata.CompressionCodecName codec,
      long rowGroupRows,
      ParquetWrite.RowWriter rows)
      throws IOException {
    this.schema = schema;
    this.props = props;
    this.codecs = codecs;
    this.compressor = codecs.getCompressor(codec);
    this.rowGroupRows = rowGroupRows;
    this.rows = rows;
    this.nestedColumns =
        rows.nestedSchema() == null
            ? null
            : new ColumnIOFactory().getColumnIO(rows.nestedSchema(), schema);
    this.flatWriters = new ColumnWriter[rows.flatColumns().size()];
    this.file =
        new ParquetFileWriter(
            out, schema, ParquetFileWriter.Mode.CREATE, ROW_GROUP_BYTES, 0, null, props);
    file.start();
  }

  /** Writes rows {@code from} to {@code to} of the root, ending row groups as they fill. */
  void write(int from, int to) throws IOException {
    int i = from;
    while (i < to) {
      if (store == null) {
        startGroup();
      }
      int end = (int) Math.min(to, Math.min(i + (long) SLICE, i + (rowGroupRows - inGroup)));
      rows.writeFlat(flatWriters, i, end);
      if (nested != null) {
        for (int r = i; r < end; r++) {
          rows.writeNested(nested, r);
        }
      } else {
        for (int r = i; r < end; r++) {
          store.endRecord();
        }
      }
      inGroup += end - i;
      i = end;
      if (inGroup >= rowGroupRows || store.getBufferedSize() >= ROW_GROUP_BYTES) {
        endGroup();
      }
    }
  }

  /** Ends the last row group and writes the footer with {@code extra} as key-value metadata. */
  void finish(Map<String, String> extra) throws IOException {
    try {
      endGroup();
      file.end(extra);
    } finally {
      release();
    }
  }

  /** Drops what was buffered; the output holds no usable file. */
  void abort() {
    try {
      file.abort();
    } finally {
      release();
    }
  }

  private void startGroup() {
    pages =
        ColumnChunkPageWriteStore.builder()
            .withCompressorProvider(d -> compressor)
            .withSchema(schema)
            .withAllocator(props.getAllocator())
            .withColumnIndexTruncateLength(props.getColumnIndexTruncateLength())
            .withPageWriteChecksumEnabled(props.getPageWriteChecksumEnabled())
            .withRowGroupOrdinal(ordinal)
            .build();
    store = props.newColumnWriteStore(schema, pages, pages);
    List<ColumnDescriptor> flat = rows.flatColumns();
    for (int k = 0; k < flatWriters.length; k++) {
      flatWriters[k] = store.getColumnWriter(flat.get(k));
    }
    nested = nestedColumns == null ? null : nestedColumns.getRecordWriter(store);
  }

  private void endGroup() throws IOException {
    if (store == null) {
      return;
    }
    try {
      if (nested != null) {
        nested.flush();
      }
      if (inGroup > 0) {
        file.startBlock(inGroup);
        store.flush();
        pages.flushToFileWriter(file);
        file.endBlock();
        ordinal++;
      }
    } finally {
      closeGroup();
    }
  }

  private void closeGroup() {
    if (store != null) {
      store.close();
      pages.close();
      store = null;
      pages = null;
      nested = null;
      inGroup = 0;
    }
  }

  private void release() {
    try {
      closeGroup();
    } finally {
      codecs.release();
    }
  }
}
