package io.flowctl.bench;

import com.google.protobuf.UnsafeByteOperations;
import io.flowctl.client.codec.EventCodec;
import io.flowctl.parquet.ParquetCompression;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.parquet.ParquetEventReader;
import io.flowctl.proto.Event;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamReader;

/**
 * The memory a Parquet read or write of a big file needs: the Arrow allocation's peak, and (run it
 * under a small {@code -Xmx}) whether the heap holds it. The whole-process commands keep the event
 * they build in memory, so their footprint is the event's, not the codec's; this measures the
 * codec.
 *
 * <pre>
 * java -Xmx128m -cp flowctl-bench/target/benchmarks.jar io.flowctl.bench.ParquetMemory read big.parquet
 * java -Xmx144m -cp … io.flowctl.bench.ParquetMemory write big.arrows   # an Arrow IPC stream
 * </pre>
 */
public final class ParquetMemory {
  private ParquetMemory() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !(args[0].equals("read") || args[0].equals("write"))) {
      System.err.println("usage: ParquetMemory read FILE.parquet | write FILE.arrows");
      System.exit(2);
    }
    long start = System.nanoTime();
    long rows = 0;
    long peak;
    String what;
    try (BufferAllocator allocator = new RootAllocator()) {
      if (args[0].equals("read")) {
        // The file is the event's payload: on the heap, as a consumer receives it.
        ParquetEventCodec codec = ParquetEventCodec.builder().batchRows(65_536).build();
        Event event =
            codec.wrap(UnsafeByteOperations.unsafeWrap(Files.readAllBytes(Path.of(args[1]))));
        try (ParquetEventReader in = codec.decode(event, allocator)) {
          while (in.loadNextBatch()) {
            rows += in.root().getRowCount();
          }
        }
        what = "read " + event.getPayload().size() + " bytes of Parquet";
      } else {
        ParquetEventCodec codec =
            ParquetEventCodec.builder()
                .compression(ParquetCompression.ZSTD)
                .rowGroupRows(65_536)
                .build();
        try (InputStream file = Files.newInputStream(Path.of(args[1]));
            ArrowStreamReader in = new ArrowStreamReader(file, allocator);
            EventCodec.Writer out = codec.newWriter(in.getVectorSchemaRoot(), in)) {
          while (in.loadNextBatch()) {
            rows += in.getVectorSchemaRoot().getRowCount();
            out.writeBatch();
          }
          what = "wrote " + out.finish().getPayload().size() + " bytes of Parquet (zstd)";
        }
      }
      peak = allocator.getPeakMemoryAllocation();
    }
    Runtime rt = Runtime.getRuntime();
    System.out.printf(
        "%s, %,d rows in %.2f s; Arrow peak %.1f MB; heap limit %d MB%n",
        what, rows, (System.nanoTime() - start) / 1e9, peak / 1e6, rt.maxMemory() >> 20);
  }
}
