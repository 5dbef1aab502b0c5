package io.flowctl.server.registry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Services in this process's memory: what a registry keeps when nothing must survive a restart.
 * Only its own registry writes it, so there is nothing to adopt from other replicas.
 */
public final class InMemoryServiceStore implements ServiceStore {
  private final Map<String, StoredService> services = new ConcurrentHashMap<>();

  @Override
  public void put(StoredService service) {
    services.merge(
        service.info().getServiceId(),
        service,
        (old, fresh) ->
            new StoredService(
                fresh.info(), old.registeredAt(), old.lastHeartbeat(), old.metrics()));
  }

  @Override
  public boolean remove(String serviceId) {
    return services.remove(serviceId) != null;
  }

  @Override
  public boolean heartbeat(String serviceId, Instant at, Map<String, Double> metrics) {
    return services.computeIfPresent(
            serviceId,
            (id, old) -> new StoredService(old.info(), old.registeredAt(), at, Map.copyOf(metrics)))
        != null;
  }

  @Override
  public List<StoredService> all() {
    List<StoredService> out = new ArrayList<>(services.values());
    out.sort(Comparator.comparing(s -> s.info().getServiceId()));
    return out;
  }

  @Override
  public Optional<StoredService> get(String serviceId) {
    return Optional.ofNullable(services.get(serviceId));
  }

  @Override
  public boolean shared() {
    return false;
  }
}
