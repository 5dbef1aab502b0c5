package io.flowctl.client.stream;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
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
 */
public final class ArrowProcessor implements AutoCloseable {
  /** Turns one input batch into one output batch, allocated from {@code allocator}. */
  @FunctionalInterface
  public interface Transform {
    /** The output batch; the processor closes it after encoding. */
    VectorSchemaRoot apply(ArrowEventReader input, BufferAllocator allocator) throws Exception;
  }

  private static final ArrowSourceService.Identified END =
      new ArrowSourceService.Identified("", Event.getDefaultInstance());

  private final ArrowEventCodec codec;
  private final BufferAllocator allocator;
  private final Transform transform;
  private final BlockingQueue<ArrowSourceService.Identified> queue;
  private final ArrowStreamConsumer consumer;
  private final ArrowSourceService output;
  private final AtomicLong produced = new AtomicLong();

  public ArrowProcessor(
      String componentId,
      Channel upstream,
      StreamRequest request,
      int maxInflight,
      ArrowEventCodec codec,
      BufferAllocator allocator,
      Transform transform,
      ArrowStreamConsumer.ErrorListener errors) {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.allocator = Objects.requireNonNull(allocator, "allocator");
    this.transform = Objects.requireNonNull(transform, "transform");
    this.queue = new ArrayBlockingQueue<>(maxInflight);
    this.consumer =
        new ArrowStreamConsumer(
            upstream, request, maxInflight, this::process, errors, Duration.ofMillis(200));
    this.output = new ArrowSourceService(componentId, resumeAfter -> drain());
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
                queue.put(END);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  public long producedEvents() {
    return produced.get();
  }

  /** Every input batch becomes one output event. */
  private void process(Event in) throws Exception {
    try (ArrowEventReader reader = codec.decode(in, allocator)) {
      while (reader.loadNextBatch()) {
        Event out;
        try (VectorSchemaRoot result = transform.apply(reader, allocator)) {
          out = codec.encode(result);
        }
        String id = Long.toString(produced.incrementAndGet());
        queue.put(new ArrowSourceService.Identified(id, out)); // waits while downstream is behind
      }
    }
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
