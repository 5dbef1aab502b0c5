package io.flowctl.parquet;

import io.flowctl.client.codec.CodecException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.parquet.VersionParser;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.impl.ColumnReaderImpl;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * One column chunk of a flat column (top level, not repeated), decoded from its pages straight into
 * a {@link Sink}: definition levels and values are read from the page bytes here, for the encodings
 * nearly every writer uses (PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY; RLE levels), with no per-value
 * objects. A page in any other encoding (delta, byte-stream-split, BOOLEAN columns, bit-packed
 * levels) hands the rest of the chunk to parquet-column's own {@link ColumnReader}, from that page
 * on, so every file parquet-column reads is still read.
 *
 * <p>Page sizes were checked against the decode limit before the row group was read ({@link
 * ParquetBytes#checkPages}); what a page claims inside (value counts, lengths, run lengths,
 * dictionary indices) is checked here against the bytes it has, and a lie is a {@link
 * CodecException} naming the column.
 */
final class ColumnChunkReader {
  /** Where the values go: a leaf slot of {@link ParquetRead}, appending at its own count. */
  interface Sink {
    void appendLong(long value);

    void appendDouble(double value);

    void appendBytes(byte[] src, int offset, int length);

    void appendNull();

    /** parquet-column's converter for the same slot, for pages read by parquet-column. */
    PrimitiveConverter converter();
  }

  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final ColumnDescriptor column;
  private final PageReader pages;
  private final Sink sink;
  private final String path;
  private final String createdBy;
  private final PrimitiveTypeName type;
  private final int width; // bytes of a PLAIN value of a fixed-width type; 0 for BYTE_ARRAY
  private final int maxDefinition;
  private long valuesLeftInChunk;

  private DictionaryPage dictionaryPage;
  private long[] dictLongs;
  private double[] dictDoubles;
  private byte[] dictBytes;
  private int[] dictOffsets;
  private int dictSize;
  private boolean dictionaryDecoded;

  // The current page.
  private int leftInPage;
  private final Hybrid levels = new Hybrid();
  private final Hybrid indices = new Hybrid();
  private boolean dictionaryEncoded;
  private byte[] data;
  private int pos;
  private int end;

  private ColumnReader fallback;

  ColumnChunkReader(ColumnDescriptor column, PageReader pages, Sink sink, String createdBy) {
    this.column = column;
    this.pages = pages;
    this.sink = sink;
    this.path = String.join(".", column.getPath());
    this.createdBy = createdBy;
    this.type = column.getType();
    this.maxDefinition = column.getMaxDefinitionLevel();
    this.valuesLeftInChunk = pages.getTotalValueCount();
    this.width =
        switch (type) {
          case INT32, FLOAT -> 4;
          case INT64, DOUBLE -> 8;
          case INT96 -> 12;
          case FIXED_LEN_BYTE_ARRAY -> column.getTypeLength();
          default -> 0;
        };
    DictionaryPage dict = pages.readDictionaryPage();
    if (dict != null) {
      try {
        // kept whole: parquet-column may need it again if a later page falls back
        this.dictionaryPage = dict.copy();
      } catch (IOException e) {
        throw malformed("unreadable dictionary page (" + e.getMessage() + ")");
      }
    }
    if (!decodes(column)) {
      fallBackFrom(null);
    }
  }

  /** Whether this reader decodes the column itself at first (else parquet-column does it all). */
  private static boolean decodes(ColumnDescriptor column) {
    return column.getMaxRepetitionLevel() == 0
        && column.getMaxDefinitionLevel() <= 1
        && column.getType() != PrimitiveTypeName.BOOLEAN
        && (column.getType() != PrimitiveTypeName.FIXED_LEN_BYTE_ARRAY
            || column.getTypeLength() > 0);
  }

  /** Appends the next {@code n} values of the chunk (one per row) to the sink. */
  void read(int n) {
    int done = 0;
    while (done < n) {
      if (fallback != null) {
        readFallback(n - done);
        return;
      }
      if (leftInPage == 0) {
        nextPage();
        continue;
      }
      int take = Math.min(n - done, leftInPage);
      if (maxDefinition == 0) {
        values(take);
      } else {
        for (int i = 0; i < take; i++) {
          if (levels.next() == maxDefinition) {
            values(1);
          } else {
            sink.appendNull();
          }
        }
      }
      leftInPage -= take;
      done += take;
    }
  }

  private void readFallback(int n) {
    for (int i = 0; i < n; i++) {
      if (fallback.getCurrentDefinitionLevel() == maxDefinition) {
        fallback.writeCurrentValueToConverter();
      } else {
        sink.appendNull();
      }
      fallback.consume();
    }
  }

  private void nextPage() {
    DataPage page = pages.readPage();
    if (page == null) {
      throw malformed("its pages hold fewer values than its row group's rows");
    }
    int count = page.getValueCount();
    if (count < 0 || count > valuesLeftInChunk) {
      throw malformed("a page claims " + count + " values, more than the chunk has left");
    }
    Encoding encoding =
        page instanceof DataPageV1 v1
            ? v1.getValueEncoding()
            : ((DataPageV2) page).getDataEncoding();
    boolean levelsOk =
        maxDefinition == 0
            || !(page instanceof DataPageV1 v1)
            || v1.getDlEncoding() == Encoding.RLE;
    boolean dict = encoding == Encoding.PLAIN_DICTIONARY || encoding == Encoding.RLE_DICTIONARY;
    if (!levelsOk || !(encoding == Encoding.PLAIN || dict)) {
      fallBackFrom(page);
      return;
    }
    try {
      if (page instanceof DataPageV1 v1) {
        ByteBuffer b = v1.getBytes().toByteBuffer();
        bytes(b);
        if (maxDefinition > 0) {
          int length = levelsLength();
          levels.init(data, pos, pos + length, 1, this);
          pos += length;
        }
      } else {
        DataPageV2 v2 = (DataPageV2) page;
        if (maxDefinition > 0) {
          ByteBuffer d = v2.getDefinitionLevels().toByteBuffer();
          byte[] levelBytes = array(d);
          int start = d.hasArray() ? d.arrayOffset() + d.position() : 0;
          levels.init(levelBytes, start, start + d.remaining(), 1, this);
        }
        bytes(v2.getData().toByteBuffer());
      }
    } catch (IOException e) {
      throw malformed("unreadable page (" + e.getMessage() + ")");
    }
    dictionaryEncoded = dict;
    if (dict) {
      decodeDictionary();
      if (pos >= end) {
        // a page of nulls only may carry no index bit width
        indices.init(data, pos, end, 0, this);
      } else {
        int bits = data[pos++] & 0xff;
        if (bits > 32) {
          throw malformed("dictionary indices of " + bits + " bits");
        }
        indices.init(data, pos, end, bits, this);
      }
    }
    leftInPage = count;
    valuesLeftInChunk -= count;
  }

  /** From this page on (null: from the first), parquet-column reads the chunk. */
  private void fallBackFrom(DataPage first) {
    long left = valuesLeftInChunk;
    PageReader rest =
        new PageReader() {
          private DataPage pending = first;

          @Override
          public DictionaryPage readDictionaryPage() {
            return dictionaryPage;
          }

          @Override
          public long getTotalValueCount() {
            return left;
          }

          @Override
          public DataPage readPage() {
            if (pending != null) {
              DataPage p = pending;
              pending = null;
              return p;
            }
            return pages.readPage();
          }
        };
    VersionParser.ParsedVersion writer = null;
    try {
      writer = createdBy == null ? null : VersionParser.parse(createdBy);
    } catch (VersionParser.VersionParseException | RuntimeException unknown) {
      // an unknown writer: no writer-specific workarounds, as in parquet-column's read store
    }
    fallback = new ColumnReaderImpl(column, rest, sink.converter(), writer);
  }

  private void bytes(ByteBuffer b) {
    data = array(b);
    pos = b.hasArray() ? b.arrayOffset() + b.position() : 0;
    end = pos + b.remaining();
  }

  private static byte[] array(ByteBuffer b) {
    if (b.hasArray()) {
      return b.array();
    }
    byte[] copy = new byte[b.remaining()];
    b.duplicate().get(copy);
    return copy;
  }

  private int levelsLength() {
    need(4);
    int length = (int) INT.get(data, pos);
    pos += 4;
    if (length < 0 || length > end - pos) {
      throw malformed("definition levels of " + length + " bytes in a page of " + (end - pos));
    }
    return length;
  }

  /** Appends the next {@code n} non-null values of the page. */
  private void values(int n) {
    if (dictionaryEncoded) {
      for (int i = 0; i < n; i++) {
        int k = indices.next();
        if (k < 0 || k >= dictSize) {
          throw malformed("dictionary index " + k + " is outside its dictionary of " + dictSize);
        }
        switch (type) {
          case FLOAT, DOUBLE -> sink.appendDouble(dictDoubles[k]);
          case INT32, INT64 -> sink.appendLong(dictLongs[k]);
          default ->
              sink.appendBytes(dictBytes, dictOffsets[k], dictOffsets[k + 1] - dictOffsets[k]);
        }
      }
      return;
    }
    switch (type) {
      case INT32 -> {
        need(4L * n);
        for (int i = 0; i < n; i++, pos += 4) {
          sink.appendLong((int) INT.get(data, pos));
        }
      }
      case INT64 -> {
        need(8L * n);
        for (int i = 0; i < n; i++, pos += 8) {
          sink.appendLong((long) LONG.get(data, pos));
        }
      }
      case FLOAT -> {
        need(4L * n);
        for (int i = 0; i < n; i++, pos += 4) {
          sink.appendDouble(Float.intBitsToFloat((int) INT.get(data, pos)));
        }
      }
      case DOUBLE -> {
        need(8L * n);
        for (int i = 0; i < n; i++, pos += 8) {
          sink.appendDouble(Double.longBitsToDouble((long) LONG.get(data, pos)));
        }
      }
      case BINARY -> {
        for (int i = 0; i < n; i++) {
          need(4);
          int length = (int) INT.get(data, pos);
          pos += 4;
          if (length < 0 || length > end - pos) {
            throw malformed(
                "a value of " + length + " bytes in a page with " + (end - pos) + " left");
          }
          sink.appendBytes(data, pos, length);
          pos += length;
        }
      }
      default -> {
        need((long) width * n);
        for (int i = 0; i < n; i++, pos += width) {
          sink.appendBytes(data, pos, width);
        }
      }
    }
  }

  private void need(long bytes) {
    if (bytes > end - pos) {
      throw malformed("a page ends " + (bytes - (end - pos)) + " bytes before its values do");
    }
  }

  private void decodeDictionary() {
    if (dictionaryDecoded) {
      return;
    }
    if (dictionaryPage == null) {
      throw malformed("a dictionary-encoded page without a dictionary page");
    }
    Encoding e = dictionaryPage.getEncoding();
    if (e != Encoding.PLAIN && e != Encoding.PLAIN_DICTIONARY) {
      throw malformed("a dictionary page in " + e);
    }
    ByteBuffer b;
    try {
      b = dictionaryPage.getBytes().toByteBuffer();
    } catch (IOException ex) {
      throw malformed("unreadable dictionary page (" + ex.getMessage() + ")");
    }
    byte[] d = array(b);
    int p = b.hasArray() ? b.arrayOffset() + b.position() : 0;
    int e2 = p + b.remaining();
    int size = dictionaryPage.getDictionarySize();
    int minBytes = type == PrimitiveTypeName.BINARY ? 4 : width;
    if (size < 0 || (long) size * minBytes > e2 - p) {
      throw malformed("a dictionary of " + size + " values in " + (e2 - p) + " bytes");
    }
    switch (type) {
      case INT32 -> {
        dictLongs = new long[size];
        for (int i = 0; i < size; i++, p += 4) {
          dictLongs[i] = (int) INT.get(d, p);
        }
      }
      case INT64 -> {
        dictLongs = new long[size];
        for (int i = 0; i < size; i++, p += 8) {
          dictLongs[i] = (long) LONG.get(d, p);
        }
      }
      case FLOAT -> {
        dictDoubles = new double[size];
        for (int i = 0; i < size; i++, p += 4) {
          dictDoubles[i] = Float.intBitsToFloat((int) INT.get(d, p));
        }
      }
      case DOUBLE -> {
        dictDoubles = new double[size];
        for (int i = 0; i < size; i++, p += 8) {
          dictDoubles[i] = Double.longBitsToDouble((long) LONG.get(d, p));
        }
      }
      case BINARY -> {
        // values stay in the page's bytes; offsets skip the length prefixes
        dictBytes = d;
        dictOffsets = new int[size + 1];
        int[] starts = new int[size];
        for (int i = 0; i < size; i++) {
          if (e2 - p < 4) {
            throw malformed("its dictionary ends inside value " + i);
          }
          int length = (int) INT.get(d, p);
          p += 4;
          if (length < 0 || length > e2 - p) {
            throw malformed("dictionary value " + i + " of " + length + " bytes overruns its page");
          }
          starts[i] = p;
          p += length;
          dictOffsets[i + 1] = p;
        }
        // appendBytes takes (offset, length): store each value's start, and its end at i + 1
        compactOffsets(starts);
      }
      default -> {
        dictBytes = d;
        dictOffsets = new int[size + 1];
        for (int i = 0; i <= size; i++) {
          dictOffsets[i] = p + i * width;
        }
      }
    }
    dictSize = size;
    dictionaryDecoded = true;
  }

  /**
   * Byte-array dictionaries: the values are not contiguous (a length prefix sits between them), so
   * copy them into one array where value k runs from offsets[k] to offsets[k + 1].
   */
  private void compactOffsets(int[] starts) {
    int size = starts.length;
    int total = 0;
    for (int i = 0; i < size; i++) {
      total += dictOffsets[i + 1] - starts[i];
    }
    byte[] packed = new byte[total];
    int[] offsets = new int[size + 1];
    int at = 0;
    for (int i = 0; i < size; i++) {
      int length = dictOffsets[i + 1] - starts[i];
      System.arraycopy(dictBytes, starts[i], packed, at, length);
      at += length;
      offsets[i + 1] = at;
    }
    dictBytes = packed;
    dictOffsets = offsets;
  }

  CodecException malformed(String what) {
    return new CodecException("column '" + path + "': " + what);
  }

  /** Parquet's RLE / bit-packing hybrid of values up to 32 bits wide, over a byte range. */
  private static final class Hybrid {
    private byte[] buf;
    private int pos;
    private int end;
    private int bits;
    private ColumnChunkReader owner;
    private int runLeft;
    private boolean packed;
    private int runValue;
    private final int[] group = new int[8];
    private int groupAt = 8;

    void init(byte[] buf, int pos, int end, int bits, ColumnChunkReader owner) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
      this.bits = bits;
      this.owner = owner;
      this.runLeft = 0;
      this.groupAt = 8;
    }

    int next() {
      if (runLeft == 0) {
        header();
      }
      runLeft--;
      if (!packed) {
        return runValue;
      }
      if (groupAt == 8) {
        unpack();
      }
      return group[groupAt++];
    }

    private void header() {
      if (bits == 0) {
        // zero-width values: every value is 0, and nothing is stored
        packed = false;
        runValue = 0;
        runLeft = Integer.MAX_VALUE;
        return;
      }
      while (true) {
        long header = 0;
        int shift = 0;
        while (true) {
          if (pos >= end) {
            throw owner.malformed("its levels or indices end before its values do");
          }
          int b = buf[pos++] & 0xff;
          header |= (long) (b & 0x7f) << shift;
          if ((b & 0x80) == 0) {
            break;
          }
          shift += 7;
          if (shift > 28) {
            throw owner.malformed("a run header longer than 5 bytes");
          }
        }
        long count = header >>> 1;
        if ((header & 1) == 0) {
          int bytes = (bits + 7) / 8;
          if (end - pos < bytes) {
            throw owner.malformed("a run ends before its value");
          }
          int v = 0;
          for (int k = 0; k < bytes; k++) {
            v |= (buf[pos++] & 0xff) << (8 * k);
          }
          packed = false;
          runValue = v;
          if (count > 0) {
            runLeft = (int) Math.min(count, Integer.MAX_VALUE);
            return;
          }
        } else {
          packed = true;
          groupAt = 8;
          if (count > 0) {
            runLeft = (int) Math.min(count * 8, Integer.MAX_VALUE);
            return;
          }
        }
      }
    }

    private void unpack() {
      if (end - pos < bits) {
        throw owner.malformed("a bit-packed run ends before its values do");
      }
      long mask = (1L << bits) - 1;
      long acc = 0;
      int have = 0;
      int p = pos;
      for (int k = 0; k < 8; k++) {
        while (have < bits) {
          acc |= (long) (buf[p++] & 0xff) << have;
          have += 8;
        }
        group[k] = (int) (acc & mask);
        acc >>>= bits;
        have -= bits;
      }
      pos += bits;
      groupAt = 0;
    }
  }
}
