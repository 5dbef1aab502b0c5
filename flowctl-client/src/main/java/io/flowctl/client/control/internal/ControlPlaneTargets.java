package io.flowctl.client.control.internal;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Control-plane targets with several replicas: {@code host1:port1,host2:port2} (a static list,
 * resolved once per host) or any gRPC target naming several addresses ({@code
 * dns:///flowctl.internal:8080}). Either way calls are spread over the replicas round-robin, and a
 * replica that goes away is skipped until it is back. Internal to the client.
 */
public final class ControlPlaneTargets {
  /** The URI scheme of a static list. */
  static final String SCHEME = "flowctl-static";

  private static final NameResolverProvider STATIC = new StaticProvider();

  static {
    NameResolverRegistry.getDefaultRegistry().register(STATIC);
  }

  private ControlPlaneTargets() {}

  /** The gRPC target for what a user wrote. */
  public static String grpcTarget(String target) {
    return target.contains(",") ? SCHEME + ":///" + target.replace(" ", "") : target;
  }

  /** Whether the target may name several replicas, so that calls go round-robin. */
  public static boolean replicated(String target) {
    return target.contains(",") || target.startsWith("dns:");
  }

  /** Parses {@code host:port} (brackets around an IPv6 host). */
  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException(
          "a control-plane address is host:port, not '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the port of '" + hostPort + "' is not a number", e);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("the port of '" + hostPort + "' is out of range");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  private static final class StaticProvider extends NameResolverProvider {
    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }

    @Override
    public NameResolver newNameResolver(URI uri, NameResolver.Args args) {
      if (!SCHEME.equals(uri.getScheme())) {
        return null;
      }
      String list = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (String part : list.split(",")) {
        if (!part.isBlank()) {
          addresses.add(address(part.trim()));
        }
      }
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("no control-plane address in '" + uri + "'");
      }
      return new StaticResolver(uri.getAuthority() == null ? list : uri.getAuthority(), addresses);
    }
  }

  /** Resolves each host again on every refresh, so a replica whose address changed is found. */
  private static final class StaticResolver extends NameResolver {
    private final String authority;
    private final List<InetSocketAddress> addresses;
    private Listener2 listener;

    StaticResolver(String authority, List<InetSocketAddress> addresses) {
      this.authority = authority;
      this.addresses = addresses;
    }

    @Override
    public String getServiceAuthority() {
      return addresses.get(0).getHostString();
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      resolve();
    }

    @Override
    public void refresh() {
      resolve();
    }

    private void resolve() {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      List<String> unresolved = new ArrayList<>();
      for (InetSocketAddress a : addresses) {
        InetSocketAddress r = new InetSocketAddress(a.getHostString(), a.getPort());
        if (r.isUnresolved()) {
          unresolved.add(a.getHostString());
        } else {
          groups.add(new EquivalentAddressGroup(List.<SocketAddress>of(r)));
        }
      }
      if (groups.isEmpty()) {
        listener.onError(
            Status.UNAVAILABLE.withDescription(
                "cannot resolve any control-plane host of " + authority + ": " + unresolved));
        return;
      }
      listener.onResult(
          ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
    }

    @Override
    public void shutdown() {}
  }
}
