package io.flowctl.client;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.flowctl.FlowctlException;
import io.flowctl.client.Flowctl.BatchConsumer;
import io.flowctl.client.Flowctl.Component;
import io.flowctl.client.Flowctl.MessageHandler;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.component.internal.ComponentRuntime;
import io.flowctl.client.control.SchemaResolver;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.client.stream.ConsumerHandler;
import io.flowctl.client.stream.internal.ArrowConsumerService;
import io.flowctl.proto.Event;
import io.flowctl.proto.ServiceType;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;

/** Settings of a consumer (sink). */
public final class ConsumerBuilder extends ReadingBuilder<ConsumerBuilder, ConsumerHandler> {
  private BatchConsumer batches;
  private final Map<String, MessageHandler<Message>> typed = new LinkedHashMap<>();
  private final Map<String, Parser<? extends Message>> parsers = new LinkedHashMap<>();
  private Runnable finish = () -> {};

  ConsumerBuilder(String id) {
    super(id);
  }

  /**
   * An event type it reads as records of {@code type}: batches are projected by name to the
   * record's mapping ({@link RecordMapping}) first.
   */
  public ConsumerBuilder input(String eventType, Class<? extends Record> type) {
    return input(eventType, RecordMapping.of(type).schema());
  }

  /** The handler of every input batch as records of {@code type}; instead of {@link #onBatch}. */
  public <R extends Record> ConsumerBuilder onRecords(Class<R> type, Flowctl.RecordConsumer<R> c) {
    Objects.requireNonNull(c, "c");
    RecordMapping<R> reads = RecordMapping.of(type);
    return onBatch(batch -> c.accept(reads.fromBatch(batch)));
  }

  /** The handler of every Arrow batch it reads. */
  public ConsumerBuilder onBatch(BatchConsumer c) {
    this.batches = Objects.requireNonNull(c, "c");
    return this;
  }

  /** The handler of plain protobuf events of {@code eventType}, parsed with {@code parser}. */
  @SuppressWarnings("unchecked")
  public <M extends Message> ConsumerBuilder onMessage(
      String eventType, Parser<M> parser, MessageHandler<M> handler) {
    Objects.requireNonNull(handler, "handler");
    input(eventType);
    parsers.put(eventType, Objects.requireNonNull(parser, "parser"));
    typed.put(eventType, (MessageHandler<Message>) (MessageHandler<?>) handler);
    return this;
  }

  /**
   * Called when a stream of input ends (the runner closed it), once per stream: flush. The runner
   * may open several streams, at once or one after another; release what the whole component holds
   * when it closes, not here.
   */
  public ConsumerBuilder onFinish(Runnable finish) {
    this.finish = Objects.requireNonNull(finish, "finish");
    return this;
  }

  /** A build of a component whose handlers are set: see {@link SourceBuilder#build()}. */
  public Component build() {
    if (batches == null && typed.isEmpty() && raw == null) {
      throw new IllegalStateException("consumer '" + id + "': set onBatch(...) or onMessage(...)");
    }
    Jvm.requireArrowAccess();
    ComponentConfig cfg = configOrEnv();
    BufferAllocator allocator = newAllocator();
    CodecMetrics metrics = metricsFor(allocator);
    ArrowEventCodec in = ArrowEventCodec.builder().metrics(metrics).build();
    Map<String, SchemaResolver> resolvers = resolvers(metrics);
    BatchConsumer onBatch = batches;
    Map<String, MessageHandler<Message>> onMessage = Map.copyOf(typed);
    Map<String, Parser<? extends Message>> parse = Map.copyOf(parsers);
    Runnable done = finish;
    ConsumerHandler batchHandler =
        new ConsumerHandler() {
          @Override
          public void handle(Event event) throws Exception {
            MessageHandler<Message> h = onMessage.get(event.getEventType());
            if (h != null) {
              h.handle(parse(parse.get(event.getEventType()), event), event);
              return;
            }
            if (onBatch == null) {
              throw new FlowctlException(
                  FlowctlException.Code.INVALID_ARGUMENT,
                  "no handler for event type '" + event.getEventType() + "'");
            }
            Streams.eachBatch(
                event, in, resolvers.get(event.getEventType()), allocator, onBatch::accept);
          }

          @Override
          public void finish() {
            done.run();
          }
        };
    ComponentHealth health = new ComponentHealth();
    ArrowConsumerService service =
        ArrowConsumerService.builder(cfg.id(), raw != null ? raw : () -> batchHandler)
            .maxInflight(maxInflight)
            .health(health)
            .build();
    ComponentRuntime runtime =
        runtime(cfg, ServiceType.SERVICE_TYPE_SINK, service)
            .health(health)
            .inputs(inputs)
            .readerSchemas(Map.copyOf(readerSchemas))
            .readerModels(Map.copyOf(readerModels))
            .metadata(Map.copyOf(metadata))
            .codecMetrics(metrics)
            .build();
    return new RunningComponent(runtime, allocator, java.util.Set.of());
  }
}
