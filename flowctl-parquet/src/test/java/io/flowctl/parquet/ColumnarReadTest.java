package io.flowctl.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.GeneratedEvents;
import io.flowctl.proto.Event;
import io.flowctl.testing.BatchData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Top-level primitives are read from their pages and the other fields by record assembly of just
 * those fields: that must read the same values as assembling every record, from files other
 * implementations wrote and from generated batches.
 */
class ColumnarReadTest {
  static Stream<Path> corpusFiles() throws IOException {
    try (Stream<Path> files = Files.list(ParquetEventCodecTest.CORPUS.resolve("parquet"))) {
      return files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList().stream();
    }
  }

  /** Every row, or the failure's class: what a read gives. */
  static List<Object> read(Event e, boolean columnar, int batchRows) {
    List<Object> out = new ArrayList<>();
    try (BufferAllocator allocator = new RootAllocator();
        ParquetEventReader in =
            ParquetEventReader.open(
                e,
                allocator,
                256L << 20,
                batchRows,
                org.apache.arrow.vector.types.TimeUnit
                    .MICROSECOND, // the codec's default, as wrap() used
                null,
                columnar)) {
      while (in.loadNextBatch()) {
        out.addAll(BatchData.read(in.root(), in.dictionaries()).rows());
      }
    } catch (CodecException failed) {
      out.add(failed.getClass());
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("corpusFiles")
  void corpusFiles_readTheSameColumnAtATime_asByRecords(Path file) throws IOException {
    Event e;
    try {
      e = ParquetEventCodec.builder().build().wrap(ByteString.copyFrom(Files.readAllBytes(file)));
    } catch (CodecException unsupported) {
      return; // no Arrow form at all: nothing to compare
    }
    List<Object> columnar = read(e, true, 5);
    assertThat(columnar).isEqualTo(read(e, false, 5));
    READ.add(file.getFileName() + (columnar.contains(CodecException.class) ? " failed" : ""));
    if (!columnar.contains(CodecException.class)) {
      try (BufferAllocator allocator = new RootAllocator();
          ParquetEventReader in =
              ParquetEventReader.open(
                  e,
                  allocator,
                  256L << 20,
                  5,
                  org.apache.arrow.vector.types.TimeUnit.MICROSECOND,
                  null,
                  true)) {
        if (in.pageColumns() > 0 && in.pageColumns() < in.schema().getFields().size()) {
          MIXED.add(file.getFileName().toString());
        }
      }
    }
  }

  private static final List<String> READ = new java.util.concurrent.CopyOnWriteArrayList<>();
  private static final List<String> MIXED = new java.util.concurrent.CopyOnWriteArrayList<>();

  @org.junit.jupiter.api.AfterAll
  static void mostCorpusFilesWereReadWhole() {
    // A comparison of two failures proves little: most files must read.
    assertThat(READ.stream().filter(f -> !f.endsWith("failed")).count())
        .as(READ.toString())
        .isGreaterThan(READ.size() * 3L / 4);
    // And files mixing both kinds of field must be among them.
    assertThat(MIXED).as("files read partly from pages, partly by records").hasSizeGreaterThan(2);
    System.out.println("read partly from pages, partly by records: " + MIXED);
  }

  @org.junit.jupiter.api.Test
  void topLevelPrimitivesAreReadFromTheirPages_nestedFieldsByRecords() throws IOException {
    for (var file : List.of("alltypes_plain.parquet", "nested_structs.rust.parquet")) {
      Event e =
          ParquetEventCodec.builder()
              .build()
              .wrap(
                  ByteString.copyFrom(
                      Files.readAllBytes(ParquetEventCodecTest.CORPUS.resolve("parquet/" + file))));
      try (BufferAllocator allocator = new RootAllocator();
          ParquetEventReader in =
              ParquetEventReader.open(
                  e,
                  allocator,
                  256L << 20,
                  5,
                  org.apache.arrow.vector.types.TimeUnit
                      .MICROSECOND, // the codec's default, as wrap() used
                  null,
                  true)) {
        int topLevel = in.schema().getFields().size();
        long primitives =
            in.schema().getFields().stream().filter(f -> f.getChildren().isEmpty()).count();
        assertThat(in.pageColumns()).as(file).isEqualTo((int) primitives);
        assertThat(in.pageColumns() == topLevel).as(file).isEqualTo(file.startsWith("alltypes"));
      }
    }
  }

  @Property(tries = 150)
  void generatedBatches_readTheSameEitherWay(
      @ForAll("batches") BatchData data, @ForAll ParquetCompression compression) {
    ParquetEventCodec codec =
        ParquetEventCodec.builder().compression(compression).rowGroupRows(13).build();
    Event e;
    try (BufferAllocator allocator = new RootAllocator();
        BatchData.Written w = data.write(allocator)) {
      e = codec.encode(w.root(), w.dictionaries());
    }
    List<Object> columnar = read(e, true, 6);
    assertThat(columnar).isEqualTo(read(e, false, 6));
    assertThat(columnar).hasSize(data.rowCount());
  }

  @Provide
  Arbitrary<BatchData> batches() {
    return GeneratedEvents.batches();
  }
}
