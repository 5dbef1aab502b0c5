package io.flowctl.server.security;

import io.flowctl.FlowctlException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A JDK {@link SSLContext} from the same PEM files the gRPC side serves with (a certificate chain,
 * its PKCS#8 private key, optionally a client CA), for the HTTP side. Internal to the server.
 */
public final class PemTls {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private PemTls() {}

  /**
   * Reads the files into a TLS 1.2/1.3 context.
   *
   * @throws FlowctlException INVALID_ARGUMENT naming the file that cannot be used
   */
  public static SSLContext context(Path certChain, Path privateKey, Path clientCa) {
    try {
      List<Certificate> chain = certificates(certChain);
      if (chain.isEmpty()) {
        throw invalid(certChain, "holds no PEM certificate");
      }
      PrivateKey key = key(privateKey, chain.get(0).getPublicKey().getAlgorithm());
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      char[] none = new char[0];
      ks.setKeyEntry("server", key, none, chain.toArray(new Certificate[0]));
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      TrustManagerFactory tmf = null;
      if (clientCa != null) {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (Certificate c : certificates(clientCa)) {
          trust.setCertificateEntry("ca" + i++, c);
        }
        if (i == 0) {
          throw invalid(clientCa, "holds no PEM certificate");
        }
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "cannot use the TLS files " + certChain + ", " + privateKey + ": " + e.getMessage(),
          e);
    }
  }

  private static List<Certificate> certificates(Path file)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> all =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      return List.copyOf(all);
    }
  }

  private static PrivateKey key(Path file, String algorithm)
      throws IOException, GeneralSecurityException {
    Matcher m = PKCS8.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw invalid(file, "holds no PKCS#8 PEM private key (BEGIN PRIVATE KEY)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  private static FlowctlException invalid(Path file, String what) {
    return new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, file + " " + what);
  }
}
