package io.flowctl.schema;

/** How the checker treats a change of a timestamp's time zone. */
public enum TimezonePolicy {
  /** The default: time zones must be equal strings; any change is TYPE_CHANGED. */
  EXACT,
  /**
   * Arrow stores zoned timestamps as UTC instants, so one zone may replace another (FULL). Adding
   * or removing a zone (zoned ↔ local time) is still TYPE_CHANGED.
   */
  ANY_ZONE
}
