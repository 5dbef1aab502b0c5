package io.flowctl.client.reliability;

import io.flowctl.server.FlowctlServer;
import java.time.Duration;

/**
 * A control plane in its own JVM, to be killed: args are the store spec and the port, then
 * optionally the heartbeat TTL in seconds and the sweep interval in milliseconds.
 */
public final class ControlPlaneMain {
  private ControlPlaneMain() {}

  public static void main(String[] args) throws Exception {
    FlowctlServer.Builder b =
        FlowctlServer.builder().host("127.0.0.1").port(Integer.parseInt(args[1])).store(args[0]);
    if (args.length > 3) {
      b.heartbeatTtl(Duration.ofSeconds(Long.parseLong(args[2])))
          .sweepInterval(Duration.ofMillis(Long.parseLong(args[3])));
    }
    FlowctlServer server = b.start();
    System.out.println("ready " + server.port());
    System.out.flush();
    server.awaitTermination();
  }
}
