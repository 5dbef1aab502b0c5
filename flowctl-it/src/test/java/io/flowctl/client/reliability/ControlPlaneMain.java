package io.flowctl.client.reliability;

import io.flowctl.server.FlowctlServer;

/** A control plane in its own JVM, to be killed: args are the store spec and the port. */
public final class ControlPlaneMain {
  private ControlPlaneMain() {}

  public static void main(String[] args) throws Exception {
    FlowctlServer server =
        FlowctlServer.builder()
            .host("127.0.0.1")
            .port(Integer.parseInt(args[1]))
            .store(args[0])
            .start();
    System.out.println("ready " + server.port());
    System.out.flush();
    server.awaitTermination();
  }
}
