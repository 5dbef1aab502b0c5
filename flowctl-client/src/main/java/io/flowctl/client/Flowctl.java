package io.flowctl.client;

import com.google.protobuf.Message;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.component.internal.ComponentRuntime;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.proto.Event;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * Where a flowctl component starts: one entry point per role, each returning a builder; {@code
 * build()} gives a {@link Component} to {@code start()}, {@code run()} or {@code close()}.
 *
 * <pre>{@code
 * Flowctl.processor("asset-totals")
 *     .input(TTP_EVENTS)
 *     .output(TOTALS, TOTALS_SCHEMA)
 *     .onBatch((batch, allocator) -> totals.apply(batch, allocator))
 *     .build()
 *     .run();
 * }</pre>
 *
 * <p>Handlers work on Arrow batches: the SDK decodes each event (checking it against its {@code
 * ArrowMetadata}), projects it to the reader schema when one is declared, calls the handler,
 * encodes what it returns with the configured compression, and closes every buffer. Plain protobuf
 * events reach {@code onMessage} handlers, and raw events {@code onEvent}. The rest is the SDK's:
 * the gRPC server upstream's runner calls, registration and heartbeats, the health server, schema
 * registration, back-pressure and a graceful drain (see {@link ComponentRuntime}). Configuration
 * comes from the environment upstream's launcher sets ({@link ComponentConfig#fromEnv}) unless
 * {@code config(...)} gives it in code.
 */
public final class Flowctl {
  private Flowctl() {}

  /** A source: it streams the batches its producer emits. */
  public static SourceBuilder source(String id) {
    return new SourceBuilder(id);
  }

  /** A processor: each input batch becomes the batch its handler returns. */
  public static ProcessorBuilder processor(String id) {
    return new ProcessorBuilder(id);
  }

  /** A consumer (sink): its handler takes every input batch. */
  public static ConsumerBuilder consumer(String id) {
    return new ConsumerBuilder(id);
  }

  /** A running (or runnable) component. Thread-safe. */
  public interface Component extends AutoCloseable {
    /** Binds the servers and starts registering; returns once it serves. */
    Component start();

    /**
     * Starts (if needed) and blocks until SIGTERM or SIGINT, then drains, unregisters and returns:
     * for a program's {@code main}. A library embedding a component calls {@link #start()} and
     * {@link #close()} instead.
     */
    void run() throws InterruptedException;

    /** Waits until the control plane acknowledged the registration. */
    boolean awaitRegistered(Duration timeout) throws InterruptedException;

    /** The data-plane endpoint it registered. */
    String endpoint();

    /** Its health: set DEGRADED or UNHEALTHY when the work says so. */
    ComponentHealth health();

    /** The port of its HTTP health server ({@code /health}, {@code /metrics}). */
    int healthPort();

    /** Waits until it has stopped serving (after {@link #close()}). */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /**
     * Where a source serves its batches over Arrow Flight ({@code grpc+tcp://host:port}), once
     * started; empty when it does not (see {@link SourceBuilder#serveFlight}).
     */
    default java.util.Optional<String> flightEndpoint() {
      return java.util.Optional.empty();
    }

    /** Whether {@link #close()} was called. */
    boolean closed();

    /** Drains, unregisters and releases everything; calling it again does nothing. */
    @Override
    void close();
  }

  /** Produces a source's batches; called once per stream a reader opens. */
  @FunctionalInterface
  public interface BatchProducer {
    void produce(BatchEmitter out) throws Exception;
  }

  /** Where a producer's batches go. */
  public interface BatchEmitter {
    /**
     * Encodes {@code batch} as the next event; blocks while the reader is behind. The batch stays
     * the caller's (it may be refilled and emitted again).
     */
    void emit(VectorSchemaRoot batch) throws InterruptedException;

    /** Memory for the producer's batches, bounded by the component's memory limit. */
    BufferAllocator allocator();

    /**
     * The stream's parameters (upstream's runner passes {@code start_ledger}, {@code end_ledger}).
     */
    Map<String, String> params();

    /**
     * The id of the last event the reader handled, when it resumes: events are numbered 1, 2, … in
     * emit order, so resuming after "n" means starting with the n+1st. Empty from the start.
     */
    String resumeAfter();
  }

  /** Produces a source's rows, one at a time; the SDK gathers them into batches. */
  @FunctionalInterface
  public interface RowProducer {
    void produce(RowEmitter out) throws Exception;
  }

  /**
   * Where a row producer's rows go: a batch is shipped when it holds the batch size's rows, when
   * its buffers pass the byte budget, or when a row arrives after the first pending one waited the
   * timeout (the pipeline's {@code batch_size} and {@code batch_accumulation_timeout}); what is
   * left is shipped when the producer returns.
   */
  public interface RowEmitter {
    /** Appends one row, written into the pending batch at {@code row}. */
    void row(io.flowctl.client.codec.BatchAccumulator.RowWriter writer) throws InterruptedException;

    /** Ships the pending rows now (an idle producer calls it so nothing waits). */
    void flush() throws InterruptedException;

    /** The stream's parameters. */
    Map<String, String> params();

    /** See {@link BatchEmitter#resumeAfter()}: batches are numbered as they are shipped. */
    String resumeAfter();
  }

  /** Produces a source's records; the SDK maps them to Arrow and gathers them into batches. */
  @FunctionalInterface
  public interface RecordProducer<R extends Record> {
    void produce(RecordEmitter<R> out) throws Exception;
  }

  /**
   * Where a record producer's records go: gathered into batches as a {@link RowEmitter}'s rows are
   * (the batch size's records, the byte budget, the first record's timeout: {@code batching(...)}
   * or the pipeline's settings); what is left is shipped when the producer returns.
   */
  public interface RecordEmitter<R extends Record> {
    /** Appends one record; blocks while the reader is behind. */
    void emit(R record) throws InterruptedException;

    /** Ships the pending records now (an idle producer calls it so nothing waits). */
    void flush() throws InterruptedException;

    /** The stream's parameters. */
    Map<String, String> params();

    /** See {@link BatchEmitter#resumeAfter()}: batches are numbered as they are shipped. */
    String resumeAfter();
  }

  /** Turns the records of one input batch into the records to emit; empty or null emits none. */
  @FunctionalInterface
  public interface RecordFunction<I extends Record, O extends Record> {
    List<O> apply(List<I> input) throws Exception;
  }

  /** Takes the records of one input batch. */
  @FunctionalInterface
  public interface RecordConsumer<R extends Record> {
    void accept(List<R> records) throws Exception;
  }

  /** Turns one input batch into one output batch; null emits nothing for it. */
  @FunctionalInterface
  public interface BatchFunction {
    /** The output, allocated from {@code allocator}; the SDK encodes and closes it. */
    VectorSchemaRoot apply(VectorSchemaRoot input, BufferAllocator allocator) throws Exception;
  }

  /** Takes one input batch; valid only during the call. */
  @FunctionalInterface
  public interface BatchConsumer {
    void accept(VectorSchemaRoot batch) throws Exception;
  }

  /** Turns one typed protobuf message into the message to emit; null emits nothing. */
  @FunctionalInterface
  public interface MessageFunction<M> {
    Message apply(M message, Event event) throws Exception;
  }

  /** Handles one typed protobuf message. */
  @FunctionalInterface
  public interface MessageHandler<M> {
    void handle(M message, Event event) throws Exception;
  }
}
