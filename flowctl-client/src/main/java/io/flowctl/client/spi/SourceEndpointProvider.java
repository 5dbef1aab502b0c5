package io.flowctl.client.spi;

import io.flowctl.client.Flowctl.BatchProducer;
import io.flowctl.client.component.ComponentConfig;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Serves a source's batches over a protocol of its own next to the flowctl data plane. {@code
 * flowctl-flight} provides Arrow Flight; a source asks for it with {@code
 * SourceBuilder.serveFlight(port)} or {@code FLIGHT_PORT}, and the SDK finds the provider on the
 * class path with {@link java.util.ServiceLoader}.
 */
public interface SourceEndpointProvider {
  /** The protocol it serves: {@code "flight"}. */
  String protocol();

  /**
   * Binds and starts serving; returns once it accepts calls.
   *
   * @throws io.flowctl.FlowctlException UNAVAILABLE naming the port when it cannot be bound
   */
  SourceEndpoint start(Spec spec);

  /**
   * What to serve.
   *
   * @param config the component's configuration (bind and advertise host, TLS files)
   * @param port the port to bind, 0 for any free one
   * @param eventType the source's output event type
   * @param schema its output schema
   * @param producer the source's producer, run once per stream a client opens
   * @param allocator memory for the streams, owned by the component
   * @param maxStreams how many streams may run at once; more are refused
   * @param token the bearer token a client must present, or null for none
   * @param clientCa a PEM CA whose certificates clients must present (mutual TLS), or null
   */
  record Spec(
      ComponentConfig config,
      int port,
      String eventType,
      Schema schema,
      BatchProducer producer,
      BufferAllocator allocator,
      int maxStreams,
      String token,
      java.nio.file.Path clientCa) {
    public Spec {
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(eventType, "eventType");
      Objects.requireNonNull(schema, "schema");
      Objects.requireNonNull(producer, "producer");
      Objects.requireNonNull(allocator, "allocator");
      if (port < 0 || port > 65535 || maxStreams < 1) {
        throw new IllegalArgumentException("port " + port + ", maxStreams " + maxStreams);
      }
    }
  }

  /** A running endpoint. */
  interface SourceEndpoint extends AutoCloseable {
    /**
     * Where clients reach it, as registered: {@code grpc+tcp://host:port} or {@code grpc+tls://}.
     */
    String uri();

    /** Stops serving and cancels the streams it runs; waits for them to end. */
    @Override
    void close();
  }
}
