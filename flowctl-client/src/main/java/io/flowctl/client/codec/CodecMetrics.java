package io.flowctl.client.codec;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.apache.arrow.memory.BufferAllocator;

/**
 * What a service's codecs did, for its heartbeat (the Arrow heartbeat metrics): batches, rows and
 * bytes, compression ratio, null share, time spent encoding and decoding, Arrow memory in use. Give
 * one instance to every {@link ArrowEventCodec} of a service; thread-safe.
 */
public final class CodecMetrics {
  private final LongAdder encodedBatches = new LongAdder();
  private final LongAdder encodedRows = new LongAdder();
  private final LongAdder arrowBytes = new LongAdder();
  private final LongAdder payloadBytes = new LongAdder();
  private final LongAdder cells = new LongAdder();
  private final LongAdder nulls = new LongAdder();
  private final LongAdder encodeNanos = new LongAdder();
  private final LongAdder decodedBatches = new LongAdder();
  private final LongAdder decodedRows = new LongAdder();
  private final LongAdder decodedBytes = new LongAdder();
  private final LongAdder decodeNanos = new LongAdder();
  private final LongAdder schemaEvolutionEvents = new LongAdder();
  private final LongAdder schemaValidationErrors = new LongAdder();
  private final LongAdder compatibilityCheckFailures = new LongAdder();
  private final LongAdder processingErrors = new LongAdder();
  private final LongSupplier clock;
  private final BufferAllocator allocator;
  private volatile Snapshot last;

