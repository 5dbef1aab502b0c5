package io.flowctl.client;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.flowctl.FlowctlException;
import io.flowctl.client.Flowctl.Component;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecMetrics;
import io.flowctl.client.codec.Compression;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.control.SchemaResolver;
import io.flowctl.internal.Require;
import io.flowctl.proto.Event;
import io.flowctl.schema.CompatibilityRules;
import io.flowctl.schema.ReaderModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/** Settings every role shares; the role's builder extends it. */
public abstract class ComponentBuilder<B extends ComponentBuilder<B>> {
  final String id;
  ComponentConfig config;
  Compression compression; // null: the configuration's, else LZ4
  CodecMetrics codecMetrics; // null: its own
  int maxInflight = 16;
  long memoryLimit = 1L << 30;
  private BufferAllocator parent; // null: a root of its own
  private io.grpc.ManagedChannel controlPlaneChannel; // null: one from the configuration
  final List<String> inputs = new ArrayList<>();
  final Map<String, Schema> readerSchemas = new LinkedHashMap<>();
  final Map<String, ReaderModel> readerModels = new LinkedHashMap<>();
  final Map<String, Schema> outputs = new LinkedHashMap<>();
  final Map<String, String> metadata = new LinkedHashMap<>();

  ComponentBuilder(String id) {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("a component needs an id");
    }
    this.id = id;
  }

  @SuppressWarnings("unchecked")
  final B self() {
    return (B) this;
  }

  /** The component's id. */
  public String id() {
    return id;
  }

  /** The component, ready to start. */
  public abstract Component build();

  /** Ports, control plane and heartbeats; default {@link ComponentConfig#fromEnv} of this id. */
  public B config(ComponentConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    return self();
  }

  /**
   * Compression of the events it writes: none, lz4 or zstd. Default: the pipeline's ({@code
   * FLOWCTL_ARROW_COMPRESSION}), else lz4.
   */
  public B compression(Compression compression) {
    this.compression = Objects.requireNonNull(compression, "compression");
    return self();
  }

  /** Events requested ahead of the one being handled (back-pressure); default 16. */
  public B maxInflight(int events) {
    this.maxInflight = Require.positive(events, "maxInflight");
    return self();
  }

  /**
   * The allocator the component's memory comes from, as a child of {@code parent} limited to {@link
   * #memoryLimit}: for a host that accounts all its Arrow memory in one tree. The component closes
   * its child, never {@code parent}. Default: a root allocator of its own.
   */
  public B allocator(BufferAllocator parent) {
    this.parent = Objects.requireNonNull(parent, "parent");
    return self();
  }

  /** The Arrow memory the component may hold at once; default 1 GiB. */
  public B memoryLimit(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("memoryLimit must be positive, got " + bytes);
    }
    this.memoryLimit = bytes;
    return self();
  }

  /**
   * The metrics its codecs report into (and its heartbeats send); default its own. A host that
   * shows several components' figures together passes one per component.
   */
  public B codecMetrics(CodecMetrics metrics) {
    this.codecMetrics = Objects.requireNonNull(metrics, "metrics");
    return self();
  }

  /** Registration metadata. */
  public B metadata(String key, String value) {
    metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return self();
  }

  ComponentConfig configOrEnv() {
    return config != null ? config : ComponentConfig.fromEnv(System.getenv(), id);
  }

  /** The builder's compression, else the pipeline's ({@code config.arrow}), else LZ4. */
  Compression compressionOf(ComponentConfig cfg) {
    if (compression != null) {
      return compression;
    }
    return cfg.arrowCompression().map(Compression::parse).orElse(Compression.LZ4);
  }

  /**
   * An event's payload as the message its type is read as; a payload that is not one is invalid.
   */
  static Message parse(Parser<? extends Message> parser, Event event) {
    try {
      return parser.parseFrom(event.getPayload());
    } catch (InvalidProtocolBufferException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "event '" + event.getEventType() + "' is not that message: " + e.getMessage(),
          e);
    }
  }

  /** A resolver per declared reader schema, under the reader model declared with it. */
  final Map<String, SchemaResolver> resolvers(CodecMetrics metrics) {
    Map<String, SchemaResolver> out = new LinkedHashMap<>();
    readerSchemas.forEach(
        (type, schema) ->
            out.put(
                type,
                new SchemaResolver(
                    schema,
                    CompatibilityRules.defaults().toBuilder()
                        .readerModel(readerModels.getOrDefault(type, ReaderModel.PROJECTING))
                        .build(),
                    metrics)));
    return Map.copyOf(out);
  }

  /** Declares {@code schema} as what it reads {@code eventType} with, under {@code model}. */
  final void declareReader(String eventType, Schema schema, ReaderModel model) {
    readerSchemas.put(eventType, Objects.requireNonNull(schema, "readerSchema"));
    readerModels.put(eventType, Objects.requireNonNull(model, "model"));
  }

  /**
   * Registers and heartbeats through the caller's channel to the control plane (built with {@code
   * ControlPlaneChannel.builder(target)}, with the caller's TLS, credentials and load balancing)
   * instead of one the component makes from its configuration. The caller owns the channel and
   * closes it after the component.
   */
  @SuppressWarnings("unchecked")
  public B controlPlaneChannel(io.grpc.ManagedChannel channel) {
    this.controlPlaneChannel = java.util.Objects.requireNonNull(channel, "channel");
    return (B) this;
  }

  /** The runtime's builder with what every role shares (the caller's channel). */
  final io.flowctl.client.component.internal.ComponentRuntime.Builder runtime(
      io.flowctl.client.component.ComponentConfig cfg,
      io.flowctl.proto.ServiceType type,
      io.grpc.BindableService service) {
    var b = io.flowctl.client.component.internal.ComponentRuntime.builder(cfg, type, service);
    if (controlPlaneChannel != null) {
      b.controlPlaneChannel(controlPlaneChannel);
    }
    return b;
  }

  /**
   * The component's own memory, bounded by {@link #memoryLimit}; the running component closes it.
   */
  final BufferAllocator newAllocator() {
    return parent != null
        ? parent.newChildAllocator(id, 0, memoryLimit)
        : new RootAllocator(memoryLimit);
  }

  /** The codec metrics to report: the caller's, or new ones over {@code allocator}. */
  final CodecMetrics metricsFor(BufferAllocator allocator) {
    return codecMetrics != null ? codecMetrics : CodecMetrics.create(allocator);
  }

  /** The codec of what the component emits as {@code eventType}. */
  final ArrowEventCodec outputCodec(String eventType, ComponentConfig cfg, CodecMetrics metrics) {
    return ArrowEventCodec.builder()
        .eventType(eventType)
        .compression(compressionOf(cfg))
        .metrics(metrics)
        .build();
  }
}
