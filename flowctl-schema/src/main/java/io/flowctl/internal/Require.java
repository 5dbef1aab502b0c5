package io.flowctl.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Internal: the checks every builder applies to its settings, so that a bad setting is refused the
 * same way everywhere ({@link IllegalArgumentException} naming the setting and the value). Not API.
 */
public final class Require {
  private Require() {}

  /** {@code d}, when it is longer than zero. */
  public static Duration positive(Duration d, String what) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
    return d;
  }

  /** {@code n}, when it is above zero. */
  public static long positive(long n, String what) {
    if (n <= 0) {
      throw new IllegalArgumentException(what + " must be positive: " + n);
    }
    return n;
  }

  /** {@code n}, when it is above zero. */
  public static int positive(int n, String what) {
    return (int) positive((long) n, what);
  }

  /** {@code port}, when it is a TCP port (0 asks for a free one). */
  public static int port(int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("not a port: " + port);
    }
    return port;
  }
}
