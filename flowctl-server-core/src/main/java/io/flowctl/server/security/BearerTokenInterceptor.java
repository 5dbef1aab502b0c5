package io.flowctl.server.security;

import io.flowctl.server.internal.Principals;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Requires {@code authorization: Bearer <token>} on every call except the standard health and
 * reflection services, and records the token's principal for {@link Principals}. Tokens are
 * compared in constant time.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Map<String, String> principals;

  /** {@code tokens}: token → principal (a service id, or {@link Principals#ADMIN}). */
  public BearerTokenInterceptor(Map<String, String> tokens) {
    this.principals = Map.copyOf(Objects.requireNonNull(tokens, "tokens"));
  }

  /** Reads a token file: one {@code <principal> <token>} per line; # starts a comment. */
  public static BearerTokenInterceptor fromFile(Path file) throws IOException {
    try {
      var perms = Files.getPosixFilePermissions(file);
      if (perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)
          || perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)) {
        org.slf4j.LoggerFactory.getLogger(BearerTokenInterceptor.class)
            .warn(
                "the token file {} can be read by others ({}): chmod 600 it",
                file,
                java.nio.file.attribute.PosixFilePermissions.toString(perms));
      }
    } catch (UnsupportedOperationException notPosix) {
      // a file system without POSIX permissions
    }
    Map<String, String> tokens = new HashMap<>();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s+");
      if (parts.length != 2) {
        throw new IOException(file + ":" + n + ": expected '<principal> <token>'");
      }
      tokens.put(parts[1], parts[0]);
    }
    return new BearerTokenInterceptor(tokens);
  }

  /**
   * The principal of an {@code Authorization} header's bearer token (the HTTP side uses it),
   * compared in constant time; empty for a missing, malformed or unknown token.
   */
  public java.util.Optional<String> principal(String authorization) {
    return java.util.Optional.ofNullable(authorization == null ? null : principalOf(authorization));
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String service = call.getMethodDescriptor().getServiceName();
    if (service != null
        && (service.startsWith("grpc.health.") || service.startsWith("grpc.reflection."))) {
      return next.startCall(call, headers);
    }
    Iterable<String> all = headers.getAll(AUTHORIZATION);
    int count = 0;
    String header = null;
    if (all != null) {
      for (String h : all) {
        count++;
        header = h;
      }
    }
    String principal = count == 1 ? principalOf(header) : null;
    if (principal == null) {
      Status refused =
          Status.UNAUTHENTICATED.withDescription(
              count == 0
                  ? "missing bearer token"
                  : count > 1 ? "more than one authorization header" : "unknown bearer token");
      io.flowctl.proto.internal.GrpcLogging.refused(
          refused.withDescription(
              refused.getDescription() + " on " + call.getMethodDescriptor().getFullMethodName()));
      call.close(refused, new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Context ctx = Context.current().withValue(Principals.PRINCIPAL, principal);
    return Contexts.interceptCall(ctx, call, headers, next);
  }

  private String principalOf(String header) {
    if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
    String found = null;
    for (Map.Entry<String, String> e : principals.entrySet()) {
      if (MessageDigest.isEqual(given, e.getKey().getBytes(StandardCharsets.UTF_8))) {
        found = e.getValue();
      }
    }
    return found;
  }
}
