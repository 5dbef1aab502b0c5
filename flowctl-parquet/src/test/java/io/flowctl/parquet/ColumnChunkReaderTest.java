package io.flowctl.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.client.codec.CodecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesWriter;
import org.apache.parquet.column.values.delta.DeltaBinaryPackingValuesWriterForLong;
import org.apache.parquet.column.values.deltastrings.DeltaByteArrayWriter;
import org.apache.parquet.column.values.plain.PlainValuesWriter;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;

/**
 * The page decoder against pages encoded by parquet-column's own encoders: PLAIN and dictionary
 * values, RLE definition levels, V1 and V2 pages, and a chunk that switches to an encoding only
 * parquet-column reads. Hostile pages fail with a {@link CodecException} naming the column.
 */
class ColumnChunkReaderTest {
  private static final HeapByteBufferAllocator HEAP = HeapByteBufferAllocator.getInstance();

  /** How one page of the generated chunk is written. */
  enum PageKind {
    PLAIN_V1,
    PLAIN_V2,
    DICTIONARY_V1,
    DICTIONARY_V2,
    DELTA_V1
  }

  @Property(tries = 300)
  void readsWhatParquetColumnWrote(
      @ForAll("values") List<Long> values,
      @ForAll("kinds") List<PageKind> kinds,
      @ForAll boolean strings,
      @ForAll @IntRange(min = 1, max = 9) int readSize) {
    boolean nullable = values.contains(null);
    List<Object> expected = new ArrayList<>();
    for (Long v : values) {
      expected.add(v == null ? null : strings ? "s" + v : v);
    }
    Chunk chunk = chunk(expected, kinds, strings, nullable);
    Recording sink = new Recording();
    ColumnChunkReader reader = new ColumnChunkReader(chunk.column, chunk, sink, "parquet-mr");
    int left = expected.size();
    while (left > 0) {
      int n = Math.min(readSize, left);
      reader.read(n);
      left -= n;
    }
    assertThat(sink.values).isEqualTo(expected);
  }

  @Provide
  Arbitrary<List<Long>> values() {
    return Arbitraries.longs().between(-40, 40).injectNull(0.2).list().ofMinSize(1).ofMaxSize(300);
  }

  @Provide
  Arbitrary<List<PageKind>> kinds() {
    return Arbitraries.of(PageKind.class).list().ofMinSize(1).ofMaxSize(6);
  }

  @Test
  void aValueLongerThanItsPageIsRefused() {
    ColumnDescriptor column = column(true, false);
    // one BYTE_ARRAY value claiming 1,000 bytes, with 3 behind it
    byte[] values = {(byte) 0xe8, 3, 0, 0, 'a', 'b', 'c'};
    Chunk chunk = new Chunk(column, null, List.of(v1(BytesInput.from(values), 1, Encoding.PLAIN)));
    ColumnChunkReader r = new ColumnChunkReader(column, chunk, new Recording(), null);
    assertThatThrownBy(() -> r.read(1))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("column 'c'")
        .hasMessageContaining("1000 bytes");
  }

  @Test
  void aDictionaryIndexOutsideItsDictionaryIsRefused() throws IOException {
    ColumnDescriptor column = column(false, false);
    DictionaryPage dict = new DictionaryPage(plainLongs(List.of(7L, 8L)), 2, Encoding.PLAIN);
    RunLengthBitPackingHybridEncoder ids = new RunLengthBitPackingHybridEncoder(3, 64, 1024, HEAP);
    ids.writeInt(1);
    ids.writeInt(5);
    BytesInput page = BytesInput.concat(BytesInput.from(new byte[] {3}), ids.toBytes());
    Chunk chunk = new Chunk(column, dict, List.of(v1(page, 2, Encoding.RLE_DICTIONARY)));
    Recording sink = new Recording();
    ColumnChunkReader r = new ColumnChunkReader(column, chunk, sink, null);
    assertThatThrownBy(() -> r.read(2))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("dictionary index 5 is outside its dictionary of 2");
    assertThat(sink.values).containsExactly(8L);
  }

