package io.flowctl.client;

import io.flowctl.FlowctlException;

/** What the JVM must allow for Arrow's memory, checked when a component is built. */
final class Jvm {
  private Jvm() {}

  /**
   * @throws FlowctlException FAILED_PRECONDITION saying which flag to add
   */
  static void requireArrowAccess() {
    try {
      java.lang.reflect.Field address = java.nio.Buffer.class.getDeclaredField("address");
      address.setAccessible(true);
    } catch (RuntimeException | NoSuchFieldException e) {
      throw new FlowctlException(
          FlowctlException.Code.FAILED_PRECONDITION,
          "Arrow needs the JVM flag --add-opens=java.base/java.nio=ALL-UNNAMED (add it to the"
              + " java command line, or Add-Opens: java.base/java.nio to the jar's manifest): "
              + e.getMessage(),
          e);
    }
  }
}
