package io.flowctl.client.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.ArrowEventReader;
import io.flowctl.client.stream.internal.LegacyProcessorService;
import io.flowctl.client.stream.internal.LegacyPublisher;
import io.flowctl.client.stream.internal.LegacySinkService;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventProcessorGrpc;
import io.flowctl.proto.ProcessorError;
import io.flowctl.proto.SinkAck;
import io.flowctl.testing.BatchData;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/** The legacy data plane's sink and processor helpers over loopback. */
class LegacyDataPlaneTest {
  static final Schema S = new Schema(List.of(Field.nullable("n", new ArrowType.Int(64, true))));

  static List<Event> events(BufferAllocator allocator, int n) {
    List<Event> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      try (BatchData.Written w = new BatchData(S, List.of(List.of(i))).write(allocator)) {
        out.add(ArrowEventCodec.defaults().encode(w.root()));
      }
    }
    return out;
  }

  @Test
  void aPublisherFillsASink_andAFailingEventIsReportedInTheAck() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Event> events = new ArrayList<>(events(allocator, 20));
      events.set(
          5, events.get(5).toBuilder().setPayload(ByteString.copyFromUtf8("garbage")).build());
      List<Object> values = new CopyOnWriteArrayList<>();
      LegacySinkService sink =
          new LegacySinkService(
              e -> {
                try (ArrowEventReader in = ArrowEventCodec.defaults().decode(e, allocator)) {
                  while (in.loadNextBatch()) {
                    values.addAll(BatchData.read(in.root(), in.dictionaries()).rows());
                  }
                }
              },
              null);
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(sink)
              .build()
              .start();
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      try {
        SinkAck ack = LegacyPublisher.toSink(ch, events.iterator()).get(30, TimeUnit.SECONDS);

        assertThat(ack.getSuccess()).isFalse();
        assertThat(ack.getMetadataMap()).containsEntry("events", "20").containsEntry("failed", "1");
        assertThat(ack.getError()).startsWith("event 6:");
        assertThat(values).hasSize(19);
        assertThat(sink.ingestedEvents()).isEqualTo(19);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aProcessorAnswersEveryEvent_withAProcessorErrorForTheOneItCannotProcess() throws Exception {
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Event> events = new ArrayList<>(events(allocator, 10));
      events.set(
          3, events.get(3).toBuilder().setPayload(ByteString.copyFromUtf8("broken")).build());
      AtomicLong processed = new AtomicLong();
      LegacyProcessorService processor =
          new LegacyProcessorService(
              "doubler",
              in -> {
                try (ArrowEventReader r = ArrowEventCodec.defaults().decode(in, allocator)) {
                  r.loadNextBatch();
                  processed.incrementAndGet();
                  return in.toBuilder()
                      .putMetadata("rows", Long.toString(r.root().getRowCount()))
                      .build();
                }
              });
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(processor)
              .build()
              .start();
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
      try {
        List<Event> outputs = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<Event> in =
            EventProcessorGrpc.newStub(ch)
                .process(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(Event e) {
                        outputs.add(e);
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
        events.forEach(in::onNext);
        in.onCompleted();
        done.get(30, TimeUnit.SECONDS);

        assertThat(outputs).hasSize(10);
        assertThat(processed.get()).isEqualTo(9);
        Event error = outputs.get(3);
        assertThat(error.getEventType()).isEqualTo(LegacyProcessorService.ERROR_EVENT_TYPE);
        ProcessorError pe = ProcessorError.parseFrom(error.getPayload());
        assertThat(pe.getProcessorId()).isEqualTo("doubler");
        assertThat(Event.parseFrom(pe.getOriginalEvent())).isEqualTo(events.get(3));
        assertThat(outputs.get(4).getMetadataMap()).containsEntry("rows", "1");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
