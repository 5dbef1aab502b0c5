package io.flowctl.flight.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.apache.arrow.flight.CallHeaders;
import org.apache.arrow.flight.CallStatus;
import org.apache.arrow.flight.auth2.CallHeaderAuthenticator;

/** Accepts calls carrying {@code authorization: Bearer <token>} with the one token it knows. */
final class BearerAuthenticator implements CallHeaderAuthenticator {
  private final byte[] expected;

  BearerAuthenticator(String token) {
    this.expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public AuthResult authenticate(CallHeaders headers) {
    String got = headers.get("authorization");
    if (got == null) {
      throw CallStatus.UNAUTHENTICATED
          .withDescription("this Flight service needs 'authorization: Bearer <token>'")
          .toRuntimeException();
    }
    // constant time: the comparison does not tell how much of a guess was right
    if (!MessageDigest.isEqual(expected, got.getBytes(StandardCharsets.UTF_8))) {
      throw CallStatus.UNAUTHENTICATED
          .withDescription("the bearer token is not accepted")
          .toRuntimeException();
    }
    return () -> "bearer";
  }
}
