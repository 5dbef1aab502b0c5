package io.flowctl.flight;

import java.util.Map;

/**
 * Stream names and flowctl event types, both ways: the plan's Arrow source names its streams
 * ({@code ttp_events}, {@code stellar_ledger}, {@code transactions}) and the flowctl pipelines name
 * event types ({@code arrow_data.TTPEventBatch}, ...). A Java source serving Flight names its
 * stream by the same table, so a client written for stellar-arrow-source works unchanged against
 * it.
 */
public final class FlightStreams {
  /** What {@code flight-source} emits for a stream the table does not name. */
  public static final String DEFAULT_EVENT_TYPE = "arrow_data.ArrowBatch";

  private static final Map<String, String> EVENT_TYPES =
      Map.of(
          "ttp_events", "arrow_data.TTPEventBatch",
          "stellar_ledger", "arrow_data.StellarLedgerBatch",
          "transactions", "arrow_data.StellarTransactionBatch");

  private FlightStreams() {}

  /** The event type of a stream's batches: the table's, else {@link #DEFAULT_EVENT_TYPE}. */
  public static String eventType(String stream) {
    return EVENT_TYPES.getOrDefault(stream, DEFAULT_EVENT_TYPE);
  }

  /** The stream a source of {@code eventType} serves: the table's name, else the type itself. */
  public static String stream(String eventType) {
    for (Map.Entry<String, String> e : EVENT_TYPES.entrySet()) {
      if (e.getValue().equals(eventType)) {
        return e.getKey();
      }
    }
    return eventType;
  }
}
