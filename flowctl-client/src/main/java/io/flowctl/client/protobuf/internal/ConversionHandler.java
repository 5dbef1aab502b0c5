package io.flowctl.client.protobuf.internal;

import io.flowctl.client.codec.BatchReader;
import io.flowctl.client.codec.EventCodec;
import io.flowctl.client.protobuf.ProtoArrow;
import io.flowctl.client.protobuf.ProtoConversion;
import io.flowctl.client.stream.ArrowProcessor;
import io.flowctl.proto.Event;
import io.flowctl.schema.OwnedBatch;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.arrow.memory.BufferAllocator;

/**
 * One {@code Process} stream of a format-conversion processor: gathers each mapped message type's
 * events into a batch, which leaves once it holds the batch size (or the byte bound), with the
 * first event after its oldest message waited the batch timeout, or when the input ends; turns
 * Arrow events of a mapped type into one message event per row; passes every other event on as it
 * is. A payload that does not parse fails that event alone (the processor counts and reports it)
 * and the batch goes on without it.
 */
public final class ConversionHandler implements ArrowProcessor.Handler {
  private final ProtoConversion conversion;
  private final Function<String, EventCodec> codecs;
  private final EventCodec decoder;
  private final BufferAllocator allocator;
  private final int batchRows;
  private final long timeoutNanos;
  private final Map<String, Pending> pending = new HashMap<>();

  /** A batch being gathered for one mapping. */
  private static final class Pending {
    final ProtoConversion.ToArrow mapping;
    ProtoArrow.Appender appender;
    long firstAt;

    Pending(ProtoConversion.ToArrow mapping) {
      this.mapping = mapping;
    }
  }

  /**
   * @param codecs the codec of each output event type (its compression and metrics)
   * @param decoder reads Arrow input events
   * @param allocator the batches' memory
   * @param batchRows rows per batch (the pipeline's batch_size)
   * @param timeout how long a batch's first message may wait (batch_accumulation_timeout)
   */
  public ConversionHandler(
      ProtoConversion conversion,
      Function<String, EventCodec> codecs,
      EventCodec decoder,
      BufferAllocator allocator,
      int batchRows,
      Duration timeout) {
    this.conversion = conversion;
    this.codecs = codecs;
    this.decoder = decoder;
    this.allocator = allocator;
    this.batchRows = batchRows;
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void handle(Event input, ArrowProcessor.Emitter out) throws Exception {
    if (conversion.mode() == ProtoConversion.Mode.COMPATIBILITY) {
      out.emit(input);
      return;
    }
    flushOverdue(out);
    String type = input.getEventType();
    ProtoConversion.ToArrow toArrow = conversion.toArrow().get(type);
    if (toArrow != null) {
      if (conversion.mode() == ProtoConversion.Mode.HYBRID) {
        out.emit(input);
      }
      add(toArrow, input, out);
      return;
    }
    ProtoConversion.ToProto toProto = conversion.toProto().get(type);
    if (toProto != null) {
      if (conversion.mode() == ProtoConversion.Mode.HYBRID) {
        out.emit(input);
      }
      try (BatchReader r = decoder.decode(input, allocator)) {
        while (r.loadNextBatch()) {
          List<byte[]> messages = toProto.converter().toProto(r.root(), r.dictionaries());
          for (byte[] m : messages) {
            out.emit(
                Event.newBuilder()
                    .setEventType(toProto.outputType())
                    .setPayload(com.google.protobuf.ByteString.copyFrom(m))
                    .setTimestamp(input.getTimestamp())
                    .build());
          }
        }
      }
      return;
    }
    out.emit(input); // a type without a mapping passes through
  }

  private void add(ProtoConversion.ToArrow mapping, Event input, ArrowProcessor.Emitter out)
      throws InterruptedException {
    Pending p = pending.computeIfAbsent(mapping.inputType(), k -> new Pending(mapping));
    byte[] payload = input.getPayload().toByteArray();
    if (p.appender != null && !p.appender.fits(payload.length)) {
      flush(p, out);
    }
    if (p.appender == null) {
      p.appender = mapping.converter().appender(allocator);
    }
    p.appender.append(payload); // a payload that does not parse fails this event alone
    if (p.appender.rows() == 1) {
      p.firstAt = System.nanoTime();
    }
    if (p.appender.rows() >= batchRows) {
      flush(p, out);
    }
  }

  private void flushOverdue(ArrowProcessor.Emitter out) throws InterruptedException {
    long now = System.nanoTime();
    for (Pending p : pending.values()) {
      if (p.appender != null && p.appender.rows() > 0 && now - p.firstAt >= timeoutNanos) {
        flush(p, out);
      }
    }
  }

  private void flush(Pending p, ArrowProcessor.Emitter out) throws InterruptedException {
    ProtoArrow.Appender a = p.appender;
    p.appender = null;
    if (a.rows() == 0) {
      a.close();
      return;
    }
    try (OwnedBatch batch = a.finish()) {
      out.emit(codecs.apply(p.mapping.outputType()).encode(batch.root(), batch.dictionaries()));
    } finally {
      a.close();
    }
  }

  @Override
  public void finish(ArrowProcessor.Emitter out) throws Exception {
    for (Pending p : pending.values()) {
      if (p.appender != null) {
        flush(p, out);
      }
    }
  }

  @Override
  public void close() {
    for (Pending p : pending.values()) {
      if (p.appender != null) {
        p.appender.close();
        p.appender = null;
      }
    }
  }
}
