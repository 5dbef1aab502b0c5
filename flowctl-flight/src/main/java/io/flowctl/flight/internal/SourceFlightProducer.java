package io.flowctl.flight.internal;

import io.flowctl.client.Flowctl.BatchEmitter;
import io.flowctl.client.spi.SourceEndpointProvider.Spec;
import io.flowctl.flight.FlightStreams;
import io.flowctl.flight.FlightTicket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.NoOpFlightProducer;
import org.apache.arrow.flight.SchemaResult;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * A source's output as one Flight stream: listed, described by its path, and read with {@code
 * DoGet(stream[:start[:end]])}, which runs the source's producer on the call's thread with the
 * ticket's ledgers as its parameters. Each batch the producer emits is loaded (by reference) into
 * the stream's root and sent once the client is ready for more; a cancelled call interrupts the
 * producer at once. At most {@code maxStreams} calls run at a time.
 */
final class SourceFlightProducer extends NoOpFlightProducer {
  private final Spec spec;
  private final String stream;
  private final Semaphore slots;
  private final Set<Running> running = ConcurrentHashMap.newKeySet();
  private volatile Location location;
  private volatile boolean closing;

  SourceFlightProducer(Spec spec) {
    this.spec = spec;
    this.stream = FlightStreams.stream(spec.eventType());
    this.slots = new Semaphore(spec.maxStreams());
  }

  String stream() {
    return stream;
  }

  void location(Location where) {
    this.location = where;
  }

  private FlightInfo info() {
    return new FlightInfo(
        spec.schema(),
        FlightDescriptor.path(stream),
        List.of(new FlightEndpoint(new Ticket(stream.getBytes(StandardCharsets.UTF_8)), location)),
        -1,
        -1);
  }

  private boolean serves(String name) {
    return stream.equals(name) || spec.eventType().equals(name);
  }

  private RuntimeException unknown(String name) {
    return CallStatus.NOT_FOUND
        .withDescription("no stream '" + name + "': this source serves '" + stream + "'")
        .toRuntimeException();
  }

  @Override
  public void listFlights(CallContext context, Criteria criteria, StreamListener<FlightInfo> out) {
    out.onNext(info());
    out.onCompleted();
  }

  @Override
  public FlightInfo getFlightInfo(CallContext context, FlightDescriptor descriptor) {
    return info(descriptor);
  }

  @Override
  public SchemaResult getSchema(CallContext context, FlightDescriptor descriptor) {
    info(descriptor);
    return new SchemaResult(spec.schema());
  }

  private FlightInfo info(FlightDescriptor descriptor) {
    if (descriptor.isCommand()) {
      throw CallStatus.INVALID_ARGUMENT
          .withDescription("streams are named by path ['" + stream + "'], not by command")
          .toRuntimeException();
    }
    List<String> path = descriptor.getPath();
    String name = path.isEmpty() ? "" : path.get(0);
    if (!serves(name)) {
      throw unknown(name);
    }
    return info();
  }

  @Override
  public void getStream(CallContext context, Ticket ticket, ServerStreamListener listener) {
    FlightTicket t;
    try {
      t = FlightTicket.of(ticket);
    } catch (IllegalArgumentException e) {
      listener.error(
          CallStatus.INVALID_ARGUMENT
              .withDescription("ticket: " + e.getMessage() + " (stream[:start[:end]])")
              .toRuntimeException());
      return;
    }
    if (!serves(t.stream())) {
      listener.error(unknown(t.stream()));
      return;
    }
    if (closing || !slots.tryAcquire()) {
      listener.error(
          CallStatus.RESOURCE_EXHAUSTED
              .withDescription(
                  closing
                      ? "the source is stopping"
                      : "at most " + spec.maxStreams() + " Flight streams run at once")
              .toRuntimeException());
      return;
    }
    Running r = new Running(Thread.currentThread());
    running.add(r);
    // gRPC runs a call's callbacks one at a time, so Flight's cancel handler cannot run while this
    // call's thread works: the call's context is cancelled at once, from the transport.
    io.grpc.Context.CancellationListener onCancel = cancelled -> r.cancel();
    io.grpc.Context call = io.grpc.Context.current();
    call.addListener(onCancel, Runnable::run);
    try {
      serve(t, listener, r);
    } finally {
      call.removeListener(onCancel);
      r.finish();
      running.remove(r);
      slots.release();
    }
  }

