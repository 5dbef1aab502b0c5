package io.flowctl.server.pipeline;

import io.flowctl.FlowctlException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * How a run reaches the data planes of components that serve TLS (they register {@code
 * data_plane_tls=true}): the CA their certificates are checked against (null: the JVM's trust
 * store) and, for components that ask for one, the run's client certificate (mutual TLS).
 * Components that do not say so (Go components) are reached in plaintext, as upstream's runner
 * does.
 *
 * @param ca a PEM CA, or null
 * @param certificate the run's PEM certificate chain, or null
 * @param key its PKCS#8 PEM key, or null
 */
public record DataPlaneTls(Path ca, Path certificate, Path key) {
  /** The JVM's trust store and no client certificate. */
  public static final DataPlaneTls DEFAULT = new DataPlaneTls(null, null, null);

  public DataPlaneTls {
    if ((certificate == null) != (key == null)) {
      throw new IllegalArgumentException("a client certificate and its key go together");
    }
  }

  SslContext clientContext() {
    try {
      SslContextBuilder b = GrpcSslContexts.forClient();
      if (ca != null) {
        b.trustManager(ca.toFile());
      }
      if (certificate != null) {
        b.keyManager(certificate.toFile(), key.toFile());
      }
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "the run's data-plane TLS files cannot be used (CA "
              + ca
              + ", certificate "
              + certificate
              + "): "
              + e.getMessage(),
          e);
    }
  }
}
