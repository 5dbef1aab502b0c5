package io.flowctl.server.pipeline;

import io.flowctl.FlowctlException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pipeline's components as the control plane sees them, for the runner: their links' schemas
 * checked before data flows, the data flow between the endpoints they registered, components
 * already running adopted where they are, launched ones awaited until they heartbeat.
 */
final class RegisteredComponents {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(PipelineRunner.class);

  private final ControlPlaneView view;

  RegisteredComponents(ControlPlaneView view) {
    this.view = view;
  }

  /**
   * Every link's schemas, before data flows: what each producer writes (its pipeline file's {@code
   * output_schemas}, else the subject's latest registered version) must be readable by each of its
   * consumers, judged as the registry judges a new version: by the reader schemas and reader model
   * each consumer declared ({@link io.flowctl.server.schema.SchemaRegistry#consumerConflicts}).
   *
   * @throws FlowctlException FAILED_PRECONDITION naming both components, the subject and every
   *     change with its path
   */
  void checkLinks(Pipeline pipeline) {
    if (!view.checksSchemas()) {
      return;
    }
    List<String> broken = new ArrayList<>();
    for (Pipeline.Component producer : pipeline.components()) {
      java.util.Set<String> downstream = new java.util.HashSet<>();
      for (Pipeline.Component c : pipeline.components()) {
        if (c.inputs().contains(producer.id())) {
          downstream.add(c.id());
        }
      }
      if (downstream.isEmpty()) {
        continue;
      }
      java.util.Set<String> subjects = new java.util.TreeSet<>(producer.outputSchemas().keySet());
      view.component(producer.id()).ifPresent(s -> subjects.addAll(s.outputs()));
      for (String subject : subjects) {
        org.apache.arrow.vector.types.pojo.Schema written = writtenBy(producer, subject);
        if (written == null) {
          continue;
        }
        for (ControlPlaneView.Conflict c : view.consumerConflicts(subject, written)) {
          if (downstream.contains(c.serviceId())) {
            broken.add(
                "'"
                    + c.serviceId()
                    + "' cannot read '"
                    + subject
                    + "' from '"
                    + producer.id()
                    + "': "
                    + c.changes());
          }
        }
      }
    }
    if (!broken.isEmpty()) {
      throw new FlowctlException(
          FlowctlException.Code.FAILED_PRECONDITION,
          "incompatible schemas, refused before data flowed: " + String.join(" | ", broken));
    }
  }

  /**
   * What {@code producer} writes as {@code subject}: its pipeline file's schema, else the latest
   * version registered for the subject when it produces it; null when unknown.
   */
  private org.apache.arrow.vector.types.pojo.Schema writtenBy(
      Pipeline.Component producer, String subject) {
    if (producer == null) {
      return null;
    }
    var fromFile = producer.outputSchemas().get(subject);
    if (fromFile != null) {
      return fromFile;
    }
    var state = view.component(producer.id());
    if (state.isEmpty() || !state.get().outputs().contains(subject)) {
      return null;
    }
    return view.latest(subject).orElse(null);
  }

  /** The data flow between the started components, from what they registered. */
  DataFlow dataFlow(Pipeline pipeline, DataPlaneTls tls) {
    List<DataFlow.Endpoint> sources = new ArrayList<>();
    List<DataFlow.Endpoint> processors = new ArrayList<>();
    List<DataFlow.Endpoint> sinks = new ArrayList<>();
    Map<String, io.flowctl.proto.v1.StreamRequest> requests = new LinkedHashMap<>();
    for (Pipeline.Component c : pipeline.components()) {
      var state =
          view.component(c.id())
              .orElseThrow(
                  () ->
                      new FlowctlException(
                          FlowctlException.Code.FAILED_PRECONDITION,
                          "component '" + c.id() + "' is not registered"));
      String endpoint = state.endpoint();
      if (endpoint.isEmpty()) {
        throw new FlowctlException(
            FlowctlException.Code.FAILED_PRECONDITION,
            "component '"
                + c.id()
                + "' registered no data endpoint (flowctl.v1 ComponentInfo.endpoint)");
      }
      DataFlow.Endpoint e =
          new DataFlow.Endpoint(c.id(), DataFlow.dialable(endpoint), state.inputs(), state.tls());
      switch (c.role()) {
        case SOURCE -> {
          sources.add(e);
          var r = io.flowctl.proto.v1.StreamRequest.newBuilder();
          if (c.env().containsKey("START_LEDGER")) {
            r.putParams("start_ledger", c.env().get("START_LEDGER"));
          }
          if (c.env().containsKey("END_LEDGER")) {
            r.putParams("end_ledger", c.env().get("END_LEDGER"));
          }
          requests.put(c.id(), r.build());
        }
        case PROCESSOR -> processors.add(e);
        case SINK -> sinks.add(e);
      }
    }
    return new DataFlow(sources, processors, sinks, requests, tls);
  }

  /**
   * A handle on {@code c} when it is registered, healthy and accepting connections at its data
   * endpoint (a record left by a component that has just stopped is not); null to launch it. The
   * handle stops nothing: the runner did not start it. It stays alive while the control plane says
   * the component is healthy, asked at most once a second.
   */
  Launcher.Handle adopt(Pipeline.Component c) {
    var state = view.component(c.id());
    if (state.isEmpty() || !state.get().healthy() || state.get().endpoint().isEmpty()) {
      return null;
    }
    String address = DataFlow.dialable(state.get().endpoint());
    int colon = address.lastIndexOf(':');
    try (java.net.Socket socket = new java.net.Socket()) {
      String host = address.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      socket.connect(
          new java.net.InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1))),
          2000);
    } catch (IOException | RuntimeException e) {
      LOG.info(
          "component '{}' is registered at {} but does not answer there ({}): launching it",
          c.id(),
          address,
          e.getMessage());
      return null;
    }
    return new Adopted() {
      private long checkedAt = System.nanoTime();
      private boolean alive = true;

      @Override
      public synchronized boolean alive() {
        if (alive && System.nanoTime() - checkedAt > 1_000_000_000L) {
          checkedAt = System.nanoTime();
          try {
            alive = view.component(c.id()).map(ControlPlaneView.Registered::healthy).orElse(false);
          } catch (FlowctlException unreachable) {
            LOG.warn("cannot ask after component '{}': {}", c.id(), unreachable.getMessage());
          }
        }
        return alive;
      }

      @Override
      public void close() {
        // started elsewhere: stopped elsewhere
      }
    };
  }

  /**
   * Waits for a heartbeat the component sent after it was launched: a record left in the store by
   * an earlier run does not count.
   */
  void awaitHealthy(
      Pipeline.Component c, Launcher.Handle handle, java.time.Instant launchedAt, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      var state = view.component(c.id());
      if (state.isPresent()
          && state.get().healthy()
          && !state.get().lastHeartbeat().isBefore(launchedAt)) {
        return;
      }
      if (!handle.alive()) {
        throw new FlowctlException(
            FlowctlException.Code.FAILED_PRECONDITION, "it exited before it registered");
      }
      if (System.nanoTime() > deadline) {
        throw new FlowctlException(
            FlowctlException.Code.DEADLINE_EXCEEDED,
            "it did not register and turn healthy within " + timeout.toMillis() + " ms");
      }
      Thread.sleep(20);
    }
  }

  /** A component the runner found running and drives where it is. */
  interface Adopted extends Launcher.Handle {}
}