  @Test
  void pagesHoldingFewerValuesThanTheRowsAreRefused() throws IOException {
    ColumnDescriptor column = column(false, false);
    Chunk chunk = new Chunk(column, null, List.of(v1(plainLongs(List.of(1L)), 1, Encoding.PLAIN)));
    ColumnChunkReader r = new ColumnChunkReader(column, chunk, new Recording(), null);
    assertThatThrownBy(() -> r.read(2))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("fewer values than its row group's rows");
  }

  @Test
  void aPageClaimingMoreValuesThanItsBytesHoldIsRefused() throws IOException {
    ColumnDescriptor column = column(false, false);
    Chunk chunk = new Chunk(column, null, List.of(v1(plainLongs(List.of(1L)), 4, Encoding.PLAIN)));
    ColumnChunkReader r = new ColumnChunkReader(column, chunk, new Recording(), null);
    assertThatThrownBy(() -> r.read(4))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("bytes before its values do");
  }

  @Test
  void truncatedLevelsAreRefused() {
    ColumnDescriptor column = column(false, true);
    // levels claim 2 bytes, a bit-packed header promising 8 levels, then nothing
    byte[] bytes = {2, 0, 0, 0, 3};
    Chunk chunk = new Chunk(column, null, List.of(v1(BytesInput.from(bytes), 8, Encoding.PLAIN)));
    ColumnChunkReader r = new ColumnChunkReader(column, chunk, new Recording(), null);
    assertThatThrownBy(() -> r.read(8))
        .isInstanceOf(CodecException.class)
        .hasMessageContaining("column 'c'");
  }

  // --- building chunks with parquet-column's encoders

  private static ColumnDescriptor column(boolean strings, boolean nullable) {
    var builder =
        nullable
            ? Types.optional(strings ? PrimitiveTypeName.BINARY : PrimitiveTypeName.INT64)
            : Types.required(strings ? PrimitiveTypeName.BINARY : PrimitiveTypeName.INT64);
    var type = builder.named("c");
    return new ColumnDescriptor(new String[] {"c"}, type, 0, nullable ? 1 : 0);
  }

  private static Chunk chunk(
      List<Object> values, List<PageKind> kinds, boolean strings, boolean nullable) {
    ColumnDescriptor column = column(strings, nullable);
    Map<Object, Integer> dictionary = new LinkedHashMap<>();
    for (Object v : values) {
      if (v != null) {
        dictionary.putIfAbsent(v, dictionary.size());
      }
    }
    try {
      List<DataPage> pages = new ArrayList<>();
      int per = Math.max(1, values.size() / kinds.size());
      int start = 0;
      for (int p = 0; p < kinds.size() && start < values.size(); p++) {
        int end = p == kinds.size() - 1 ? values.size() : Math.min(values.size(), start + per);
        pages.add(page(values.subList(start, end), kinds.get(p), strings, nullable, dictionary));
        start = end;
      }
      DictionaryPage dict = null;
      if (kinds.contains(PageKind.DICTIONARY_V1) || kinds.contains(PageKind.DICTIONARY_V2)) {
        ValuesWriter w = new PlainValuesWriter(64, 1 << 20, HEAP);
        for (Object v : dictionary.keySet()) {
          write(w, v, strings);
        }
        dict = new DictionaryPage(BytesInput.copy(w.getBytes()), dictionary.size(), Encoding.PLAIN);
      }
      return new Chunk(column, dict, pages);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static DataPage page(
      List<Object> values,
      PageKind kind,
      boolean strings,
      boolean nullable,
      Map<Object, Integer> dictionary)
      throws IOException {
    BytesInput levels = BytesInput.empty();
    if (nullable) {
      RunLengthBitPackingHybridEncoder e = new RunLengthBitPackingHybridEncoder(1, 64, 1024, HEAP);
      for (Object v : values) {
        e.writeInt(v == null ? 0 : 1);
      }
      levels = BytesInput.copy(e.toBytes());
    }
    BytesInput data;
    Encoding encoding;
    switch (kind) {
      case DICTIONARY_V1, DICTIONARY_V2 -> {
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, dictionary.size() - 1));
        RunLengthBitPackingHybridEncoder e =
            new RunLengthBitPackingHybridEncoder(bits, 64, 1024, HEAP);
        for (Object v : values) {
          if (v != null) {
            e.writeInt(dictionary.get(v));
          }
        }
        data = BytesInput.concat(BytesInput.from(new byte[] {(byte) bits}), e.toBytes());
        encoding = Encoding.RLE_DICTIONARY;
      }
      case DELTA_V1 -> {
        ValuesWriter w =
            strings
                ? new DeltaByteArrayWriter(64, 1 << 20, HEAP)
                : new DeltaBinaryPackingValuesWriterForLong(128, 4, 64, 1 << 20, HEAP);
        for (Object v : values) {
          if (v != null) {
            write(w, v, strings);
          }
        }
        data = w.getBytes();
        encoding = strings ? Encoding.DELTA_BYTE_ARRAY : Encoding.DELTA_BINARY_PACKED;
      }
      default -> {
        ValuesWriter w = new PlainValuesWriter(64, 1 << 20, HEAP);
        for (Object v : values) {
          if (v != null) {
            write(w, v, strings);
          }
        }
        data = w.getBytes();
        encoding = Encoding.PLAIN;
      }
    }
    data = BytesInput.copy(data);
    int nulls = (int) values.stream().filter(v -> v == null).count();
    if (kind == PageKind.PLAIN_V2 || kind == PageKind.DICTIONARY_V2) {
      return DataPageV2.uncompressed(
          values.size(), nulls, values.size(), BytesInput.empty(), levels, encoding, data, null);
    }
    BytesInput bytes =
        nullable ? BytesInput.concat(BytesInput.fromInt((int) levels.size()), levels, data) : data;
    return v1(BytesInput.copy(bytes), values.size(), encoding);
  }

