package io.flowctl.schema;

/** How a reader treats a column it finds in the data but not in its own schema. */
public enum ReaderModel {
  /**
   * The default: a reader rejects columns it does not know. Removing a nullable column is then
   * FORWARD and adding one BACKWARD.
   */
  CLOSED,
  /**
   * Avro's and Confluent's model: a reader ignores columns it does not know. Removals become
   * BACKWARD and nullable additions FULL.
   */
  PROJECTING
}
