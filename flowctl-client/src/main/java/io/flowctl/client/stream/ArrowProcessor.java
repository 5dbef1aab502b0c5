package io.flowctl.client.stream;

import io.flowctl.client.codec.BatchReader;
import io.flowctl.client.codec.EventCodec;
import io.flowctl.proto.Event;
import io.flowctl.proto.v1.StreamRequest;
import io.grpc.Channel;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A processor between two streams: pulls its upstream's events, turns every batch into an output
 * batch with the author's transform, and serves the results to its own downstream ({@link
 * #outputService()}). The hand-over queue holds at most {@code maxInflight} events, so a slow
 * downstream stops the pulls from upstream rather than growing memory.
 *
 * <p>For pipelines that mix Arrow and plain protobuf services, the constructor taking a {@link
 * Handler} gives it every event as it arrives, whatever its format.
 */
public final class ArrowProcessor implements AutoCloseable {
  /** Turns one input batch into one output batch, allocated from {@code allocator}. */
  @FunctionalInterface
  public interface Transform {
    /** The output batch; the processor closes it after encoding. */
    VectorSchemaRoot apply(BatchReader input, BufferAllocator allocator) throws Exception;
  }

  /** Where a handler's output events go; blocks while the downstream is behind. */
  @FunctionalInterface
  public interface Emitter {
    void emit(Event event) throws InterruptedException;
  }

  /** Handles input events of any format, emitting zero or more output events for each. */
  @FunctionalInterface
  public interface Handler {
    void handle(Event input, Emitter output) throws Exception;

    /** Called once when the upstream ended, to emit what the handler still holds. */
    default void finish(Emitter output) throws Exception {}

    /**
     * The stream is over, whichever way it ended (after {@link #finish}, or alone when the call was
     * cancelled or ran past its deadline): release what it holds. Called once, last.
     */
    default void close() throws Exception {}
  }

  private static final ArrowSourceService.Identified END =
      new ArrowSourceService.Identified("", Event.getDefaultInstance());

  private final Handler handler;
  private final ArrowStreamConsumer.ErrorListener errors;
  private final BlockingQueue<ArrowSourceService.Identified> queue;
  private final ArrowStreamConsumer consumer;
  private final ArrowSourceService output;
  private final AtomicLong produced = new AtomicLong();

  public ArrowProcessor(
      String componentId,
      Channel upstream,
      StreamRequest request,
      int maxInflight,
      EventCodec codec,
      BufferAllocator allocator,
      Transform transform,
      ArrowStreamConsumer.ErrorListener errors) {
    this(
        componentId,
        upstream,
        request,
        maxInflight,
        arrowHandler(
            Objects.requireNonNull(codec, "codec"),
            Objects.requireNonNull(allocator, "allocator"),
            Objects.requireNonNull(transform, "transform")),
        errors);
  }

  /** A processor whose {@code handler} sees every input event, Arrow or not. */
  public ArrowProcessor(
      String componentId,
      Channel upstream,
      StreamRequest request,
      int maxInflight,
      Handler handler,
      ArrowStreamConsumer.ErrorListener errors) {
    this.handler = Objects.requireNonNull(handler, "handler");
    this.errors = errors;
    this.queue = new ArrayBlockingQueue<>(maxInflight);
    this.consumer =
        new ArrowStreamConsumer(
            upstream,
            request,
            maxInflight,
            in -> handler.handle(in, this::emit),
            errors,
            Duration.ofMillis(200));
    this.output = new ArrowSourceService(componentId, start -> drain());
  }

  /** Every input batch becomes one output event. */
  private static Handler arrowHandler(
      EventCodec codec, BufferAllocator allocator, Transform transform) {
    return (in, out) -> {
      try (BatchReader reader = codec.decode(in, allocator)) {
        while (reader.loadNextBatch()) {
          Event result;
          try (VectorSchemaRoot batch = transform.apply(reader, allocator)) {
            result = codec.encode(batch);
          }
          out.emit(result);
        }
      }
    };
  }

  private void emit(Event event) throws InterruptedException {
    String id = Long.toString(produced.incrementAndGet());
    queue.put(new ArrowSourceService.Identified(id, event)); // waits while downstream is behind
  }

  /** The service to add to this processor's gRPC server for its downstream. */
  public ArrowSourceService outputService() {
    return output;
  }

  /** Starts pulling from upstream. */
  public CompletableFuture<Void> start() {
    return consumer
        .start()
        .whenComplete(
            (ok, err) -> {
              try {
                if (err == null) {
                  handler.finish(this::emit);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception e) {
                if (errors != null) {
                  errors.failed("", Event.getDefaultInstance(), e); // at the end of the stream
                }
              } finally {
                try {
                  queue.put(END);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
  }

  public long producedEvents() {
    return produced.get();
  }

  private Iterator<ArrowSourceService.Identified> drain() {
    return new Iterator<>() {
      private ArrowSourceService.Identified next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          try {
            next = queue.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
        return next != END;
      }

      @Override
      public ArrowSourceService.Identified next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        ArrowSourceService.Identified n = next;
        next = null;
        return n;
      }
    };
  }

  @Override
  public void close() {
    consumer.close();
  }
}
