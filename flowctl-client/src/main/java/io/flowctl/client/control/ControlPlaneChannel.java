package io.flowctl.client.control;

import io.flowctl.client.control.internal.ControlPlaneTargets;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A gRPC channel to a control plane, set up the way {@link ControlPlaneClient} connects: one target
 * or several replicas (round-robin), TLS or mutual TLS from PEM files, and a bearer token on every
 * call. For tools that call the control plane's RPCs themselves (the operator commands of {@code
 * flowctl}); the caller owns and shuts down the channel.
 *
 * <pre>{@code
 * ManagedChannel channel = ControlPlaneChannel.builder("cp.internal:8080")
 *     .tls(Path.of("ca.pem")).bearerToken(token).build();
 * }</pre>
 */
public final class ControlPlaneChannel {
  private ControlPlaneChannel() {}

  /** A channel to {@code target}: {@code host:port}, {@code h1:p1,h2:p2} or a gRPC target. */
  public static Builder builder(String target) {
    return new Builder(target);
  }

  /** Settings of a channel. */
  public static final class Builder {
    private final String target;
    private String token;
    private boolean tls;
    private Path trustCert;
    private Path clientCert;
    private Path clientKey;

    private Builder(String target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** Sends {@code authorization: Bearer <token>} with every call. */
    public Builder bearerToken(String token) {
      this.token = Objects.requireNonNull(token, "token");
      return this;
    }

    /** TLS, trusting {@code serverCa} (null: the JDK's trust store). */
    public Builder tls(Path serverCa) {
      this.tls = true;
      this.trustCert = serverCa;
      return this;
    }

    /** Mutual TLS: also present this PEM certificate chain and PKCS#8 key. */
    public Builder clientCertificate(Path certChain, Path privateKey) {
      this.tls = true;
      this.clientCert = Objects.requireNonNull(certChain, "certChain");
      this.clientKey = Objects.requireNonNull(privateKey, "privateKey");
      return this;
    }

    /**
     * The channel.
     *
     * @throws IllegalArgumentException when the TLS files cannot be used
     */
    public ManagedChannel build() {
      NettyChannelBuilder b = NettyChannelBuilder.forTarget(ControlPlaneTargets.grpcTarget(target));
      if (ControlPlaneTargets.replicated(target)) {
        b.defaultLoadBalancingPolicy("round_robin"); // any live replica answers
      }
      if (token != null) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        ClientInterceptor auth = MetadataUtils.newAttachHeadersInterceptor(headers);
        b.intercept(auth);
      }
      if (!tls) {
        return b.usePlaintext().build();
      }
      try {
        SslContextBuilder ssl = GrpcSslContexts.configure(SslContextBuilder.forClient());
        if (trustCert != null) {
          ssl.trustManager(trustCert.toFile());
        }
        if (clientCert != null) {
          ssl.keyManager(clientCert.toFile(), clientKey.toFile());
        }
        return b.sslContext(ssl.build()).build();
      } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot set up TLS: " + e.getMessage(), e);
      }
    }
  }
}
