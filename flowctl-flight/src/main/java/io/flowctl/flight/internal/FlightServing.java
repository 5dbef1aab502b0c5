package io.flowctl.flight.internal;

import io.flowctl.FlowctlException;
import io.flowctl.client.component.ComponentConfig;
import io.flowctl.client.spi.SourceEndpointProvider;
import java.io.IOException;
import org.apache.arrow.flight.FlightServer;
import org.apache.arrow.flight.Location;
import org.apache.arrow.memory.BufferAllocator;

/**
 * Serves a source's batches over Arrow Flight ({@code SourceBuilder.serveFlight} or {@code
 * FLIGHT_PORT}): on the component's bind host, TLS with the data plane's certificate when it has
 * one, mutual TLS and a bearer token when the source asks for them. Registered as the component's
 * {@code flight_endpoint} metadata.
 */
public final class FlightServing implements SourceEndpointProvider {
  @Override
  public String protocol() {
    return "flight";
  }

  @Override
  public SourceEndpoint start(Spec spec) {
    ComponentConfig config = spec.config();
    boolean tls = config.certificate().isPresent();
    SourceFlightProducer producer = new SourceFlightProducer(spec);
    BufferAllocator allocator =
        spec.allocator().newChildAllocator("flight-server", 0, spec.allocator().getLimit());
    FlightServer server;
    try {
      Location bind =
          tls
              ? Location.forGrpcTls(config.bindHost(), spec.port())
              : Location.forGrpcInsecure(config.bindHost(), spec.port());
      FlightServer.Builder b = FlightServer.builder(allocator, bind, producer);
      if (tls) {
        b.useTls(config.certificate().get().toFile(), config.privateKey().orElseThrow().toFile());
        if (spec.clientCa() != null) {
          b.useMTlsClientVerification(spec.clientCa().toFile());
        }
      } else if (spec.clientCa() != null) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            "Flight client certificates (FLIGHT_TLS_CLIENT_CA) need TLS: set FLOWCTL_TLS_CERT and"
                + " FLOWCTL_TLS_KEY");
      }
      if (spec.token() != null) {
        b.headerAuthenticator(new BearerAuthenticator(spec.token()));
      }
      server = b.build().start();
    } catch (IOException e) {
      allocator.close();
      throw new FlowctlException(
          FlowctlException.Code.UNAVAILABLE,
          "FLIGHT_PORT "
              + config.bindHost()
              + ":"
              + spec.port()
              + " cannot be bound: "
              + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()),
          e);
    } catch (RuntimeException e) {
      allocator.close();
      throw e;
    }
    String host = config.advertiseHost();
    Location advertised =
        tls
            ? Location.forGrpcTls(host, server.getPort())
            : Location.forGrpcInsecure(host, server.getPort());
    producer.location(advertised);
    return new Endpoint(server, producer, allocator, advertised.getUri().toString());
  }

  private record Endpoint(
      FlightServer server, SourceFlightProducer producer, BufferAllocator allocator, String uri)
      implements SourceEndpoint {
    @Override
    public void close() {
      producer.close(); // its streams end now: Flight's close then waits for nothing long
      try {
        server.close(); // shutdown, a bounded wait, then shutdownNow
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        allocator.close();
      }
    }
  }
}
