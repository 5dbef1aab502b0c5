package io.flowctl.flight;

import io.flowctl.FlowctlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.flight.CallOption;
import org.apache.arrow.flight.Criteria;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.flight.auth2.BearerCredentialWriter;
import org.apache.arrow.flight.grpc.CredentialCallOption;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A client of one Flight service, for a component's input or a command: lists its flights, asks for
 * a stream's schema and endpoints ({@code GetFlightInfo} by descriptor path) and reads streams
 * ({@code DoGet}) by ticket or by path. Plaintext or TLS (trusting a CA of the caller's, presenting
 * a client certificate for mutual TLS), with a bearer token as Flight sends it. Every failure is a
 * {@link FlowctlException} naming the endpoint and the stream. Thread-safe; close it when done.
 */
public final class FlightInput implements AutoCloseable {
  private final FlightAddress address;
  private final BufferAllocator allocator;
  private final Builder settings;
  private final FlightClient client;
  private final CallOption[] options;

  private FlightInput(Builder b) {
    this.address = b.address;
    this.settings = b;
    this.allocator =
        b.allocator.newChildAllocator("flight-input " + b.address, 0, b.allocator.getLimit());
    try {
      this.client = connect(b, address.location(), allocator);
    } catch (RuntimeException e) {
      allocator.close();
      throw e;
    }
    this.options =
        b.token == null
            ? new CallOption[0]
            : new CallOption[] {new CredentialCallOption(new BearerCredentialWriter(b.token))};
  }

  /** A client of the service at {@code address}. */
  public static Builder builder(FlightAddress address, BufferAllocator allocator) {
    return new Builder(address, allocator);
  }

  /** The service it reads. */
  public FlightAddress address() {
    return address;
  }

  /** Every flight the service lists ({@code ListFlights}). */
  public List<FlightInfo> list() {
    try {
      List<FlightInfo> out = new ArrayList<>();
      client.listFlights(Criteria.ALL, options).forEach(out::add);
      return out;
    } catch (FlightRuntimeException e) {
      throw failure(e, "listing flights");
    }
  }

  /**
   * A stream's schema and endpoints ({@code GetFlightInfo} with the descriptor path {@code path}).
   *
   * @throws FlowctlException NOT_FOUND for a stream the service does not serve, UNAVAILABLE when it
   *     cannot be reached, UNAUTHENTICATED when it refuses the credentials
   */
  public FlightInfo info(String... path) {
    try {
      return client.getInfo(FlightDescriptor.path(path), options);
    } catch (FlightRuntimeException e) {
      throw failure(e, "stream '" + String.join("/", path) + "'");
    }
  }

  /** Reads one ticket from this service ({@code DoGet}). */
  public FlightBatches read(Ticket ticket) {
    String name = new String(ticket.getBytes(), StandardCharsets.UTF_8);
    return new FlightBatches(List.of(new FlightBatches.Part(client, ticket, name, false)), this);
  }

  /** Reads a ticket of the plan's grammar ({@code stream[:start[:end]]}) from this service. */
  public FlightBatches read(FlightTicket ticket) {
    return read(ticket.toTicket());
  }

  /**
   * Reads the stream at {@code path}: {@code GetFlightInfo}, then every endpoint's ticket in order,
   * each from the location it names. A location of a scheme Flight does not define (the plan's
   * source answers {@code arrow-flight://localhost:port}), or none at all, means this service.
   */
  public FlightBatches readPath(String... path) {
    FlightInfo info = info(path);
    List<FlightBatches.Part> parts = new ArrayList<>();
    try {
      for (FlightEndpoint e : info.getEndpoints()) {
        Location where = redeemAt(e.getLocations());
        String name = String.join("/", path);
        if (where == null) {
          parts.add(new FlightBatches.Part(client, e.getTicket(), name, false));
        } else {
          parts.add(
              new FlightBatches.Part(
                  connect(settings, where, allocator), e.getTicket(), name, true));
        }
      }
    } catch (RuntimeException e) {
      parts.forEach(FlightBatches.Part::closeClient);
      throw e;
    }
    return new FlightBatches(parts, this);
  }

  /** Where to redeem an endpoint's ticket: null for this service. */
  private Location redeemAt(List<Location> locations) {
    for (Location l : locations) {
      String scheme = l.getUri().getScheme();
      if (scheme == null) {
        continue;
      }
      switch (scheme) {
        case "grpc", "grpc+tcp", "grpc+tls" -> {
          if (l.getUri().getHost() == null) {
            continue;
          }
          boolean tls = scheme.equals("grpc+tls");
          if (tls == address.tls()
              && l.getUri().getPort() == address.port()
              && l.getUri().getHost().equalsIgnoreCase(address.host())) {
            return null;
          }
          return l;
        }
        default -> {
          // arrow-flight-reuse-connection:// and unknown schemes: this service
        }
      }
    }
    return null;
  }