  private void serve(FlightTicket ticket, ServerStreamListener listener, Running r) {
    Map<String, String> params = ticket.params();
    Schema schema = spec.schema();
    try (BufferAllocator a =
            spec.allocator().newChildAllocator("flight-doget", 0, spec.allocator().getLimit());
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, a)) {
      VectorLoader loader = new VectorLoader(root);
      listener.start(root);
      spec.producer()
          .produce(
              new BatchEmitter() {
                private VectorSchemaRoot checked; // the last root whose schema was checked

                @Override
                public void emit(VectorSchemaRoot batch) throws InterruptedException {
                  if (batch != checked) {
                    if (!batch.getSchema().equals(schema)) {
                      throw new IllegalStateException(
                          "the producer emitted a batch of another schema than the source's: "
                              + batch.getSchema());
                    }
                    checked = batch;
                  }
                  awaitReady(listener, r);
                  try (ArrowRecordBatch rb =
                      owned(new VectorUnloader(batch).getRecordBatch(), batch, a)) {
                    loader.load(rb);
                  }
                  listener.putNext();
                }

                @Override
                public BufferAllocator allocator() {
                  return a;
                }

                @Override
                public Map<String, String> params() {
                  return params;
                }

                @Override
                public String resumeAfter() {
                  return "";
                }
              });
      if (r.cancelled()) {
        return;
      }
      listener.completed();
    } catch (InterruptedException e) {
      // cancelled by the client or the source stopping: nothing more to say on this call
      if (!r.cancelled()) {
        listener.error(
            CallStatus.CANCELLED.withDescription("the source is stopping").toRuntimeException());
      }
    } catch (Exception | Error e) {
      if (!r.cancelled()) {
        listener.error(
            CallStatus.INTERNAL
                .withDescription("the source's producer failed: " + e)
                .withCause(e)
                .toRuntimeException());
      }
    }
  }

  /**
   * Waits until gRPC takes more of this call's messages. Its readiness callback, like the cancel
   * one, cannot run while this thread works, so readiness (read from the transport) is polled, with
   * pauses growing from 10 µs to 1 ms while the client is behind.
   */
  private static void awaitReady(ServerStreamListener listener, Running r)
      throws InterruptedException {
    int waits = 0;
    while (!listener.isReady()) {
      if (r.cancelled() || Thread.interrupted()) {
        throw new InterruptedException("the Flight stream was cancelled");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(
          Math.min(1_000_000L, 10_000L << Math.min(waits++, 7)));
    }
    if (r.cancelled()) {
      throw new InterruptedException("the Flight stream was cancelled");
    }
  }

  /**
   * The batch's buffers as the stream's root can hold them: by reference when the producer's memory
   * shares the stream's root allocator, else copied into the stream's memory (a producer may emit
   * batches from an allocator of its own).
   */
  private static ArrowRecordBatch owned(
      ArrowRecordBatch rb, VectorSchemaRoot batch, BufferAllocator a) {
    if (batch.getFieldVectors().isEmpty()
        || batch.getFieldVectors().get(0).getAllocator().getRoot() == a.getRoot()) {
      return rb;
    }
    List<org.apache.arrow.memory.ArrowBuf> copies = new java.util.ArrayList<>();
    try (rb) {
      for (org.apache.arrow.memory.ArrowBuf b : rb.getBuffers()) {
        long n = b.readableBytes();
        org.apache.arrow.memory.ArrowBuf c = a.buffer(n);
        copies.add(c);
        c.setBytes(0, b, b.readerIndex(), n);
        c.writerIndex(n);
      }
      return new ArrowRecordBatch(
          rb.getLength(), rb.getNodes(), copies, rb.getBodyCompression(), true, false);
    } catch (RuntimeException e) {
      copies.forEach(org.apache.arrow.memory.ArrowBuf::close);
      throw e;
    }
  }

  /** Stops taking streams and interrupts those running. */
  void close() {
    closing = true;
    for (Running r : running) {
      r.cancel();
    }
  }

  /** A DoGet call in progress: its thread, interrupted only while it still runs this call. */
  private static final class Running {
    private Thread thread;
    private boolean cancelled;

    Running(Thread thread) {
      this.thread = thread;
    }

    synchronized void cancel() {
      cancelled = true;
      if (thread != null) {
        thread.interrupt();
      }
    }

    synchronized boolean cancelled() {
      return cancelled;
    }

    /**
     * The call is over: later cancels do not touch the pooled thread, and a stray interrupt goes.
     */
    synchronized void finish() {
      thread = null;
      Thread.interrupted();
    }
  }
}
