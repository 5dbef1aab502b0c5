package io.flowctl.client.stream;

import io.flowctl.proto.Event;

/**
 * A consumer's own handling of the events pushed to it, whatever their format: the escape hatch of
 * {@code ConsumerBuilder.onEvent} and {@code onStream}. Each {@code Consume} stream has a handler
 * of its own (made per stream by {@code onStream}'s factory), called on gRPC threads one event at a
 * time, so what it holds is that stream's.
 */
@FunctionalInterface
public interface ConsumerHandler {
  void handle(Event event) throws Exception;

  /** The writer closed its stream, before the answer: flush what is held. */
  default void finish() throws Exception {}

  /**
   * The stream is over, whichever way it ended (after {@link #finish}, or alone when the call was
   * cancelled, ran past its deadline or the writer went away): release what the stream holds.
   * Called once, last.
   */
  default void close() throws Exception {}
}
