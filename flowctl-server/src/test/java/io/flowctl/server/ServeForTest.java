package io.flowctl.server;

/** Runs a control plane in its own JVM for the crash test: args are the store spec. */
public final class ServeForTest {
  private ServeForTest() {}

  public static void main(String[] args) throws Exception {
    FlowctlServer server = FlowctlServer.builder().host("127.0.0.1").port(0).store(args[0]).start();
    System.out.println("ready " + server.port());
    System.out.flush();
    server.awaitTermination();
  }
}
