package io.flowctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.Timestamp;
import io.flowctl.FlowctlException;
import io.flowctl.client.control.ControlPlaneChannel;
import io.flowctl.client.control.internal.GrpcErrors;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options every command against a running control plane takes, and the one way those commands
 * call it: a call's failure becomes a {@link FlowctlException} of the status's code, so exit
 * statuses follow the rest of {@code flowctl} (FAILED_PRECONDITION 1; bad input, unknown names and
 * authentication 2).
 */
final class Remote {
  /** How long one call may take. */
  private static final long DEADLINE_SECONDS = 15;

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One item of a listing as JSON. */
  @FunctionalInterface
  interface ToJson<T> {
    com.fasterxml.jackson.databind.JsonNode of(T item) throws java.io.IOException;
  }

  /** Prints {@code items} as one JSON array, each as {@code json} makes it. */
  static <T> void printJson(
      java.io.PrintWriter out, java.util.List<T> items, ToJson<? super T> json)
      throws java.io.IOException {
    com.fasterxml.jackson.databind.node.ArrayNode a = JSON.createArrayNode();
    for (T item : items) {
      a.add(json.of(item));
    }
    out.println(JSON.writeValueAsString(a));
  }

  @Option(
      names = {"--server", "--endpoint", "-e"},
      paramLabel = "HOST:PORT",
      defaultValue = "${env:FLOWCTL_SERVER:-localhost:8080}",
      description =
          "The control plane (default ${DEFAULT-VALUE}; FLOWCTL_SERVER); several replicas as"
              + " h1:p1,h2:p2. --endpoint and -e are upstream's names for it.")
  String server;

  @Mixin Token token = new Token();

  /** The bearer token, an option of every way of naming a control plane. */
  static final class Token {
    @Option(
        names = "--token",
        paramLabel = "TOKEN",
        defaultValue = "${env:FLOWCTL_TOKEN}",
        description = "Bearer token (default FLOWCTL_TOKEN).")
    String value;
  }

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "PEM CA the server's certificate is checked against: connect with TLS.")
  Path tlsCa;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description = "PEM client certificate chain (mutual TLS; with --tls-key).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PKCS#8 PEM key of --tls-cert.")
  Path tlsKey;

  /** A call of the legacy API's blocking stub; {@code what} names it in errors. */
  <T> T legacy(String what, Function<ControlPlaneGrpc.ControlPlaneBlockingStub, T> call) {
    return call(what, ControlPlaneGrpc::newBlockingStub, call);
  }

  /** A call of the flowctl.v1 API's blocking stub. */
  <T> T v1(String what, Function<ControlPlaneServiceGrpc.ControlPlaneServiceBlockingStub, T> call) {
    return call(what, ControlPlaneServiceGrpc::newBlockingStub, call);
  }

  /** {@code call} on a stub made by {@code stub}, with the commands' deadline, on a new channel. */
  private <S extends io.grpc.stub.AbstractStub<S>, T> T call(
      String what, Function<io.grpc.Channel, S> stub, Function<S, T> call) {
    ManagedChannel channel = channel();
    try {
      return call.apply(stub.apply(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS));
    } catch (StatusRuntimeException e) {
      throw failure(what, e);
    } finally {
      channel.shutdownNow();
    }
  }

  private FlowctlException failure(String what, StatusRuntimeException e) {
    Status.Code code = e.getStatus().getCode();
    if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
      // "io exception" says nothing: the cause says what (connection refused, a TLS failure).
      String detail =
          e.getCause() != null && e.getCause().getMessage() != null
              ? e.getCause().getMessage()
              : String.valueOf(e.getStatus().getDescription());
      return new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          "cannot reach the control plane at " + server + " (" + detail + ")",
          e);
    }
    if (code == Status.Code.UNIMPLEMENTED) {
      return new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT,
          server + " does not offer " + what + " (is it an upstream flowctl control plane?)",
          e);
    }
    // Every error about a server names the address it tried.
    return GrpcErrors.toException(e, what + " at " + server);
  }

  private ManagedChannel channel() {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new FlowctlException(
          FlowctlException.Code.INVALID_ARGUMENT, "--tls-cert and --tls-key go together");
    }
    for (Path p : new Path[] {tlsCa, tlsCert, tlsKey}) {
      if (p != null && !Files.isReadable(p)) {
        throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, p + ": cannot read");
      }
    }
    ControlPlaneChannel.Builder b = ControlPlaneChannel.builder(server);
    if (token.value != null && !token.value.isBlank()) {
      b.bearerToken(token.value.strip());
    }
    if (tlsCert != null) {
      b.clientCertificate(tlsCert, tlsKey);
    }
    if (tlsCa != null || tlsCert != null) {
      b.tls(tlsCa);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, e.getMessage(), e);
    }
  }

  /** A timestamp as ISO-8601 text; empty when unset. */
  static String time(Timestamp t) {
    return t.getSeconds() == 0 && t.getNanos() == 0
        ? ""
        : Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
  }
}
