package io.flowctl.server.internal;

import io.flowctl.FlowctlException;

/**
 * Internal: the checks every identifier and value the control plane keeps goes through, so that
 * ids, keys, event types and metric names are bounded and cannot forge log lines or labels.
 */
public final class Names {
  private Names() {}

  /** The longest service id, metadata key, event type or metric name, in characters. */
  public static final int MAX_NAME_LENGTH = 253;

  /** The longest metadata value or text metric, in characters. */
  public static final int MAX_VALUE_LENGTH = 4_096;

  /** Names shared by the heartbeats that carry them; bounded, so hostile names cannot grow it. */
  private static final int MAX_SHARED = 4_096;

  private static final java.util.concurrent.ConcurrentHashMap<String, String> SHARED =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * One instance of a metric name for every heartbeat that carries it: each parsed heartbeat brings
   * its own copies, and a fleet keeps a history of them per service.
   */
  public static String shared(String name) {
    String known = SHARED.get(name);
    if (known != null) {
      return known;
    }
    if (SHARED.size() >= MAX_SHARED) {
      return name;
    }
    known = SHARED.putIfAbsent(name, name);
    return known == null ? name : known;
  }

  /**
   * Checks a name (an id, a key, an event type) that the control plane keeps, logs, labels metrics
   * with and answers in lists: bounded, and free of control and format characters (newlines, NUL,
   * ANSI escapes, bidirectional overrides) that would forge log lines or labels.
   */
  public static void checkName(String name, String what) {
    if (name.length() > MAX_NAME_LENGTH) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          what
              + " of "
              + name.length()
              + " characters is longer than the limit of "
              + MAX_NAME_LENGTH);
    }
    checkCharacters(name, what);
  }

  /** Checks a value (metadata, a text metric): bounded, no control or format characters. */
  public static void checkValue(String value, String what) {
    if (value.length() > MAX_VALUE_LENGTH) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          what
              + " of "
              + value.length()
              + " characters is longer than the limit of "
              + MAX_VALUE_LENGTH);
    }
    checkCharacters(value, what);
  }

  private static void checkCharacters(String s, String what) {
    for (int i = 0; i < s.length(); ) {
      int c = s.codePointAt(i);
      int type = Character.getType(c);
      if (type == Character.CONTROL
          || type == Character.FORMAT
          || type == Character.LINE_SEPARATOR
          || type == Character.PARAGRAPH_SEPARATOR
          || type == Character.SURROGATE
          || type == Character.UNASSIGNED && !Character.isValidCodePoint(c)) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            what
                + " holds the control or format character U+"
                + String.format("%04X", c)
                + " at position "
                + i);
      }
      i += Character.charCount(c);
    }
  }
}
