package io.flowctl.parquet;

import com.google.protobuf.ByteString;
import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.EventCodec;
import io.flowctl.client.codec.internal.AbstractEventCodec;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventTypes;
import io.flowctl.schema.ArrowSchemas;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.types.TimeUnit;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.format.FileMetaData;
import org.apache.parquet.schema.MessageType;

/**
 * Turns Arrow record batches into flowctl {@link Event}s of type {@code arrow_data.ParquetFile}
 * whose payload is a whole Parquet file, and back; {@link ArrowMetadata} is filled as for IPC
 * events, with the schema a reader gets back. The writer stores its Arrow schema under {@code
 * ARROW:schema} (as Arrow C++ does), so types Parquet lacks come back exactly.
 *
 * <table>
 *   <caption>Arrow to Parquet</caption>
 *   <tr><th>Arrow</th><th>Parquet</th></tr>
 *   <tr><td>null</td><td>OPTIONAL INT32 UNKNOWN, never written</td></tr>
 *   <tr><td>bool</td><td>BOOLEAN</td></tr>
 *   <tr><td>int8..int32, uint8..uint32</td><td>INT32 INTEGER(bits, signed)</td></tr>
 *   <tr><td>int64, uint64</td><td>INT64 INTEGER(64, signed)</td></tr>
 *   <tr><td>float16, float32, float64</td><td>FIXED_LEN_BYTE_ARRAY(2) FLOAT16, FLOAT, DOUBLE</td></tr>
 *   <tr><td>utf8, large_utf8, utf8_view</td><td>BYTE_ARRAY STRING</td></tr>
 *   <tr><td>binary, large_binary, binary_view</td><td>BYTE_ARRAY</td></tr>
 *   <tr><td>fixed_size_binary(n)</td><td>FIXED_LEN_BYTE_ARRAY(n)</td></tr>
 *   <tr><td>decimal128(p, s), decimal256(p, s)</td><td>FIXED_LEN_BYTE_ARRAY(shortest for p)
 *       DECIMAL(p, s)</td></tr>
 *   <tr><td>date32; date64 (whole days only)</td><td>INT32 DATE</td></tr>
 *   <tr><td>time32(s), time32(ms); time64(µs), time64(ns)</td><td>INT32 TIME(ms) (seconds ×
 *       1000); INT64 TIME(µs), TIME(ns)</td></tr>
 *   <tr><td>timestamp(unit, zone)</td><td>INT64 TIMESTAMP(unit, adjusted to UTC when zoned);
 *       seconds as milliseconds</td></tr>
 *   <tr><td>duration(unit)</td><td>INT64</td></tr>
 *   <tr><td>list, large_list, fixed_size_list</td><td>three-level LIST group (list, element)</td>
 *   </tr>
 *   <tr><td>map</td><td>MAP group (key_value, required key, value)</td></tr>
 *   <tr><td>struct (with fields)</td><td>group</td></tr>
 *   <tr><td>dictionary-encoded</td><td>the values' type; read back as plain values</td></tr>
 *   <tr><td>extension types</td><td>their storage type</td></tr>
 * </table>
 *
 * <p>Nullable fields are OPTIONAL, others REQUIRED. Unions, intervals, list views, run-end encoded
 * arrays and empty structs have no Parquet form: encoding them is a {@link CodecException} naming
 * the column. Reading maps Parquet to Arrow as {@link ParquetSchemas} documents.
 *
 * <p>Immutable and thread-safe.
 */
public final class ParquetEventCodec extends AbstractEventCodec {
  private final ParquetCompression compression;
  private final int rowGroupRows;
  private final int batchRows;
  private final int pageBytes;
  private final TimeUnit int96Unit;