  CallOption[] options() {
    return options;
  }

  /** A Flight failure as ours, naming the endpoint and what was asked. */
  FlowctlException failure(FlightRuntimeException e, String what) {
    String why = e.status().description();
    if (why == null || why.isBlank()) {
      why = e.status().code().toString();
    }
    FlowctlException.Code code =
        switch (e.status().code()) {
          case NOT_FOUND -> FlowctlException.Code.NOT_FOUND;
          case UNAUTHENTICATED -> FlowctlException.Code.UNAUTHENTICATED;
          case UNAUTHORIZED -> FlowctlException.Code.PERMISSION_DENIED;
          case UNAVAILABLE -> FlowctlException.Code.UNAVAILABLE;
          case TIMED_OUT -> FlowctlException.Code.DEADLINE_EXCEEDED;
          case INVALID_ARGUMENT -> FlowctlException.Code.INVALID_ARGUMENT;
          case RESOURCE_EXHAUSTED -> FlowctlException.Code.RESOURCE_EXHAUSTED;
          case CANCELLED -> FlowctlException.Code.UNAVAILABLE;
          case UNIMPLEMENTED -> FlowctlException.Code.INVALID_ARGUMENT;
          default -> FlowctlException.Code.INTERNAL;
        };
    String prefix =
        switch (code) {
          case UNAVAILABLE -> "Flight endpoint " + address + " is unreachable or broke off";
          case UNAUTHENTICATED -> "Flight endpoint " + address + " refused the credentials";
          case NOT_FOUND -> "Flight endpoint " + address + " has no such stream";
          case INVALID_ARGUMENT ->
              e.status().code() == org.apache.arrow.flight.FlightStatusCode.UNIMPLEMENTED
                  ? "Flight endpoint " + address + " does not implement this call"
                  : "Flight endpoint " + address + " refused the request";
          default -> "Flight endpoint " + address + " failed";
        };
    return new FlowctlException(code, prefix + " (" + what + "): " + why, e);
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      allocator.close();
    }
  }

  private static FlightClient connect(Builder b, Location where, BufferAllocator allocator) {
    FlightClient.Builder c = FlightClient.builder(allocator, where);
    boolean tls = where.getUri().getScheme().equals("grpc+tls");
    if (tls) {
      c.useTls();
      try {
        // Flight's builder reads these streams when it builds, not when it is given them
        if (b.trust != null) {
          c.trustedCertificates(new java.io.ByteArrayInputStream(Files.readAllBytes(b.trust)));
        }
        if (b.certificate != null) {
          c.clientCertificate(
              new java.io.ByteArrayInputStream(Files.readAllBytes(b.certificate)),
              new java.io.ByteArrayInputStream(Files.readAllBytes(b.key)));
        }
      } catch (IOException e) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "TLS files for Flight endpoint "
                + where.getUri()
                + " cannot be read: "
                + e.getMessage(),
            e);
      }
    }
    return c.maxInboundMessageSize(b.maxMessageBytes).build();
  }

  /** Settings of a {@link FlightInput}. */
  public static final class Builder {
    private final FlightAddress address;
    private final BufferAllocator allocator;
    private String token;
    private Path trust;
    private Path certificate;
    private Path key;
    private int maxMessageBytes = 256 << 20;

    private Builder(FlightAddress address, BufferAllocator allocator) {
      this.address = Objects.requireNonNull(address, "address");
      this.allocator = Objects.requireNonNull(allocator, "allocator");
    }

    /** Sends {@code authorization: Bearer token} with every call. */
    public Builder token(String token) {
      this.token = token == null || token.isBlank() ? null : token;
      return this;
    }

    /** Trusts the PEM CA {@code ca} for a {@code grpc+tls} service (default: the JVM's). */
    public Builder trust(Path ca) {
      this.trust = ca;
      return this;
    }

    /** Presents this PEM certificate chain and key to a service that asks (mutual TLS). */
    public Builder clientCertificate(Path chain, Path key) {
      this.certificate = Objects.requireNonNull(chain, "chain");
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /** The largest message (one batch) it accepts; default 256 MiB. */
    public Builder maxMessageBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxMessageBytes must be positive, got " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    public FlightInput build() {
      return new FlightInput(this);
    }
  }
}
