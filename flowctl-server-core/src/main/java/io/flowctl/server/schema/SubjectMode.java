package io.flowctl.server.schema;

/**
 * What a subject accepts. Operators freeze a subject during an incident or a migration ({@link
 * #READONLY}) and copy another registry's history into it as it was ({@link #IMPORT}).
 */
public enum SubjectMode {
  /** New versions are judged by the subject's policy; versions may be deleted. The default. */
  READWRITE,
  /** No new versions and no deletions; an identical schema still gets its existing version. */
  READONLY,
  /**
   * Registrations carry their version number and are stored as they are, without judging evolution:
   * for copying a history from another registry. Numbers must grow.
   */
  IMPORT;

  /** The mode from its name, any case. */
  public static SubjectMode parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "mode: expected readwrite, readonly or import, got '" + name + "'");
    }
  }
}