  private static void write(ValuesWriter w, Object v, boolean strings) {
    if (strings) {
      w.writeBytes(Binary.fromString((String) v));
    } else {
      w.writeLong((Long) v);
    }
  }

  private static BytesInput plainLongs(List<Long> values) throws IOException {
    PlainValuesWriter w = new PlainValuesWriter(64, 1 << 20, HEAP);
    values.forEach(w::writeLong);
    return BytesInput.copy(w.getBytes());
  }

  private static DataPageV1 v1(BytesInput bytes, int count, Encoding values) {
    return new DataPageV1(
        bytes, count, (int) bytes.size(), null, Encoding.RLE, Encoding.RLE, values);
  }

  /** One column chunk's pages, read once, as parquet-hadoop's page reader hands them out. */
  private static final class Chunk implements PageReader {
    final ColumnDescriptor column;
    private final DictionaryPage dictionary;
    private final Deque<DataPage> pages;
    private final long total;

    Chunk(ColumnDescriptor column, DictionaryPage dictionary, List<DataPage> pages) {
      this.column = column;
      this.dictionary = dictionary;
      this.pages = new ArrayDeque<>(pages);
      this.total = pages.stream().mapToLong(DataPage::getValueCount).sum();
    }

    @Override
    public DictionaryPage readDictionaryPage() {
      return dictionary;
    }

    @Override
    public long getTotalValueCount() {
      return total;
    }

    @Override
    public DataPage readPage() {
      return pages.poll();
    }
  }

  /** Records what the reader appends, through either of its two ways in. */
  private static final class Recording implements ColumnChunkReader.Sink {
    final List<Object> values = new ArrayList<>();

    @Override
    public void appendLong(long value) {
      values.add(value);
    }

    @Override
    public void appendDouble(double value) {
      values.add(value);
    }

    @Override
    public void appendBytes(byte[] src, int offset, int length) {
      values.add(
          new String(Arrays.copyOfRange(src, offset, offset + length), StandardCharsets.UTF_8));
    }

    @Override
    public void appendNull() {
      values.add(null);
    }

    @Override
    public PrimitiveConverter converter() {
      return new PrimitiveConverter() {
        @Override
        public void addLong(long value) {
          values.add(value);
        }

        @Override
        public void addBinary(Binary value) {
          values.add(value.toStringUsingUTF8());
        }
      };
    }
  }
}
