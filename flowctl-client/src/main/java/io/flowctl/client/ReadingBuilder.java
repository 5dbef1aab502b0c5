package io.flowctl.client;

import io.flowctl.schema.ReaderModel;
import java.util.Objects;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Settings of a component that reads events (a processor or a consumer): the event types it reads,
 * and for each the reader schema its batches are projected to, if any.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ReadingBuilder<B extends ReadingBuilder<B>> extends ComponentBuilder<B> {
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
}
