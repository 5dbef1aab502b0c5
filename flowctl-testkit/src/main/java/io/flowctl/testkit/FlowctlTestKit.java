package io.flowctl.testkit;

import io.flowctl.client.ComponentBuilder;
import io.flowctl.client.Flowctl;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.stream.internal.V1Events;
import io.flowctl.proto.Event;
import io.flowctl.proto.internal.OneAnswer;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.server.FlowctlServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.util.TransferPair;

/**
 * Runs a control plane and a test's components on loopback, and drives them the way upstream's
 * runner does (StreamEvents, Process, Consume), for JUnit tests of components written with {@link
 * Flowctl}.
 *
 * <pre>{@code
 * try (FlowctlTestKit kit = FlowctlTestKit.start()) {
 *   Flowctl.Component doubler = kit.start(Flowctl.processor("doubler").input("t").output("u", s).onBatch(f));
 *   List<VectorSchemaRoot> out = kit.batches(kit.process(doubler, kit.events("t", batch)));
 * }
 * }</pre>
 *
 * <p>Everything it returns (batches, components) is closed with it. Real gRPC servers and channels:
 * what passes here passes against a real control plane.
 */
public final class FlowctlTestKit implements AutoCloseable {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final FlowctlServer controlPlane;
  private final BufferAllocator allocator = new RootAllocator(1L << 30);
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final Map<String, ManagedChannel> channels =
      new java.util.concurrent.ConcurrentHashMap<>();
  private int nextEvent;

  private FlowctlTestKit(FlowctlServer controlPlane) {
    this.controlPlane = controlPlane;
  }

  /** Starts an in-memory control plane on a free loopback port. */
  public static FlowctlTestKit start() throws IOException {
    return new FlowctlTestKit(
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start());
  }

  /** The control plane (its registries, schemas and runs). */
  public FlowctlServer controlPlane() {
    return controlPlane;
  }

  /** Its gRPC target, {@code 127.0.0.1:PORT}. */
  public String target() {
    return "127.0.0.1:" + controlPlane.port();
  }

  /** Memory for the test's batches (1 GiB at most); closed with the kit, leaks reported then. */
  public BufferAllocator allocator() {
    return allocator;
  }

  /** A configuration for component {@code id} on loopback: free ports, fast heartbeats. */
  public ComponentConfig config(String id) {
    return configBuilder(id).build();
  }

  /**
   * {@link #config}'s settings, to change some (a batch size, a timeout) before {@link
   * #start(ComponentBuilder, ComponentConfig)}.
   */
  public ComponentConfig.Builder configBuilder(String id) {
    return ComponentConfig.builder(id)
        .controlPlane(target())
        .heartbeatInterval(Duration.ofMillis(200))
        .healthPort(0);
  }

  /**
   * Builds the component on this kit's control plane, starts it and waits for its registration.
   *
   * @throws IllegalStateException when it does not register within 30 s
   */
  public <B extends ComponentBuilder<B>> Flowctl.Component start(B builder) {
    return start(builder, config(builder.id()));
  }

