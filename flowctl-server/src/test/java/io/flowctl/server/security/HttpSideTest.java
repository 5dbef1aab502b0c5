package io.flowctl.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import io.flowctl.testing.TestCertificates;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP side (dashboard, {@code /api}, {@code /metrics}) against a real server on loopback:
 * protected by the same tokens and certificate as gRPC, with security headers, bounded answers, and
 * not held up by clients that send slowly.
 */
class HttpSideTest {
  @TempDir Path dir;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void withTokens_dataNeedsABearerToken_thePageDoesNot_andEveryAnswerCarriesSecurityHeaders()
      throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "admin adm-token\nprom scrape-token\n");
    try (FlowctlServer s =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .httpPort(0)
            .store("memory")
            .bearerTokens(BearerTokenInterceptor.fromFile(tokens))
            .start()) {
      String base = "http://127.0.0.1:" + s.httpPort();
      for (String path : List.of("/metrics", "/api/overview", "/api/services", "/api/matrix")) {
        HttpResponse<String> denied = get(base + path, null);
        assertThat(denied.statusCode()).as(path).isEqualTo(401);
        assertThat(denied.headers().firstValue("WWW-Authenticate"))
            .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(get(base + path, "Bearer wrong").statusCode()).as(path).isEqualTo(401);
        assertThat(get(base + path, "Bearer scrape-token").statusCode()).as(path).isEqualTo(200);
      }
      HttpResponse<String> page = get(base + "/", null);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body())
          .doesNotContain("adm-token", "scrape-token")
          .doesNotContain("<script>");
      for (HttpResponse<String> r : List.of(page, get(base + "/api/overview", null))) {
        assertThat(r.headers().firstValue("Content-Security-Policy"))
            .hasValueSatisfying(
                v -> assertThat(v).contains("script-src 'self'", "frame-ancestors 'none'"));
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
      }
    }
  }

  @Test
  void theSameCertificateFlags_serveHttps_andPlainHttpIsNotAnswered() throws Exception {
    TestCertificates.Pem server = TestCertificates.create(dir, "server");
    try (FlowctlServer s =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(0)
            .httpPort(0)
            .store("memory")
            .tls(server.certificate(), server.privateKey(), null)
            .start()) {
      HttpClient https =
          HttpClient.newBuilder()
              .sslContext(trusting(server.certificate()))
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      HttpResponse<String> r =
          https.send(
              HttpRequest.newBuilder(URI.create("https://localhost:" + s.httpPort() + "/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("flowctl_services_registered");
      assertThatThrownBy(() -> get("http://127.0.0.1:" + s.httpPort() + "/metrics", null))
          .isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void slowClients_doNotHoldUpOthers_andAreCutOffAfterTheRequestTimeLimit() throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).httpPort(0).store("memory").start()) {
      List<Socket> slow = new ArrayList<>();
      try {
        // More slow clients than the server has threads, each trickling its headers.
        for (int i = 0; i < 24; i++) {
          Socket c = new Socket();
          c.connect(new InetSocketAddress("127.0.0.1", s.httpPort()), 5_000);
          c.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes());
          slow.add(c);
        }
        long started = System.nanoTime();
        Thread trickle =
            new Thread(
                () -> {
                  try {
                    while (!Thread.currentThread().isInterrupted()) {
                      for (Socket c : slow) {
                        try {
                          c.getOutputStream().write('X');
                        } catch (java.io.IOException closedByServer) {
                          // expected once the limit passes
                        }
                      }
                      Thread.sleep(500);
                    }
                  } catch (InterruptedException done) {
                    // stop
                  }
                });
        trickle.setDaemon(true);
        trickle.start();
        try {
          for (int i = 0; i < 3; i++) {
            assertThat(get("http://127.0.0.1:" + s.httpPort() + "/metrics", null).statusCode())
                .isEqualTo(200);
          }
          // Every slow connection is closed by the server once the request time limit passes.
          for (Socket c : slow) {
            c.setSoTimeout(30_000);
            InputStream in = c.getInputStream();
            int b;
            try {
              do {
                b = in.read();
              } while (b >= 0);
            } catch (java.net.SocketException reset) {
              // closed by the server: also fine
            }
          }
          assertThat(Duration.ofNanos(System.nanoTime() - started))
              .isLessThan(Duration.ofSeconds(30));
        } finally {
          trickle.interrupt();
        }
      } finally {
        for (Socket c : slow) {
          c.close();
        }
      }
    }
  }

  @Test
  void theOverview_staysBoundedWithThousandsOfServices_andTheServerKeepsAnswering()
      throws Exception {
    try (FlowctlServer s =
        FlowctlServer.builder().host("127.0.0.1").port(0).httpPort(0).store("memory").start()) {
      // 3,000 processors all consuming and producing the same type: a full 3,000 × 3,000 matrix
      for (int i = 0; i < 3_000; i++) {
        s.services()
            .register(
                ServiceInfo.newBuilder()
                    .setServiceId(String.format("processor-%04d-", i) + "p".repeat(200))
                    .setServiceType(ServiceType.SERVICE_TYPE_PROCESSOR)
                    .addInputEventTypes("t")
                    .addOutputEventTypes("t")
                    .putMetadata("pipeline", "p" + (i % 500))
                    .build());
      }
      String base = "http://127.0.0.1:" + s.httpPort();
      HttpResponse<String> o = get(base + "/api/overview", null);
      assertThat(o.statusCode()).isEqualTo(200);
      assertThat(o.body().length()).isLessThan(2 << 20);
      assertThat(o.body()).contains("\"servicesTotal\":3000", "\"producersTotal\":3000");
      HttpResponse<String> page = get(base + "/api/services?offset=2990&limit=100000", null);
      assertThat(page.body()).contains("\"offset\":2990", "\"total\":3000");
      assertThat(page.body().length()).isLessThan(2 << 20);
      assertThat(get(base + "/api/matrix", null).body().length()).isLessThan(2 << 20);
      stillServing(s);
    }
  }

  /** The gRPC side answers a health check and a heartbeat promptly. */
  private static void stillServing(FlowctlServer s) {
    io.grpc.ManagedChannel ch =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", s.port())
            .usePlaintext()
            .build();
    try {
      io.grpc.health.v1.HealthGrpc.newBlockingStub(ch)
          .withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS)
          .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
      var stub =
          io.flowctl.proto.ControlPlaneGrpc.newBlockingStub(ch)
              .withDeadlineAfter(2, java.util.concurrent.TimeUnit.SECONDS);
      stub.register(
          ServiceInfo.newBuilder()
              .setServiceId("after")
              .setServiceType(ServiceType.SERVICE_TYPE_SOURCE)
              .build());
      stub.heartbeat(io.flowctl.proto.ServiceHeartbeat.newBuilder().setServiceId("after").build());
    } finally {
      ch.shutdownNow();
    }
  }

  private HttpResponse<String> get(String url, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static SSLContext trusting(Path certificate) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      ks.setCertificateEntry(
          "server", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
