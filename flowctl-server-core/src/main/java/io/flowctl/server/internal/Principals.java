package io.flowctl.server.internal;

import io.flowctl.FlowctlException;
import io.grpc.Context;

/**
 * Who is calling (internal: not API). With bearer tokens on, {@code BearerTokenInterceptor} puts
 * the caller's principal in the gRPC context; a service may then register, heartbeat and register
 * schemas only as itself, and the {@link #ADMIN} principal as anyone. Without tokens there is no
 * principal and everything is allowed.
 */
public final class Principals {
  /** The principal that may act for every service (operators, the CLI). */
  public static final String ADMIN = "admin";

  /** Where the token interceptor puts the principal. */
  public static final Context.Key<String> PRINCIPAL = Context.key("flowctl-principal");

  private Principals() {}

  /** The caller's principal, or null when authentication is off. */
  public static String current() {
    return PRINCIPAL.get();
  }

  /**
   * Refuses the call unless the caller is {@code serviceId} itself (or the admin).
   *
   * @throws FlowctlException PERMISSION_DENIED
   */
  public static void requireSelf(String serviceId, String action) {
    String p = current();
    if (p != null && !p.equals(ADMIN) && !p.equals(serviceId)) {
      throw new FlowctlException(
          FlowctlException.Code.PERMISSION_DENIED,
          "'" + p + "' may not " + action + " as '" + serviceId + "'");
    }
  }
}
