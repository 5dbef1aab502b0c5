package io.flowctl.testing;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;

/**
 * Self-signed certificates for tests of TLS and mutual TLS, made with the JDK's own keytool (no
 * extra dependency) and written as the PEM files that control planes and components are configured
 * with. Valid for {@code localhost} and {@code 127.0.0.1}, for two days.
 */
public final class TestCertificates {
  /** A certificate and its PKCS#8 key as PEM files; the certificate also serves as its own CA. */
  public record Pem(Path certificate, Path privateKey) {}

  private TestCertificates() {}

  /**
   * Makes a key pair and self-signed certificate with common name {@code name} in {@code dir}.
   *
   * @throws IllegalStateException when keytool fails
   */
  public static Pem create(Path dir, String name) throws Exception {
    Path store = dir.resolve(name + ".p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                name,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=" + name,
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey(name, "changeit".toCharArray());
    Certificate cert = ks.getCertificate(name);
    Path certPem = dir.resolve(name + ".crt");
    Path keyPem = dir.resolve(name + ".key");
    Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()));
    return new Pem(certPem, keyPem);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
