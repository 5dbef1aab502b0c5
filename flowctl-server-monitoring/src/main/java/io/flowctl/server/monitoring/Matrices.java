package io.flowctl.server.monitoring;

import io.flowctl.server.monitoring.view.CompatibilityMatrix;
import io.flowctl.server.registry.ServiceState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Producers (services with outputs) against the consumers they feed (services with inputs). Links
 * can be quadratic in the services (everyone feeding everyone), so only the shown rows and columns
 * are computed; which services have a link at all takes one pass over the event types.
 */
final class Matrices {
  private Matrices() {}

  static CompatibilityMatrix of(List<ServiceState> all, int max) {
    Map<String, List<String>> consumersOf = new HashMap<>();
    Map<String, List<String>> producersOf = new HashMap<>();
    for (ServiceState s : all) {
      for (String t : s.info().getInputEventTypesList()) {
        consumersOf.computeIfAbsent(t, k -> new ArrayList<>()).add(s.serviceId());
      }
      for (String t : s.info().getOutputEventTypesList()) {
        producersOf.computeIfAbsent(t, k -> new ArrayList<>()).add(s.serviceId());
      }
    }
    List<ServiceState> producers =
        all.stream()
            .filter(s -> linked(s.info().getOutputEventTypesList(), consumersOf, s.serviceId()))
            .sorted(Comparator.comparing(ServiceState::serviceId))
            .toList();
    List<ServiceState> consumers =
        all.stream()
            .filter(s -> linked(s.info().getInputEventTypesList(), producersOf, s.serviceId()))
            .sorted(Comparator.comparing(ServiceState::serviceId))
            .toList();
    List<ServiceState> rows = producers.subList(0, Math.min(max, producers.size()));
    List<ServiceState> columns = consumers.subList(0, Math.min(max, consumers.size()));
    List<List<String>> cells = new ArrayList<>();
    for (ServiceState p : rows) {
      List<String> out = new ArrayList<>();
      for (ServiceState c : columns) {
        out.add(cell(p, c));
      }
      cells.add(out);
    }
    return new CompatibilityMatrix(
        rows.stream().map(ServiceState::serviceId).toList(),
        columns.stream().map(ServiceState::serviceId).toList(),
        cells,
        producers.size(),
        consumers.size());
  }

  /** The event types {@code p} sends {@code c}, with the format change if any; "" for none. */
  private static String cell(ServiceState p, ServiceState c) {
    Set<String> shared = new TreeSet<>(p.info().getOutputEventTypesList());
    shared.retainAll(c.info().getInputEventTypesList());
    if (shared.isEmpty() || p.serviceId().equals(c.serviceId())) {
      return "";
    }
    String pf = p.info().getMetadataOrDefault("data_format", "");
    String cf = c.info().getMetadataOrDefault("data_format", "");
    String how = pf.equals(cf) || pf.isEmpty() || cf.isEmpty() ? "" : " (" + pf + " → " + cf + ")";
    return String.join(", ", shared) + how;
  }

  /** Whether one of {@code types} has a service other than {@code self} on the other side. */
  private static boolean linked(
      List<String> types, Map<String, List<String>> otherSide, String self) {
    for (String t : types) {
      List<String> ids = otherSide.get(t);
      if (ids != null && (ids.size() > 1 || !ids.get(0).equals(self))) {
        return true;
      }
    }
    return false;
  }
}
