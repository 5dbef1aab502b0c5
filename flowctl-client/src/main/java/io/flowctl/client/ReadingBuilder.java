package io.flowctl.client;

import io.flowctl.schema.ReaderModel;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Settings of a component that reads events (a processor or a consumer): the event types it reads,
 * and for each the reader schema its batches are projected to, if any.
 *
 * @param <B> the concrete builder, returned by every setter
 * @param <H> the handler of raw events: {@code ArrowProcessor.Handler} for a processor (it emits),
 *     {@link io.flowctl.client.stream.ConsumerHandler} for a consumer
 */
public abstract class ReadingBuilder<B extends ReadingBuilder<B, H>, H>
    extends ComponentBuilder<B> {
  /** The escape hatch's handler per stream, or null for the batch and message handlers. */
  Supplier<? extends H> raw;

  ReadingBuilder(String id) {
    super(id);
  }

  /** An event type it reads, as it comes. */
  public B input(String eventType) {
    inputs.add(Objects.requireNonNull(eventType, "eventType"));
    return self();
  }

  /**
   * An event type it reads, projected to {@code readerSchema} first, by name: batches of any
   * compatible writer schema arrive in this one (columns it does not declare dropped, missing
   * nullable ones as nulls, the projector's widenings applied); incompatible ones are refused and
   * counted.
   */
  public B input(String eventType, Schema readerSchema) {
    return input(eventType, readerSchema, ReaderModel.PROJECTING);
  }

  /**
   * An event type it reads in {@code readerSchema} under {@code model}: {@link
   * ReaderModel#PROJECTING} (the default of {@link #input(String, Schema)}) reads by name, dropping
   * columns it does not know and filling missing nullable ones with nulls; {@link
   * ReaderModel#CLOSED} refuses batches with columns it does not know. The registry judges a
   * producer's new versions by the model declared here.
   */
  public B input(String eventType, Schema readerSchema, ReaderModel model) {
    input(eventType);
    declareReader(eventType, readerSchema, model);
    return self();
  }

  /**
   * The escape hatch: the input events themselves, whatever their format, and the end of each input
   * stream; instead of the batch and message handlers. The one handler serves every stream, at once
   * when the runner opens several: for a handler that keeps no state of its own; see {@link
   * #onStream} for one that does.
   */
  public B onEvent(H handler) {
    Objects.requireNonNull(handler, "handler");
    this.raw = () -> handler;
    return self();
  }

  /**
   * The escape hatch with state: a new handler from {@code perStream} for every input stream (what
   * it holds, such as an open file or rows waiting for a batch, is that stream's), finished when
   * its input ends and closed however the stream ends.
   */
  public B onStream(Supplier<? extends H> perStream) {
    this.raw = Objects.requireNonNull(perStream, "perStream");
    return self();
  }
}
