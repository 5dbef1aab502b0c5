package io.flowctl.server.internal;

import java.time.Duration;
import java.util.Optional;

/** Durations the way operators write them in flags and pipeline files: 500ms, 30s, 2m, 1h. */
public final class Durations {
  private Durations() {}

  /** The duration of {@code text}, or empty when it is not a whole number with ms, s, m or h. */
  public static Optional<Duration> parse(String text) {
    try {
      if (text.endsWith("ms")) {
        return Optional.of(Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2))));
      }
      long amount = Long.parseLong(text.substring(0, text.length() - 1));
      return switch (text.charAt(text.length() - 1)) {
        case 's' -> Optional.of(Duration.ofSeconds(amount));
        case 'm' -> Optional.of(Duration.ofMinutes(amount));
        case 'h' -> Optional.of(Duration.ofHours(amount));
        default -> Optional.empty();
      };
    } catch (RuntimeException notADuration) {
      return Optional.empty();
    }
  }
}