  private CodecMetrics(LongSupplier nanoClock, BufferAllocator allocator) {
    this.clock = nanoClock;
    this.allocator = allocator;
    this.last = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, nanoClock.getAsLong());
  }

  /** Metrics reporting the memory of {@code allocator} (may be null) as Arrow memory in use. */
  public static CodecMetrics create(BufferAllocator allocator) {
    return new CodecMetrics(System::nanoTime, allocator);
  }

  static CodecMetrics withClock(LongSupplier nanoClock, BufferAllocator allocator) {
    return new CodecMetrics(nanoClock, allocator);
  }

  /**
   * Counts one encoded event: rows, Arrow bytes in, payload bytes out, cells and nulls, and the
   * time taken. Called by {@link EventCodec} implementations.
   */
  public void encoded(
      long rows, long arrow, long payload, long cellCount, long nullCount, long nanos) {
    encodedBatches.increment();
    encodedRows.add(rows);
    arrowBytes.add(arrow);
    payloadBytes.add(payload);
    cells.add(cellCount);
    nulls.add(nullCount);
    encodeNanos.add(nanos);
  }

  /** Counts batches and rows decoded from a payload of that many bytes, and the time taken. */
  public void decoded(long batches, long rows, long payload, long nanos) {
    decodedBatches.add(batches);
    decodedRows.add(rows);
    decodedBytes.add(payload);
    decodeNanos.add(nanos);
  }

  /** A batch arrived with a writer schema other than the reader's and was projected. */
  public void schemaEvolution() {
    schemaEvolutionEvents.increment();
  }

  /** A payload disagreed with its metadata or was malformed. */
  public void schemaValidationError() {
    schemaValidationErrors.increment();
  }

  /**
   * Counts an event the service failed to process (reported as {@code arrow_processing_errors}).
   */
  public void processingError() {
    processingErrors.increment();
  }

  /** A writer schema the reader cannot read was refused. */
  public void compatibilityCheckFailure() {
    compatibilityCheckFailures.increment();
  }

  /**
   * The Arrow heartbeat metrics from one {@link #report()}: {@code arrow_batches_per_second},
   * {@code arrow_rows_per_second}, {@code arrow_bytes_per_second}, {@code arrow_compression_ratio}
   * (payload bytes per Arrow byte: 0.73 means 27% smaller), {@code arrow_null_percentage} (a
   * fraction, 0.02 = 2%), {@code arrow_schema_evolution_events}, {@code
   * arrow_serialization_time_ms}, {@code arrow_deserialization_time_ms}, {@code
   * arrow_memory_usage_bytes}, {@code arrow_schema_validation_errors}, {@code
   * arrow_compatibility_check_failures}, {@code arrow_batch_size_avg}, and {@code
   * arrow_processing_errors} (what the control plane's processing-error alert watches).
   */
  public java.util.Map<String, Double> heartbeatMetrics() {
    Report r = report();
    java.util.Map<String, Double> m = new java.util.LinkedHashMap<>();
    m.put("arrow_batches_per_second", r.batchesPerSecond());
    m.put("arrow_rows_per_second", r.rowsPerSecond());
    m.put("arrow_bytes_per_second", r.bytesPerSecond());
    m.put("arrow_compression_ratio", r.compressionRatio() == 0 ? 1.0 : 1.0 / r.compressionRatio());
    m.put("arrow_null_percentage", r.nullPercentage() / 100.0);
    m.put("arrow_schema_evolution_events", (double) schemaEvolutionEvents.sum());
    m.put("arrow_serialization_time_ms", r.meanSerialization().toNanos() / 1e6);
    m.put("arrow_deserialization_time_ms", r.meanDeserialization().toNanos() / 1e6);
    m.put("arrow_memory_usage_bytes", (double) r.arrowMemoryBytes());
    m.put("arrow_schema_validation_errors", (double) schemaValidationErrors.sum());
    m.put("arrow_compatibility_check_failures", (double) compatibilityCheckFailures.sum());
    m.put("arrow_processing_errors", (double) processingErrors.sum());
    long batches = r.encodedBatches() + r.decodedBatches();
    m.put(
        "arrow_batch_size_avg",
        batches == 0 ? 0.0 : (double) (r.encodedRows() + r.decodedRows()) / batches);
    return m;
  }

  /**
   * Totals since creation, and rates since the previous call (so a heartbeat that calls it once per
   * interval reports that interval).
   */
  public Report report() {
    Snapshot now =
        new Snapshot(
            encodedBatches.sum(),
            encodedRows.sum(),
            arrowBytes.sum(),
            payloadBytes.sum(),
            cells.sum(),
            nulls.sum(),
            encodeNanos.sum(),
            decodedBatches.sum(),
            decodedRows.sum(),
            decodedBytes.sum(),
            decodeNanos.sum(),
            allocator == null ? 0 : allocator.getAllocatedMemory(),
            clock.getAsLong());
    Snapshot before = last;
    last = now;
    double seconds = Math.max(1e-9, (now.at - before.at) / 1e9);
    long batches =
        (now.encodedBatches - before.encodedBatches) + (now.decodedBatches - before.decodedBatches);
    long rows = (now.encodedRows - before.encodedRows) + (now.decodedRows - before.decodedRows);
    long bytes =
        (now.payloadBytes - before.payloadBytes) + (now.decodedBytes - before.decodedBytes);
    return new Report(
        now.encodedBatches,
        now.encodedRows,
        now.decodedBatches,
        now.decodedRows,
        batches / seconds,
        rows / seconds,
        bytes / seconds,
        now.payloadBytes == 0 ? 1.0 : (double) now.arrowBytes / now.payloadBytes,
        now.cells == 0 ? 0.0 : 100.0 * now.nulls / now.cells,
        Duration.ofNanos(now.encodedBatches == 0 ? 0 : now.encodeNanos / now.encodedBatches),
        Duration.ofNanos(now.decodedBatches == 0 ? 0 : now.decodeNanos / now.decodedBatches),
        now.memory);
  }

  private record Snapshot(
      long encodedBatches,
      long encodedRows,
      long arrowBytes,
      long payloadBytes,
      long cells,
      long nulls,
      long encodeNanos,
      long decodedBatches,
      long decodedRows,
      long decodedBytes,
      long decodeNanos,
      long memory,
      long at) {}

  /**
   * One heartbeat's worth of codec metrics.
   *
   * @param encodedBatches events encoded so far
   * @param encodedRows rows encoded so far
   * @param decodedBatches record batches decoded so far
   * @param decodedRows rows decoded so far
   * @param batchesPerSecond encoded events plus decoded batches per second since the last report
   * @param rowsPerSecond rows encoded plus decoded per second since the last report
   * @param bytesPerSecond payload bytes produced plus consumed per second since the last report
   * @param compressionRatio Arrow buffer bytes per payload byte, over all encodes (1 = none)
   * @param nullPercentage share of null cells in encoded batches, over all encodes
   * @param meanSerialization mean time to encode one event
   * @param meanDeserialization mean time to decode one record batch
   * @param arrowMemoryBytes Arrow memory in use by the service's allocator now
   */
  public record Report(
      long encodedBatches,
      long encodedRows,
      long decodedBatches,
      long decodedRows,
      double batchesPerSecond,
      double rowsPerSecond,
      double bytesPerSecond,
      double compressionRatio,
      double nullPercentage,
      Duration meanSerialization,
      Duration meanDeserialization,
      long arrowMemoryBytes) {}
}
