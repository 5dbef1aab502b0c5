package io.flowctl.client.component.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Go's {@code time.ParseDuration} reads them, which is how upstream's launcher writes
 * {@code FLOWCTL_HEARTBEAT_INTERVAL}: "10s", "1m30s", "1.5h", "500ms", "250us", "0". Negative
 * durations are refused: no interval here can be negative.
 */
public final class GoDuration {
  private static final Pattern PART =
      Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|μs|ms|s|m|h)");
  private static final Map<String, Long> NANOS =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "µs", 1_000L,
          "μs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /**
   * The duration {@code text} says.
   *
   * @throws IllegalArgumentException naming the text when it is not a Go duration
   */
  public static Duration parse(String text) {
    String t = text.strip();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    if (t.isEmpty() || t.startsWith("-")) {
      throw new IllegalArgumentException("'" + text + "' is not a duration such as 10s or 500ms");
    }
    if (t.startsWith("+")) {
      t = t.substring(1);
    }
    Matcher m = PART.matcher(t);
    BigDecimal nanos = BigDecimal.ZERO;
    int at = 0;
    while (at < t.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("'" + text + "' is not a duration such as 10s or 500ms");
      }
      nanos =
          nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(NANOS.get(m.group(2)))));
      at = m.end();
    }
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is longer than any interval here");
    }
    return Duration.ofNanos(nanos.longValue());
  }

  /** A duration as Go prints the common ones: whole seconds as "10s", else milliseconds. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}
