package io.flowctl.client.protobuf;

import com.google.protobuf.Descriptors.Descriptor;
import io.flowctl.FlowctlException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What a format-conversion processor does (the plan's {@code format_conversion}): events of a
 * protobuf message type become Arrow batches of another event type, Arrow batches become messages,
 * everything else passes through. Give it to {@code ProcessorBuilder.convert}; {@link #fromEnv}
 * reads it from the environment {@code flowctl run} sets from a pipeline file.
 */
public final class ProtoConversion {
  /** The plan's {@code conversion_mode}. */
  public enum Mode {
    /** Arrow out only: converted events are replaced by their batches. */
    NATIVE,
    /** Arrow and the original protobuf events, for consumers of either. */
    HYBRID,
    /** Protobuf passes through unconverted: the rollback setting. */
    COMPATIBILITY;

    /** {@code native}, {@code hybrid} or {@code compatibility}, in any case. */
    public static Mode parse(String text) {
      try {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "conversion mode '" + text + "' is not one of native, hybrid, compatibility");
      }
    }
  }

  /** Events of {@code inputType} (serialized {@code converter}'s messages) become Arrow batches. */
  public record ToArrow(String inputType, ProtoArrow converter, String outputType) {}

  /** Arrow events of {@code inputType} become one message event per row. */
  public record ToProto(String inputType, ProtoArrow converter) {
    /** The messages' event type: the message's full name, as Go components name theirs. */
    public String outputType() {
      return converter.descriptor().getFullName();
    }
  }

  private final Mode mode;
  private final Map<String, ToArrow> toArrow;
  private final Map<String, ToProto> toProto;

  private ProtoConversion(Builder b) {
    this.mode = b.mode;
    this.toArrow = Map.copyOf(b.toArrow);
    this.toProto = Map.copyOf(b.toProto);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The conversion of a format-conversion component: {@code FLOWCTL_DESCRIPTOR_SET} (a
   * FileDescriptorSet file), {@code FLOWCTL_SCHEMA_MAPPING} ({@code from=to,...}: when {@code from}
   * is a message of the set its events become Arrow batches of event type {@code to}; when {@code
   * to} is one, Arrow events of type {@code from} become its messages) and {@code
   * FLOWCTL_CONVERSION_MODE} (default native).
   *
   * @throws FlowctlException INVALID_ARGUMENT naming the variable or the pair that is wrong
   */
  public static ProtoConversion fromEnv(Map<String, String> env) {
    String set = env.get("FLOWCTL_DESCRIPTOR_SET");
    String mapping = env.get("FLOWCTL_SCHEMA_MAPPING");
    if (set == null || set.isBlank()) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "FLOWCTL_DESCRIPTOR_SET is not set: the FileDescriptorSet (protoc --include_imports"
              + " --descriptor_set_out) of the messages to convert");
    }
    if (mapping == null || mapping.isBlank()) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "FLOWCTL_SCHEMA_MAPPING is not set: from=to pairs, e.g."
              + " token_transfer.TokenTransferEvent=arrow_data.TokenTransferBatch");
    }
    Builder b = builder().mapping(DescriptorSets.load(Path.of(set.strip())), mapping);
    String mode = env.get("FLOWCTL_CONVERSION_MODE");
    if (mode != null && !mode.isBlank()) {
      b.mode(Mode.parse(mode));
    }
    return b.build();
  }

  /** Settings of a conversion. */
  public static final class Builder {
    private Mode mode = Mode.NATIVE;
    private final Map<String, ToArrow> toArrow = new LinkedHashMap<>();
    private final Map<String, ToProto> toProto = new LinkedHashMap<>();

    private Builder() {}

    /** Events of {@code message}'s full name become Arrow batches of {@code arrowEventType}. */
    public Builder toArrow(Descriptor message, String arrowEventType) {
      return toArrow(ProtoArrow.of(message), arrowEventType);
    }

    /** As above, with a converter of one's own bounds. */
    public Builder toArrow(ProtoArrow converter, String arrowEventType) {
      String in = converter.descriptor().getFullName();
      toArrow.put(in, new ToArrow(in, converter, requireType(arrowEventType)));
      return this;
    }

    /** Arrow events of {@code arrowEventType} become messages of {@code message}. */
    public Builder toProto(String arrowEventType, Descriptor message) {
      String in = requireType(arrowEventType);
      toProto.put(in, new ToProto(in, ProtoArrow.of(message)));
      return this;
    }

    /**
     * Pairs {@code from=to,...} against the message types of {@code set} (the plan's {@code
     * schema_mapping}).
     */
    public Builder mapping(DescriptorSets set, String pairs) {
      for (String pair : pairs.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0 || eq == pair.length() - 1) {
          throw new FlowctlException(
              FlowctlException.Code.INVALID_ARGUMENT,
              "schema mapping '" + pair.strip() + "' is not from=to");
        }
        String from = pair.substring(0, eq).strip();
        String to = pair.substring(eq + 1).strip();
        if (set.find(from).isPresent()) {
          toArrow(set.message(from), to);
        } else if (set.find(to).isPresent()) {
          toProto(from, set.message(to));
        } else {
          throw new FlowctlException(
              FlowctlException.Code.INVALID_ARGUMENT,
              "schema mapping '"
                  + from
                  + "="
                  + to
                  + "': neither side is a message of the descriptor set");
        }
      }
      return this;
    }

    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    public ProtoConversion build() {
      if (toArrow.isEmpty() && toProto.isEmpty()) {
        throw new IllegalStateException("a conversion needs at least one mapping");
      }
      return new ProtoConversion(this);
    }

    private static String requireType(String eventType) {
      Objects.requireNonNull(eventType, "eventType");
      if (eventType.isBlank()) {
        throw new IllegalArgumentException("an event type cannot be blank");
      }
      return eventType;
    }
  }

  public Mode mode() {
    return mode;
  }

  /** The protobuf conversions, by input event type. */
  public Map<String, ToArrow> toArrow() {
    return toArrow;
  }

  /** The Arrow-to-protobuf conversions, by input event type. */
  public Map<String, ToProto> toProto() {
    return toProto;
  }

  /** The event types it reads. */
  public List<String> inputTypes() {
    List<String> out = new ArrayList<>(toArrow.keySet());
    out.addAll(toProto.keySet());
    return out;
  }

  /**
   * The event types it emits: the conversions' outputs, and in hybrid and compatibility modes the
   * protobuf events it passes on.
   */
  public List<String> outputTypes() {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    if (mode != Mode.COMPATIBILITY) {
      toArrow.values().forEach(t -> out.add(t.outputType()));
      toProto.values().forEach(t -> out.add(t.outputType()));
    }
    if (mode != Mode.NATIVE) {
      out.addAll(toArrow.keySet());
    }
    return List.copyOf(out);
  }

  /** The Arrow schemas it registers: each converted message type's mapping. */
  public Map<String, Schema> outputSchemas() {
    Map<String, Schema> out = new LinkedHashMap<>();
    if (mode != Mode.COMPATIBILITY) {
      toArrow.values().forEach(t -> out.put(t.outputType(), t.converter().schema()));
    }
    return out;
  }

  @Override
  public String toString() {
    List<String> pairs = new ArrayList<>();
    toArrow.values().forEach(t -> pairs.add(t.inputType() + "=" + t.outputType()));
    toProto.values().forEach(t -> pairs.add(t.inputType() + "=" + t.outputType()));
    return "ProtoConversion["
        + mode.name().toLowerCase(Locale.ROOT)
        + ": "
        + String.join(",", pairs)
        + "]";
  }
}
