package io.flowctl.client;

import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.flowctl.FlowctlException;
import io.flowctl.client.Flowctl.BatchFunction;
import io.flowctl.client.Flowctl.Component;
import io.flowctl.client.Flowctl.MessageFunction;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.component.internal.ComponentRuntime;
import io.flowctl.client.control.SchemaResolver;
import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.client.stream.ComponentHealth;
import io.flowctl.client.stream.internal.ArrowProcessorService;
import io.flowctl.internal.Require;
import io.flowctl.proto.Event;
import io.flowctl.proto.ServiceType;
import io.flowctl.schema.ReaderModel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;

/** Settings of a processor. */
public final class ProcessorBuilder
    extends ReadingBuilder<ProcessorBuilder, ArrowProcessor.Handler> {
  private String outputType;
  private final Map<String, BatchFunction> functions = new LinkedHashMap<>();
  private BatchFunction fallback;
  private int concurrency = 1;
  private final Map<String, MessageFunction<Message>> typed = new LinkedHashMap<>();
  private final Map<String, Parser<? extends Message>> parsers = new LinkedHashMap<>();
  private io.flowctl.client.protobuf.ProtoConversion conversion;

  ProcessorBuilder(String id) {
    super(id);
  }

  /**
   * An event type it reads as records of {@code type}: batches are projected by name to the
   * record's mapping ({@link RecordMapping}) first.
   */
  public ProcessorBuilder input(String eventType, Class<? extends Record> type) {
    return input(eventType, RecordMapping.of(type).schema());
  }

  /** The event type it emits as records of {@code type}, whose mapping is registered. */
  public ProcessorBuilder output(String eventType, Class<? extends Record> type) {
    return output(eventType, RecordMapping.of(type).schema());
  }

  /**
   * The handler of every input batch as records of {@code in}: the records it returns, of {@code
   * out}, are emitted as one batch (none when empty). Instead of {@link #onBatch}.
   */
  public <I extends Record, O extends Record> ProcessorBuilder onRecords(
      Class<I> in, Class<O> out, Flowctl.RecordFunction<I, O> f) {
    Objects.requireNonNull(f, "f");
    RecordMapping<I> reads = RecordMapping.of(in);
    RecordMapping<O> writes = RecordMapping.of(out);
    return onBatch(
        (batch, allocator) -> {
          List<O> made = f.apply(reads.fromBatch(batch));
          return made == null || made.isEmpty() ? null : writes.toBatch(made, allocator);
        });
  }

  /**
   * The event type it emits and the schema registered for it; replaces an earlier {@code output}.
   */
  public ProcessorBuilder output(String eventType, Schema schema) {
    Objects.requireNonNull(schema, "schema");
    output(eventType);
    outputs.put(eventType, schema);
    return this;
  }

  /**
   * The event type it emits as protobuf messages (no Arrow schema to register); replaces an earlier
   * {@code output}, its schema included.
   */
  public ProcessorBuilder output(String eventType) {
    this.outputType = Objects.requireNonNull(eventType, "eventType");
    outputs.clear(); // one output type: an earlier one's schema is not this one's
    return this;
  }

  /**
   * The handler of one input type's protobuf messages, parsed with {@code parser} (a payload that
   * is not that message is a failed event naming its type); the message it returns is emitted under
   * the output type. Upstream's Go processors exchange such events.
   */
  @SuppressWarnings("unchecked")
  public <M extends Message> ProcessorBuilder onMessage(
      String eventType, Parser<M> parser, MessageFunction<M> f) {
    Objects.requireNonNull(f, "f");
    input(eventType);
    parsers.put(eventType, Objects.requireNonNull(parser, "parser"));
    typed.put(eventType, (MessageFunction<Message>) (MessageFunction<?>) f);
    return this;
  }

  /**
   * A format-conversion processor (the plan's {@code format_conversion}): its inputs, outputs,
   * registered schemas and handler come from {@code conversion}. Converted batches hold the
   * pipeline's batch size, leave with the first event after their oldest message waited the batch
   * timeout or when the input ends, and are written with its compression; events of other types
   * pass through unchanged.
   */
  public ProcessorBuilder convert(io.flowctl.client.protobuf.ProtoConversion conversion) {
    this.conversion = Objects.requireNonNull(conversion, "conversion");
    for (var t : conversion.toArrow().values()) {
      input(t.inputType());
    }
    for (var t : conversion.toProto().values()) {
      declareReader(t.inputType(), t.converter().schema(), ReaderModel.PROJECTING);
      input(t.inputType());
    }
    outputs.putAll(conversion.outputSchemas());
    return this;
  }

  /** The handler of every Arrow input batch (of types without their own). */
  public ProcessorBuilder onBatch(BatchFunction f) {
    this.fallback = Objects.requireNonNull(f, "f");
    return this;
  }

  /**
   * Batches handled at once (handlers must then be thread-safe); outputs still leave in input
   * order. Default 1. The Go SDK's concurrent processors answer in completion order instead.
   */
  public ProcessorBuilder concurrency(int workers) {
    this.concurrency = Require.positive(workers, "concurrency");
    return this;
  }

  /** The handler of the batches of one input type. */
  public ProcessorBuilder onBatch(String eventType, BatchFunction f) {
    functions.put(Objects.requireNonNull(eventType, "eventType"), Objects.requireNonNull(f, "f"));
    return this;
  }

  /** A build of a component whose handlers are set: see {@link SourceBuilder#build()}. */
  public Component build() {
    if (conversion != null) {
      return buildConversion();
    }
    if (outputType == null) {
      throw new IllegalStateException("processor '" + id + "': set output(eventType, schema)");
    }
    if (fallback == null && functions.isEmpty() && typed.isEmpty() && raw == null) {
      throw new IllegalStateException("processor '" + id + "': set onBatch(...) or onMessage(...)");
    }
    Jvm.requireArrowAccess();
    ComponentConfig cfg = configOrEnv();
    BufferAllocator allocator = newAllocator();
    CodecMetrics metrics = metricsFor(allocator);
    ArrowEventCodec out = outputCodec(outputType, cfg, metrics);
    ArrowEventCodec in = ArrowEventCodec.builder().metrics(metrics).build();
    Map<String, SchemaResolver> resolvers = resolvers(metrics);
    Map<String, BatchFunction> byType = Map.copyOf(functions);
    BatchFunction any = fallback;
    Map<String, MessageFunction<Message>> onMessage = Map.copyOf(typed);
    Map<String, Parser<? extends Message>> parse = Map.copyOf(parsers);
    String emitted = outputType;
    ArrowProcessor.Handler batchHandler =
        (event, emit) -> {
          MessageFunction<Message> mf = onMessage.get(event.getEventType());
          if (mf != null) {
            Message result = mf.apply(parse(parse.get(event.getEventType()), event), event);
            if (result != null) {
              emit.emit(
                  Event.newBuilder()
                      .setEventType(emitted)
                      .setPayload(result.toByteString())
                      .setTimestamp(event.getTimestamp())
                      .build());
            }
            return;
          }
          BatchFunction f = byType.getOrDefault(event.getEventType(), any);
          if (f == null) {
            throw new FlowctlException(
                FlowctlException.Code.INVALID_ARGUMENT,
                "no handler for event type '" + event.getEventType() + "'");
          }
          Streams.eachBatch(
              event,
              in,
              resolvers.get(event.getEventType()),
              allocator,
              batch -> {
                try (VectorSchemaRoot result = f.apply(batch, allocator)) {
                  if (result != null) {
                    emit.emit(out.encode(result));
                  }
                }
              });
        };
    ComponentHealth health = new ComponentHealth();
    Supplier<? extends ArrowProcessor.Handler> perStream = raw != null ? raw : () -> batchHandler;
    ArrowProcessorService service =
        ArrowProcessorService.builder(cfg.id(), perStream)
            .maxInflight(maxInflight)
            .concurrency(concurrency)
            .health(health)
            .errors((eventId, e, x) -> metrics.processingError())
            .build();
    return running(cfg, service, health, List.of(outputType), metadata, metrics, allocator);
  }

  private Component buildConversion() {
    Jvm.requireArrowAccess();
    ComponentConfig cfg = configOrEnv();
    BufferAllocator allocator = newAllocator();
    CodecMetrics metrics = metricsFor(allocator);
    Map<String, ArrowEventCodec> codecs = new java.util.concurrent.ConcurrentHashMap<>();
    ArrowEventCodec in = ArrowEventCodec.builder().metrics(metrics).build();
    io.flowctl.client.protobuf.ProtoConversion c = conversion;
    ComponentHealth health = new ComponentHealth();
    ArrowProcessorService service =
        ArrowProcessorService.builder(
                cfg.id(),
                () ->
                    new io.flowctl.client.protobuf.internal.ConversionHandler(
                        c,
                        type -> codecs.computeIfAbsent(type, t -> outputCodec(t, cfg, metrics)),
                        in,
                        allocator,
                        cfg.batchSize(),
                        cfg.batchTimeout()))
            .maxInflight(maxInflight)
            .health(health)
            .errors((eventId, e, x) -> metrics.processingError())
            .build();
    Map<String, String> md = new LinkedHashMap<>(metadata);
    md.putIfAbsent("processor_type", "format_conversion");
    md.putIfAbsent("conversion_mode", c.mode().name().toLowerCase(java.util.Locale.ROOT));
    return running(cfg, service, health, c.outputTypes(), md, metrics, allocator);
  }

  /** The processor {@code service} served and registered with this builder's inputs and schemas. */
  private Component running(
      ComponentConfig cfg,
      ArrowProcessorService service,
      ComponentHealth health,
      List<String> outputTypes,
      Map<String, String> md,
      CodecMetrics metrics,
      BufferAllocator allocator) {
    ComponentRuntime runtime =
        runtime(cfg, ServiceType.SERVICE_TYPE_PROCESSOR, service)
            .health(health)
            .inputs(inputs)
            .readerSchemas(Map.copyOf(readerSchemas))
            .readerModels(Map.copyOf(readerModels))
            .outputs(outputTypes)
            .metadata(Map.copyOf(md))
            .codecMetrics(metrics)
            .schemas(Map.copyOf(outputs))
            .build();
    return new RunningComponent(runtime, allocator, java.util.Set.of());
  }
}
