package io.flowctl.flight;

import io.flowctl.FlowctlException;
import java.net.URI;
import java.net.URISyntaxException;
import org.apache.arrow.flight.Location;

/**
 * Where a Flight service listens, parsed from what users write: {@code host:port}, {@code
 * grpc://host:port} or {@code grpc+tcp://host:port} (plaintext), {@code grpc+tls://host:port}.
 *
 * @param host the host name or address (an IPv6 address without brackets)
 * @param port the TCP port
 * @param tls whether the service speaks TLS
 */
public record FlightAddress(String host, int port, boolean tls) {
  public FlightAddress {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("a Flight endpoint needs a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("Flight port must be 1-65535, got " + port);
    }
  }

  /**
   * Parses an endpoint.
   *
   * @throws FlowctlException INVALID_ARGUMENT quoting the text and saying what is wrong
   */
  public static FlightAddress parse(String text) {
    if (text == null || text.isBlank()) {
      throw invalid(String.valueOf(text), "it is empty");
    }
    String t = text.strip();
    boolean tls = false;
    int scheme = t.indexOf("://");
    if (scheme >= 0) {
      String s = t.substring(0, scheme).toLowerCase(java.util.Locale.ROOT);
      switch (s) {
        case "grpc", "grpc+tcp" -> tls = false;
        case "grpc+tls" -> tls = true;
        default -> throw invalid(text, "the scheme '" + s + "' is not grpc, grpc+tcp or grpc+tls");
      }
      t = t.substring(scheme + 3);
    }
    if (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    URI uri;
    try {
      uri = new URI("x://" + t);
    } catch (URISyntaxException e) {
      throw invalid(text, "it is not host:port");
    }
    if (uri.getHost() == null
        || uri.getPort() < 0
        || uri.getPath() != null && !uri.getPath().isEmpty()) {
      throw invalid(text, "it is not host:port");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new FlightAddress(host, uri.getPort(), tls);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
  }

  /** The location Arrow's Flight client and server take. */
  public Location location() {
    return tls ? Location.forGrpcTls(host, port) : Location.forGrpcInsecure(host, port);
  }

  /** The endpoint as a Flight URI: {@code grpc+tcp://host:port} or {@code grpc+tls://host:port}. */
  public String uri() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return (tls ? "grpc+tls://" : "grpc+tcp://") + h + ":" + port;
  }

  @Override
  public String toString() {
    return uri();
  }

  private static FlowctlException invalid(String text, String why) {
    return new FlowctlException(
        FlowctlException.Code.INVALID_ARGUMENT,
        "Flight endpoint '"
            + text
            + "': "
            + why
            + " (host:port, grpc://, grpc+tcp:// or grpc+tls://)");
  }
}