  /** As {@link #start(ComponentBuilder)}, with {@code config} (see {@link #configBuilder}). */
  public <B extends ComponentBuilder<B>> Flowctl.Component start(
      B builder, ComponentConfig config) {
    Flowctl.Component c = builder.config(config).build().start();
    owned.add(c);
    try {
      if (!c.awaitRegistered(WAIT)) {
        throw new IllegalStateException(builder.id() + " did not register within " + WAIT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while " + builder.id() + " registered", e);
    }
    return c;
  }

  /** Events of {@code eventType}, one per batch, as a source would send them (LZ4 Arrow IPC). */
  public List<Event> events(String eventType, VectorSchemaRoot... batches) {
    ArrowEventCodec codec =
        ArrowEventCodec.builder().eventType(eventType).compression(Compression.LZ4).build();
    List<Event> out = new ArrayList<>();
    for (VectorSchemaRoot b : batches) {
      out.add(codec.encode(b));
    }
    return out;
  }

  /** Events of {@code eventType} carrying protobuf messages, as Go components send them. */
  public List<Event> messages(String eventType, com.google.protobuf.Message... messages) {
    List<Event> out = new ArrayList<>();
    for (com.google.protobuf.Message m : messages) {
      out.add(Event.newBuilder().setEventType(eventType).setPayload(m.toByteString()).build());
    }
    return out;
  }

  /**
   * The batches in {@code events}, decoded through the hardened reader into this kit's memory;
   * closed with the kit.
   */
  public List<VectorSchemaRoot> batches(List<Event> events) {
    ArrowEventCodec codec = ArrowEventCodec.builder().build();
    List<VectorSchemaRoot> out = new ArrayList<>();
    for (Event e : events) {
      try (ArrowEventReader r = codec.decode(e, allocator)) {
        while (r.loadNextBatch()) {
          VectorSchemaRoot copy = VectorSchemaRoot.create(r.schema(), allocator);
          for (int i = 0; i < copy.getFieldVectors().size(); i++) {
            TransferPair t = r.root().getVector(i).makeTransferPair(copy.getVector(i));
            t.transfer();
          }
          copy.setRowCount(r.root().getRowCount());
          owned.add(copy);
          out.add(copy);
        }
      }
    }
    return out;
  }

  /** Every event a source streams from the start, until it ends its stream. */
  public List<Event> stream(Flowctl.Component source) {
    return stream(source, Map.of());
  }

  /** Every event a source streams with these parameters, until it ends its stream. */
  public List<Event> stream(Flowctl.Component source, Map<String, String> params) {
    List<Event> out = new ArrayList<>();
    Iterator<io.flowctl.proto.v1.Event> it =
        SourceServiceGrpc.newBlockingStub(channel(source))
            .withDeadlineAfter(WAIT.toMillis(), TimeUnit.MILLISECONDS)
            .streamEvents(StreamRequest.newBuilder().putAllParams(params).build());
    it.forEachRemaining(e -> out.add(V1Events.fromV1(e)));
    return out;
  }

  /** Sends {@code events} through a processor's Process stream; returns what it answered. */
  public List<Event> process(Flowctl.Component processor, List<Event> events) {
    List<Event> out = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<io.flowctl.proto.v1.Event> in =
        ProcessorServiceGrpc.newStub(channel(processor))
            .process(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.flowctl.proto.v1.Event e) {
                    out.add(V1Events.fromV1(e));
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    send(events, in);
    await(done, "the processor's answer");
    return new ArrayList<>(out);
  }

  /** Sends {@code events} to a consumer's Consume stream; returns how many it took. */
  public long consume(Flowctl.Component consumer, List<Event> events) {
    OneAnswer<io.flowctl.proto.v1.Event, ConsumeResponse> answer =
        new OneAnswer<>("the consumer ended its stream without an answer");
    StreamObserver<io.flowctl.proto.v1.Event> in =
        ConsumerServiceGrpc.newStub(channel(consumer)).consume(answer);
    send(events, in);
    return await(answer, "the consumer's answer").getEventsConsumed();
  }

  /** Each event on the wire as a source would send it: flowctl.v1 with an id of its own. */
  private void send(List<Event> events, StreamObserver<io.flowctl.proto.v1.Event> in) {
    for (Event e : events) {
      int n;
      synchronized (this) {
        n = ++nextEvent;
      }
      in.onNext(V1Events.toV1("test-" + n, "flowctl-test-kit", e));
    }
    in.onCompleted();
  }

  private ManagedChannel channel(Flowctl.Component c) {
    return channels.computeIfAbsent(
        c.endpoint(),
        e ->
            NettyChannelBuilder.forTarget(e)
                .usePlaintext()
                .maxInboundMessageSize(64 << 20)
                .build());
  }

  private static <T> T await(CompletableFuture<T> f, String what) {
    try {
      return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + " failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException(what + " did not come within " + WAIT, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + what, e);
    }
  }

  /** Closes the components, channels, batches, memory and the control plane. */
  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdownNow);
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        // go on closing the rest
      }
    }
    try {
      allocator.close();
    } finally {
      controlPlane.close();
    }
  }
}
