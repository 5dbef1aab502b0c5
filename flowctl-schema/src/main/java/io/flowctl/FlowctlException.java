package io.flowctl;

import java.util.Objects;

/**
 * The one unchecked exception every flowctl-java failure extends. Each carries a {@link Code} so
 * that a server maps it to a gRPC status and a command line maps it to an exit status in one place,
 * without {@code instanceof} ladders.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public class FlowctlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure this is; each code is named after the gRPC status it is answered with. */
  public enum Code {
    /** The input is malformed or violates a documented rule. */
    INVALID_ARGUMENT,
    /** The thing asked for does not exist. */
    NOT_FOUND,
    /** The thing to create exists already. */
    ALREADY_EXISTS,
    /** The input is well formed but the current state refuses it (e.g. an incompatible schema). */
    FAILED_PRECONDITION,
    /** A configured bound (size, count, memory) would be exceeded. */
    RESOURCE_EXHAUSTED,
    /** No or invalid credentials. */
    UNAUTHENTICATED,
    /** Valid credentials that do not allow this action. */
    PERMISSION_DENIED,
    /** A dependency (storage, network peer) is unavailable; retrying may help. */
    UNAVAILABLE,
    /** A deadline passed. */
    DEADLINE_EXCEEDED,
    /** A bug or an unexpected state. */
    INTERNAL
  }

  private final Code code;

  public FlowctlException(Code code, String message) {
    this(code, message, null);
  }

  public FlowctlException(Code code, String message, Throwable cause) {
    super(Objects.requireNonNull(message, "message"), cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** The kind of failure, stable across releases. */
  public Code code() {
    return code;
  }
}
