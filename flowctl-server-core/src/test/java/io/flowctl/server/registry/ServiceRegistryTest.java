package io.flowctl.server.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceRegistryTest {
  static ServiceInfo service(String id, ServiceType type, List<String> in, List<String> out) {
    return ServiceInfo.newBuilder()
        .setServiceId(id)
        .setServiceType(type)
        .addAllInputEventTypes(in)
        .addAllOutputEventTypes(out)
        .build();
  }

  final ManualClock clock = new ManualClock();
  final ServiceRegistry registry =
      ServiceRegistry.builder()
          .clock(clock)
          .heartbeatTtl(Duration.ofSeconds(30))
          .historySize(3)
          .build();

  @Test
  void aSilentServiceTurnsUnhealthy_andHealthyAgainWhenHeartbeatsResume() {
    registry.register(service("src", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));

    clock.advance(Duration.ofSeconds(29));
    assertThat(registry.sweep()).isEmpty();
    clock.advance(Duration.ofSeconds(2));
    assertThat(registry.sweep()).containsExactly("src");
    assertThat(registry.status("src").orElseThrow().healthy()).isFalse();

    registry.heartbeat("src", Map.of("arrow_rows_per_second", 1200.0));
    ServiceState s = registry.status("src").orElseThrow();
    assertThat(s.healthy()).isTrue();
    assertThat(s.lastHeartbeat()).isEqualTo(clock.instant());
    assertThat(s.metrics()).containsEntry("arrow_rows_per_second", 1200.0);
  }

  @Test
  void aPauseOfTheControlPlaneItself_isNotCountedAsSilence_butLaterSilenceIs() {
    ServiceRegistry swept =
        ServiceRegistry.builder()
            .clock(clock)
            .heartbeatTtl(Duration.ofSeconds(3))
            .sweepInterval(Duration.ofMillis(250))
            .build();
    swept.register(service("a", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
    swept.register(service("b", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
    for (int i = 0; i < 8; i++) { // 2 s of regular sweeps and heartbeats
      clock.advance(Duration.ofMillis(250));
      swept.heartbeat("a", Map.of());
      swept.heartbeat("b", Map.of());
      assertThat(swept.sweep()).isEmpty();
    }
    // The process stops for 2.5 s (a GC, starved CPU): the next sweep comes 2.75 s after the last,
    // and the one after it on time, before the heartbeats queued meanwhile are handled.
    clock.advance(Duration.ofMillis(2_750));
    assertThat(swept.sweep()).as("2.75 s since the beats, 2.5 of them paused").isEmpty();
    clock.advance(Duration.ofMillis(250));
    assertThat(swept.sweep()).as("3 s since the beats, 2.5 of them paused").isEmpty();
    swept.heartbeat("a", Map.of()); // 'a''s queued beat is handled; 'b' has died meanwhile
    for (int i = 0; i < 3; i++) {
      clock.advance(Duration.ofMillis(250));
      swept.heartbeat("a", Map.of());
      assertThat(swept.sweep()).isEmpty();
    }
    clock.advance(Duration.ofMillis(250));
    swept.heartbeat("a", Map.of());
    // b: 4 s since its last beat, 2.5 s of it paused: 1.5 s of silence so far.
    assertThat(swept.sweep()).isEmpty();
    for (int i = 0; i < 6; i++) { // 1.5 s more: 3 s of silence
      clock.advance(Duration.ofMillis(250));
      swept.heartbeat("a", Map.of());
      assertThat(swept.sweep()).isEmpty();
    }
    clock.advance(Duration.ofMillis(250));
    swept.heartbeat("a", Map.of());
    assertThat(swept.sweep()).containsExactly("b");
    assertThat(swept.status("a").orElseThrow().healthy()).isTrue();
  }

  @Test
  void aSecondLiveInstanceUnderTheSameId_isRefused_untilTheFirstHasLapsed() {
    ServiceInfo first =
        service("src", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")).toBuilder()
            .putMetadata(ServiceRegistry.INSTANCE_KEY, "instance-a")
            .build();
    ServiceInfo second =
        first.toBuilder().putMetadata(ServiceRegistry.INSTANCE_KEY, "instance-b").build();
    registry.register(first);
    registry.register(first); // the same instance again (after a reconnect): fine
    assertThatThrownBy(() -> registry.register(second))
        .isInstanceOf(FlowctlException.class)
        .hasMessageContaining("held by another live instance")
        .satisfies(
            e ->
                assertThat(((FlowctlException) e).code())
                    .isEqualTo(FlowctlException.Code.ALREADY_EXISTS));
    clock.advance(Duration.ofSeconds(31)); // the first stopped heartbeating: past the TTL
    assertThat(registry.register(second).info().getMetadataMap())
        .containsEntry(ServiceRegistry.INSTANCE_KEY, "instance-b");
    // without instance ids (a Go component), a re-registration is taken as upstream takes it
    registry.register(service("go", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
    registry.register(service("go", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
  }

  @Test
  void withoutASweepInterval_lateSweepsAreNotPauses() {
    registry.register(service("src", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
    registry.sweep();
    clock.advance(Duration.ofMinutes(5)); // a host that sweeps when it pleases
    assertThat(registry.sweep()).containsExactly("src");
  }

  @Test
  void heartbeatsKeepAShortHistory_andAnUnknownServiceIsNotFound() {
    registry.register(service("p", ServiceType.SERVICE_TYPE_PROCESSOR, List.of("t"), List.of("u")));
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(1));
      registry.heartbeat("p", Map.of("n", (double) i));
    }
    assertThat(registry.status("p").orElseThrow().history())
        .extracting(h -> h.metrics().get("n"))
        .containsExactly(2.0, 3.0, 4.0);

    assertThatThrownBy(() -> registry.heartbeat("ghost", Map.of()))
        .isInstanceOf(FlowctlException.class)
        .hasMessageContaining("'ghost'")
        .satisfies(
            e ->
                assertThat(((FlowctlException) e).code())
                    .isEqualTo(FlowctlException.Code.NOT_FOUND));
  }

  @Test
  void connectingServicesChecksThatEveryInputTypeIsProducedUpstream() {
    registry.register(service("src", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("a")));
    registry.register(
        service("proc", ServiceType.SERVICE_TYPE_PROCESSOR, List.of("a", "b"), List.of("c")));

    assertThat(registry.unmatchedInputs(List.of("src"), "proc")).containsExactly("b");
    assertThat(registry.consumersOf("a"))
        .extracting(ServiceState::serviceId)
        .containsExactly("proc");
    assertThat(registry.producersOf("c"))
        .extracting(ServiceState::serviceId)
        .containsExactly("proc");
    assertThat(registry.unregister("proc")).isTrue();
    assertThat(registry.list()).extracting(ServiceState::serviceId).containsExactly("src");
    assertThat(registry.consumersOf("a")).isEmpty();
    // A re-registration with other types moves the service in the index.
    registry.register(service("src", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("z")));
    assertThat(registry.producersOf("a")).isEmpty();
    assertThat(registry.producersOf("z"))
        .extracting(ServiceState::serviceId)
        .containsExactly("src");
  }

  @Test
  void badRegistrationsAreInvalid_andLimitsAreResourceExhausted() {
    assertThatThrownBy(() -> registry.register(ServiceInfo.newBuilder().setServiceId("x").build()))
        .hasMessageContaining("no service type");
    assertThatThrownBy(() -> registry.register(ServiceInfo.getDefaultInstance()))
        .hasMessageContaining("service id is empty");
    ServiceRegistry small = ServiceRegistry.builder().maxServices(1).maxMetadataEntries(1).build();
    small.register(service("a", ServiceType.SERVICE_TYPE_SINK, List.of("t"), List.of()));
    assertThatThrownBy(
            () ->
                small.register(
                    service("b", ServiceType.SERVICE_TYPE_SINK, List.of("t"), List.of())))
        .satisfies(
            e ->
                assertThat(((FlowctlException) e).code())
                    .isEqualTo(FlowctlException.Code.RESOURCE_EXHAUSTED));
    assertThatThrownBy(() -> small.heartbeat("a", Map.of("x", 1.0, "y", 2.0)))
        .hasMessageContaining("limit is 1");
  }

  @Test
  void theHistoryIsBoundedInBytes_andTheWholeRegistryByItsBudget() {
    ServiceRegistry r =
        ServiceRegistry.builder()
            .clock(clock)
            .historySize(1_000)
            .historyBytes(20 << 10)
            .maxBytes(1 << 20)
            .build();
    r.register(service("p", ServiceType.SERVICE_TYPE_PROCESSOR, List.of(), List.of()));
    Map<String, Double> beat = new java.util.HashMap<>();
    for (int i = 0; i < 20; i++) {
      beat.put("metric_" + i + "_" + "n".repeat(30), (double) i);
    }
    for (int i = 0; i < 200; i++) {
      clock.advance(Duration.ofMillis(10));
      r.heartbeat("p", beat);
    }
    int kept = r.status("p").orElseThrow().history().size();
    assertThat(kept).isBetween(2, 20); // ~2.6 KB a beat against 20 KiB
    // 40 KB registrations against a 1 MiB budget: refused well before 100, naming the setting
    int registered = 0;
    FlowctlException refusal = null;
    for (int i = 0; i < 100 && refusal == null; i++) {
      try {
        r.register(
            service("s" + i, ServiceType.SERVICE_TYPE_SINK, List.of(), List.of()).toBuilder()
                .putMetadata("blob", "b".repeat(4_000))
                .putMetadata("blob2", "b".repeat(4_000))
                .putMetadata("blob3", "b".repeat(4_000))
                .putMetadata("blob4", "b".repeat(4_000))
                .putMetadata("blob5", "b".repeat(4_000))
                .build());
        registered++;
      } catch (FlowctlException e) {
        refusal = e;
      }
    }
    assertThat(refusal).isNotNull();
    assertThat(refusal.code()).isEqualTo(FlowctlException.Code.RESOURCE_EXHAUSTED);
    assertThat(refusal).hasMessageContaining("maxBytes");
    assertThat(registered).isBetween(10, 60);
    // removing services gives their budget back
    for (int i = 0; i < registered; i++) {
      r.unregister("s" + i);
    }
    r.register(
        service("again", ServiceType.SERVICE_TYPE_SINK, List.of(), List.of()).toBuilder()
            .putMetadata("blob", "b".repeat(4_000))
            .build());
  }

  @Test
  void withAFlushInterval_heartbeatsReachTheStoreInOneBatch_registrationsAtOnce() {
    InMemoryServiceStore store = new InMemoryServiceStore();
    ServiceRegistry r =
        ServiceRegistry.builder()
            .clock(clock)
            .store(store)
            .heartbeatFlushInterval(Duration.ofMillis(250))
            .build();
    r.register(service("a", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
    r.register(service("b", ServiceType.SERVICE_TYPE_SINK, List.of("t"), List.of()));
    assertThat(store.all()).as("registrations are written before register returns").hasSize(2);
    java.time.Instant registered = store.get("a").orElseThrow().lastHeartbeat();

    clock.advance(Duration.ofSeconds(1));
    r.heartbeat("a", Map.of("rows", 1.0));
    clock.advance(Duration.ofSeconds(1));
    r.heartbeat("a", Map.of("rows", 2.0));
    r.heartbeat("b", Map.of("rows", 3.0));
    assertThat(store.get("a").orElseThrow().lastHeartbeat())
        .as("nothing written before the flush")
        .isEqualTo(registered);

    assertThat(r.flushHeartbeats()).as("each service's newest heartbeat only").isEqualTo(2);
    assertThat(store.get("a").orElseThrow().metrics()).containsEntry("rows", 2.0);
    assertThat(store.get("a").orElseThrow().lastHeartbeat()).isEqualTo(clock.instant());
    assertThat(store.get("b").orElseThrow().metrics()).containsEntry("rows", 3.0);
    assertThat(r.flushHeartbeats()).as("nothing new").isZero();
  }

  @Test
  void aFailedFlush_keepsItsHeartbeatsForTheNext_unlessANewerOneArrived() {
    InMemoryServiceStore memory = new InMemoryServiceStore();
    boolean[] down = {false};
    ServiceStore flaky =
        new ServiceStore() {
          @Override
          public void put(StoredService service) {
            memory.put(service);
          }

          @Override
          public boolean remove(String serviceId) {
            return memory.remove(serviceId);
          }

          @Override
          public boolean heartbeat(String serviceId, java.time.Instant at, Map<String, Double> m) {
            if (down[0]) {
              throw new io.flowctl.server.schema.StoreException("the database is down", null);
            }
            return memory.heartbeat(serviceId, at, m);
          }

          @Override
          public List<StoredService> all() {
            return memory.all();
          }

          @Override
          public boolean shared() {
            return false;
          }
        };
    ServiceRegistry r =
        ServiceRegistry.builder()
            .clock(clock)
            .store(flaky)
            .heartbeatFlushInterval(Duration.ofMillis(250))
            .build();
    r.register(service("a", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
    r.heartbeat("a", Map.of("rows", 1.0));
    down[0] = true;
    assertThatThrownBy(r::flushHeartbeats).hasMessageContaining("the database is down");
    down[0] = false;
    assertThat(r.flushHeartbeats()).as("kept for the next flush").isEqualTo(1);
    assertThat(memory.get("a").orElseThrow().metrics()).containsEntry("rows", 1.0);
  }

  @Test
  void afterARestart_theTtlCountsFromTheRestart_notFromTheLastStoredHeartbeat() {
    InMemoryServiceStore store = new InMemoryServiceStore();
    ServiceRegistry before =
        ServiceRegistry.builder()
            .clock(clock)
            .store(store)
            .heartbeatTtl(Duration.ofSeconds(30))
            .build();
    before.register(service("a", ServiceType.SERVICE_TYPE_SOURCE, List.of(), List.of("t")));
    before.heartbeat("a", Map.of());

    clock.advance(Duration.ofMinutes(5)); // the control plane was down for five minutes
    ServiceRegistry after =
        ServiceRegistry.builder()
            .clock(clock)
            .store(store)
            .heartbeatTtl(Duration.ofSeconds(30))
            .build();
    assertThat(after.sweep()).as("no unhealthy storm at start").isEmpty();
    assertThat(after.require("a").healthy()).isTrue();
    clock.advance(Duration.ofSeconds(29));
    assertThat(after.sweep()).as("within a TTL of the restart").isEmpty();
    clock.advance(Duration.ofSeconds(2));
    assertThat(after.sweep()).as("silent for a TTL since the restart").containsExactly("a");
  }
}
