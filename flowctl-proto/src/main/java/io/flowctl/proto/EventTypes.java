package io.flowctl.proto;

/**
 * The standard Arrow event types of the flowctl Arrow plan. Services name them in {@link
 * ServiceInfo#getOutputEventTypesList()} and {@link Event#getEventType()}; the control plane treats
 * them as registry subjects like any other event type.
 */
public final class EventTypes {
  /** One or more Arrow record batches as an Arrow IPC stream. */
  public static final String ARROW_BATCH = "arrow_data.ArrowBatch";

  /** A Parquet file; the Arrow schema is derived from the file's own schema. */
  public static final String PARQUET_FILE = "arrow_data.ParquetFile";

  /** Stellar ledger data as Arrow IPC batches. */
  public static final String STELLAR_LEDGER_BATCH = "arrow_data.StellarLedgerBatch";

  /** Token transfer (TTP) events as Arrow IPC batches. */
  public static final String TTP_EVENT_BATCH = "arrow_data.TTPEventBatch";

  /** Prefix shared by every Arrow event type of the plan. */
  public static final String ARROW_PREFIX = "arrow_data.";

  private EventTypes() {}

  /** Whether an event type follows the {@code arrow_data.} naming of the Arrow event types. */
  public static boolean isArrow(String eventType) {
    return eventType != null && eventType.startsWith(ARROW_PREFIX);
  }
}
