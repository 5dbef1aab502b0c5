package io.flowctl.client;

import io.flowctl.FlowctlException;
import io.flowctl.client.Flowctl.BatchEmitter;
import io.flowctl.client.Flowctl.BatchProducer;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.control.SchemaResolver;
import io.flowctl.client.stream.ArrowSourceService;
import io.flowctl.proto.Event;
import io.flowctl.schema.OwnedBatch;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;

/** The plumbing between handlers and the data-plane services. */
final class Streams {
  private Streams() {}

  /** Runs {@code body} on every batch of an Arrow event, projected when a resolver is given. */
  interface Body {
    void accept(VectorSchemaRoot batch) throws Exception;
  }

  static void eachBatch(
      Event event,
      ArrowEventCodec codec,
      SchemaResolver resolver,
      BufferAllocator allocator,
      Body body)
      throws Exception {
    try (ArrowEventReader reader = codec.decode(event, allocator)) {
      while (reader.loadNextBatch()) {
        if (resolver == null) {
          body.accept(reader.root());
        } else {
          try (OwnedBatch p = resolver.project(reader, allocator)) {
            body.accept(p.root());
          }
        }
      }
    }
  }

  private static final ArrowSourceService.Identified END =
      new ArrowSourceService.Identified("", Event.getDefaultInstance());

  /**
   * The events a producer emits, on a thread of its own, at most {@code window} encoded ahead of
   * the reader. A producer that fails ends the stream with its error.
   */
  static ArrowSourceService.Events produced(
      BatchProducer producer,
      ArrowEventCodec codec,
      BufferAllocator allocator,
      ArrowSourceService.Start start,
      int window,
      java.util.Set<Thread> producers) {
    BlockingQueue<ArrowSourceService.Identified> queue = new ArrayBlockingQueue<>(window);
    long first = parseOrZero(start.resumeAfter());
    AtomicLong next = new AtomicLong(first);
    Throwable[] failure = {null};
    Thread t =
        new Thread(
            () -> {
              try {
                producer.produce(
                    new BatchEmitter() {
                      @Override
                      public void emit(VectorSchemaRoot batch) throws InterruptedException {
                        queue.put(
                            new ArrowSourceService.Identified(
                                Long.toString(next.incrementAndGet()), codec.encode(batch)));
                      }

                      @Override
                      public BufferAllocator allocator() {
                        return allocator;
                      }

                      @Override
                      public Map<String, String> params() {
                        return start.params();
                      }

                      @Override
                      public String resumeAfter() {
                        return start.resumeAfter();
                      }
                    });
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (Exception | Error e) {
                failure[0] = e;
              } finally {
                producers.remove(Thread.currentThread());
                try {
                  if (Thread.currentThread().isInterrupted()) {
                    queue.offer(END); // closing: nobody may read it
                  } else {
                    queue.put(END);
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            "flowctl-source-producer");
    t.setDaemon(true);
    producers.add(t);
    t.start();
    return new ArrowSourceService.Events() {
      private ArrowSourceService.Identified pending;
      private volatile boolean closed;

      /** The reader went away: stop the producer now and free a {@code hasNext} waiting on it. */
      @Override
      public void close() {
        closed = true;
        t.interrupt();
        queue.clear();
        queue.offer(END);
      }

      @Override
      public boolean hasNext() {
        if (closed) {
          return false;
        }
        if (pending == null) {
          try {
            pending = queue.poll(365, TimeUnit.DAYS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.interrupt();
            return false;
          }
        }
        if (closed) {
          return false;
        }
        if (pending == END) {
          synchronized (failure) {
            if (failure[0] != null) {
              Throwable f = failure[0];
              failure[0] = null;
              throw new FlowctlException(
                  FlowctlException.Code.INTERNAL, "the source's producer failed: " + f, f);
            }
          }
          return false;
        }
        return true;
      }

      @Override
      public ArrowSourceService.Identified next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        ArrowSourceService.Identified n = pending;
        pending = null;
        return n;
      }
    };
  }

  private static long parseOrZero(String id) {
    try {
      return id.isEmpty() ? 0 : Long.parseLong(id);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
