package io.flowctl.cli;

/** Exit statuses shared by every {@code flowctl} command. */
public final class ExitCodes {
  /** Done; for checks, the required condition holds. */
  public static final int OK = 0;

  /** The command ran but what it checks does not hold (an incompatible schema, an invalid file). */
  public static final int NOT_SATISFIED = 1;

  /** Bad input or usage: unreadable file, malformed data, unknown option. */
  public static final int BAD_INPUT = 2;

  /** A bug: something failed that should not have. Run again with --verbose for the trace. */
  public static final int INTERNAL_ERROR = 3;

  private ExitCodes() {}
}