  private ParquetEventCodec(Builder b) {
    super(b);
    this.int96Unit = b.int96Unit;
    this.compression = b.compression;
    this.rowGroupRows = b.rowGroupRows;
    this.batchRows = b.batchRows;
    this.pageBytes = b.pageBytes;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A codec for {@code arrow_data.ParquetFile}, snappy pages, decoding at most 256 MiB. */
  public static ParquetEventCodec defaults() {
    return builder().build();
  }

  public ParquetCompression compression() {
    return compression;
  }

  /** The most rows of one decoded batch; batches run across row groups. */
  public int batchRows() {
    return batchRows;
  }

  /**
   * A writer of several batches into one Parquet file: refill {@code root} and call {@link
   * EventWriter#writeBatch()} for each, then {@link EventWriter#finish()}.
   *
   * @throws CodecException when a column has no Parquet form
   */
  @Override
  public EventWriter newWriter(VectorSchemaRoot root, DictionaryProvider dictionaries) {
    return new EventWriter(root, dictionaries);
  }

  /**
   * Wraps an existing Parquet file as an event, with {@link ArrowMetadata} read from its footer.
   *
   * @throws CodecException when the bytes are not a readable Parquet file
   */
  public Event wrap(ByteString parquetFile) {
    return wrap(parquetFile, "the file");
  }

  /** {@link #wrap(ByteString)}, naming the file {@code name} in errors. */
  public Event wrap(ByteString parquetFile, String name) {
    FileMetaData footer = ParquetBytes.footer(parquetFile.asReadOnlyByteBuffer(), name);
    Schema schema = ParquetSchemas.fromFooter(footer, name, int96Unit);
    return event(parquetFile, schema, ParquetBytes.rows(footer));
  }

  /**
   * What a Parquet file's footer says, read once: the event that wraps the file, the Arrow schema a
   * reader gets, and the page codecs of its column chunks (lower case). No page is read.
   *
   * @throws CodecException when the bytes are not a readable Parquet file
   */
  public FileInfo inspect(ByteString parquetFile, String name) {
    FileMetaData footer = ParquetBytes.footer(parquetFile.asReadOnlyByteBuffer(), name);
    Schema stored = ParquetSchemas.stored(footer); // decoded once: fromFooter would again
    Schema schema = stored != null ? stored : ParquetSchemas.converted(footer, name, int96Unit);
    Schema readBack = stored != null ? ArrowToParquetSchema.readBack(stored) : schema;
    return new FileInfo(
        event(parquetFile, schema, ParquetBytes.rows(footer)),
        readBack,
        ParquetSchemas.compressionCodecs(footer));
  }

  /** A Parquet file's footer, as {@link #inspect} reads it. */
  public record FileInfo(Event event, Schema schema, java.util.Set<String> compression) {}

  /**
   * Opens an event for reading. The reader allocates from a child of {@code allocator} limited to
   * {@link Builder#maxDecodedBytes}; closing it releases everything it read.
   *
   * @throws CodecException when the payload is not a Parquet file, its footer or page headers are
   *     malformed or oversized, or its schema disagrees with the event's metadata
   */
  @Override
  public ParquetEventReader decode(Event event, BufferAllocator allocator) {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(allocator, "allocator");
    return ParquetEventReader.open(
        event, allocator, maxDecodedBytes(), batchRows, int96Unit, metrics(), true);
  }

  private Event event(ByteString payload, Schema schema, long rows) {
    return event(payload, schema, rows, compression.wireName());
  }

  /** Writes batches of one root into one Parquet payload. Not thread-safe; close it. */
  public final class EventWriter implements EventCodec.Writer {
    private final VectorSchemaRoot root;
    private final Schema readBack;
    private final ParquetBytes.Output out;
    private final MessageType parquet;
    private final ParquetWrite.RowWriter rowWriter;
    private final Map<String, String> extra;
    private ColumnarFileWriter writer;
    private long rows;
    private long arrowBytes;
    private long cells;
    private long nulls;
    private long nanos;
    private boolean finished;

    private EventWriter(VectorSchemaRoot root, DictionaryProvider dictionaries) {
      long start = System.nanoTime();
      this.root = Objects.requireNonNull(root, "root");
      Schema written =
          ArrowSchemas.hasDictionaryFields(root.getSchema())
              ? ArrowSchemas.messageFormat(root.getSchema(), dictionaries)
              : root.getSchema();
      this.readBack = ArrowToParquetSchema.readBack(written);
      this.parquet = ArrowToParquetSchema.schema(root.getSchema(), dictionaries);
      this.rowWriter = new ParquetWrite.RowWriter(root, dictionaries, parquet);
      this.extra = Map.of("ARROW:schema", arrowSchemaKey(written));
      this.out = new ParquetBytes.Output(64 << 10);
      nanos += System.nanoTime() - start;
    }

    /**
     * Starts the file when the first rows arrive, so that each column's dictionary encoding can
     * follow those rows: a column whose first values are mostly distinct is written PLAIN from the
     * start, where parquet-java would hash a page of them into a dictionary in every row group only
     * to fall back (measured: most of the write time of such columns).
     */
    private ColumnarFileWriter writer() {
      if (writer != null) {
        return writer;
      }
      try {
        ParquetProperties.Builder props =
            ParquetProperties.builder()
                .withPageSize(pageBytes)
                // pages are cut by size alone: parquet-java's 20,000-row cut made pages too short
                // for zstd to find values repeating further apart (half the size of such columns)
                .withPageRowCountLimit(Integer.MAX_VALUE);
        for (String column : ParquetWrite.mostlyDistinct(root)) {
          props.withDictionaryEncoding(column, false);
        }
        writer =
            new ColumnarFileWriter(
                out,
                parquet,
                props.build(),
                new PageCodecs(),
                compression.codec(),
                rowGroupRows,
                rowWriter);
      } catch (IOException | RuntimeException e) {
        throw new CodecException("cannot start a Parquet file: " + e.getMessage(), e);
      }
      return writer;
    }

    /** Appends the root's current rows. */
    @Override
    public void writeBatch() {
      if (finished) {
        throw new IllegalStateException("the event was already finished");
      }
      long start = System.nanoTime();
      int n = root.getRowCount();
      try {
        ColumnarFileWriter w = writer();
        rowWriter.prepare(n);
        w.write(0, n);
      } catch (CodecException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new CodecException("cannot write Parquet rows: " + e.getMessage(), e);
      }
      nanos += System.nanoTime() - start;
      rows += n;
      if (metrics() != null) {
        for (var v : root.getFieldVectors()) {
          arrowBytes += v.getBufferSize();
          nulls += v.getNullCount();
        }
        cells += (long) n * root.getFieldVectors().size();
      }
    }

    /** Writes the footer and builds the event. */
    @Override
    public Event finish() {
      if (finished) {
        throw new IllegalStateException("the event was already finished");
      }
      finished = true;
      long start = System.nanoTime();
      try {
        writer().finish(extra);
      } catch (CodecException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new CodecException("cannot finish the Parquet file: " + e.getMessage(), e);
      }
      Event event = event(out.out.toByteString(), readBack, rows);
      nanos += System.nanoTime() - start;
      if (metrics() != null) {
        metrics().encoded(rows, arrowBytes, event.getPayload().size(), cells, nulls, nanos);
      }
      return event;
    }

    @Override
    public void close() {
      if (!finished) {
        finished = true;
        if (writer == null) {
          return;
        }
        try {
          writer.abort();
        } catch (RuntimeException ignored) {
          // abandoned: nothing of it is used
        }
      }
    }
  }

  /** {@code ARROW:schema}: the IPC schema message, base64, as Arrow C++ writes it. */
  private static String arrowSchemaKey(Schema schema) {
    return Base64.getEncoder().encodeToString(io.flowctl.ipc.ArrowIpc.schemaMessage(schema));
  }

  /** Settings of a codec. */
  public static final class Builder extends AbstractEventCodec.Builder<Builder> {
    private ParquetCompression compression = ParquetCompression.SNAPPY;
    private int rowGroupRows = 128 << 10;
    private int batchRows = 64 << 10;
    private int pageBytes = 4 << 20;
    private TimeUnit int96Unit = TimeUnit.MICROSECOND;

    private Builder() {
      super(EventTypes.PARQUET_FILE);
    }

    /**
     * The timestamp unit of legacy INT96 columns when reading; default microseconds. Nanoseconds
     * keep every digit but overflow for dates before 1677 or after 2262, which Spark writes;
     * milliseconds reach furthest.
     */
    public Builder int96Unit(TimeUnit unit) {
      if (unit == TimeUnit.SECOND) {
        throw new IllegalArgumentException("INT96 timestamps are read in ms, µs or ns");
      }
      this.int96Unit = Objects.requireNonNull(unit, "unit");
      return this;
    }

    /** Page compression; default snappy. */
    public Builder compression(ParquetCompression compression) {
      this.compression = Objects.requireNonNull(compression, "compression");
      return this;
    }

    /**
     * The most rows of one row group when writing; default 131,072 (DuckDB writes 122,880). A
     * writer holds one row group in memory.
     */
    public Builder rowGroupRows(int rows) {
      if (rows <= 0) {
        throw new IllegalArgumentException("row groups hold at least one row: " + rows);
      }
      this.rowGroupRows = rows;
      return this;
    }

    /**
     * The size a page's values reach before the page is written (and compressed) when writing;
     * default 4 MiB. Larger pages let zstd and snappy find repeats further apart; smaller ones let
     * a reader that filters by page skip more. A row group is held in memory until it is written
     * either way.
     */
    public Builder pageBytes(int bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("pages hold at least 1,024 bytes: " + bytes);
      }
      this.pageBytes = bytes;
      return this;
    }

    /** The most rows of one batch when reading; default 65,536. */
    public Builder batchRows(int rows) {
      if (rows <= 0) {
        throw new IllegalArgumentException("batches hold at least one row: " + rows);
      }
      this.batchRows = rows;
      return this;
    }

    public ParquetEventCodec build() {
      return new ParquetEventCodec(this);
    }
  }
}
