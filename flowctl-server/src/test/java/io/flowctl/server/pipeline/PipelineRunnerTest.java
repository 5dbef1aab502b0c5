package io.flowctl.server.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.flowctl.FlowctlException;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.v1.ComponentInfo;
import io.flowctl.proto.v1.ComponentType;
import io.flowctl.proto.v1.ConsumeResponse;
import io.flowctl.proto.v1.ConsumerServiceGrpc;
import io.flowctl.proto.v1.ControlPlaneServiceGrpc;
import io.flowctl.proto.v1.Event;
import io.flowctl.proto.v1.HeartbeatRequest;
import io.flowctl.proto.v1.ProcessorServiceGrpc;
import io.flowctl.proto.v1.RegisterRequest;
import io.flowctl.proto.v1.SourceServiceGrpc;
import io.flowctl.proto.v1.StreamRequest;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.runs.InMemoryPipelineRunStore;
import io.flowctl.server.runs.PipelineRuns;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineRunnerTest {
  static final String YAML =
      """
      apiVersion: flowctl/v1
      kind: Pipeline
      metadata:
        name: runner-test
      spec:
        sources:
          - id: src
            command: ["in-process"]
        processors:
          - id: proc
            command: ["in-process"]
            inputs: [src]
        sinks:
          - id: sink
            command: ["in-process"]
            inputs: [proc]
      """;

  @TempDir Path dir;

  /**
   * Components in this JVM that behave as flow-proto components do: each serves its v1 data-plane
   * service on a loopback port, registers through flowctl.v1 with that endpoint (the source in Go's
   * ":port" form) and heartbeats. The source streams {@link #EVENTS} events, the processor appends
   * "!" to each payload, the sink keeps what it consumed.
   */
  static final class InProcess implements Launcher {
    static final int EVENTS = 5;
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<String> consumed = new CopyOnWriteArrayList<>();
    final Set<String> neverRegister;
    final java.util.concurrent.atomic.AtomicLong sourceSent =
        new java.util.concurrent.atomic.AtomicLong();
    volatile long sinkDelayMillis;
    volatile int sourceEvents = EVENTS;
    volatile int sinkRefuses; // events each sink answers as refused
    final Map<String, Runnable> killers = new java.util.concurrent.ConcurrentHashMap<>();

    InProcess(Set<String> neverRegister) {
      this.neverRegister = neverRegister;
    }

    @Override
    public Handle launch(Pipeline.Component c, Map<String, String> env) throws java.io.IOException {
      events.add("start " + c.id());
      io.grpc.BindableService service =
          switch (c.role()) {
            case SOURCE ->
                new SourceServiceGrpc.SourceServiceImplBase() {
                  @Override
                  public void streamEvents(StreamRequest r, StreamObserver<Event> out) {
                    for (int i = 1; i <= sourceEvents; i++) {
                      out.onNext(
                          Event.newBuilder()
                              .setId(Integer.toString(i))
                              .setType("t")
                              .setPayload(ByteString.copyFromUtf8("e" + i))
                              .build());
                      sourceSent.incrementAndGet();
                    }
                    out.onCompleted();
                  }
                };
            case PROCESSOR ->
                new ProcessorServiceGrpc.ProcessorServiceImplBase() {
                  @Override
                  public StreamObserver<Event> process(StreamObserver<Event> out) {
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(Event e) {
                        out.onNext(
                            e.toBuilder()
                                .setPayload(
                                    ByteString.copyFromUtf8(e.getPayload().toStringUtf8() + "!"))
                                .build());
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onCompleted();
                      }
                    };
                  }
                };
            case SINK ->
                new ConsumerServiceGrpc.ConsumerServiceImplBase() {
                  @Override
                  public StreamObserver<Event> consume(StreamObserver<ConsumeResponse> out) {
                    return new StreamObserver<>() {
                      long n;

                      @Override
                      public void onNext(Event e) {
                        try {
                          Thread.sleep(sinkDelayMillis);
                        } catch (InterruptedException x) {
                          Thread.currentThread().interrupt();
                        }
                        consumed.add(c.id() + ":" + e.getPayload().toStringUtf8());
                        n++;
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onNext(
                            ConsumeResponse.newBuilder()
                                .setEventsConsumed(n - sinkRefuses)
                                .setEventsFailed(sinkRefuses)
                                .addAllErrors(
                                    sinkRefuses == 0
                                        ? List.of()
                                        : List.of("event '1': 'amount' changed type"))
                                .build());
                        out.onCompleted();
                      }
                    };
                  }
                };
          };
      io.grpc.Server server =
          NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
              .addService(service)
              .build()
              .start();
      ManagedChannel ch =
          NettyChannelBuilder.forTarget(env.get("FLOWCTL_ENDPOINT")).usePlaintext().build();
      String endpoint =
          c.role() == Pipeline.Role.SOURCE
              ? ":" + server.getPort()
              : "127.0.0.1:" + server.getPort();
      Thread t =
          new Thread(
              () -> {
                var stub = ControlPlaneServiceGrpc.newBlockingStub(ch);
                try {
                  if (!neverRegister.contains(c.id())) {
                    stub.registerComponent(
                        RegisterRequest.newBuilder()
                            .setComponentId(env.get("FLOWCTL_COMPONENT_ID"))
                            .setComponent(
                                ComponentInfo.newBuilder()
                                    .setId(env.get("FLOWCTL_SERVICE_ID"))
                                    .setEndpoint(endpoint)
                                    .addAllOutputEventTypes(
                                        c.role() == Pipeline.Role.SOURCE ? List.of("t") : List.of())
                                    .addAllInputEventTypes(
                                        env.containsKey("INPUTS")
                                            ? List.of(env.get("INPUTS").split(","))
                                            : List.of())
                                    .setType(
                                        switch (c.role()) {
                                          case SOURCE -> ComponentType.COMPONENT_TYPE_SOURCE;
                                          case PROCESSOR -> ComponentType.COMPONENT_TYPE_PROCESSOR;
                                          case SINK -> ComponentType.COMPONENT_TYPE_CONSUMER;
                                        }))
                            .build());
                  }
                  while (!Thread.currentThread().isInterrupted()) {
                    if (!neverRegister.contains(c.id())) {
                      stub.heartbeat(HeartbeatRequest.newBuilder().setServiceId(c.id()).build());
                    }
                    Thread.sleep(30);
                  }
                } catch (InterruptedException | RuntimeException stop) {
                  // stopped
                }
              });
      t.setDaemon(true);
      t.start();
      java.util.concurrent.atomic.AtomicBoolean dead =
          new java.util.concurrent.atomic.AtomicBoolean();
      killers.put(
          c.id(),
          () -> {
            dead.set(true);
            server.shutdownNow();
          });
      return new Handle() {
        @Override
        public boolean alive() {
          return t.isAlive() && !dead.get();
        }

        @Override
        public void close() {
          events.add("stop " + c.id());
          t.interrupt();
          ch.shutdownNow();
          server.shutdownNow();
        }
      };
    }
  }

  private Pipeline pipeline() throws Exception {
    Path f = Files.writeString(dir.resolve("p.yaml"), YAML);
    return PipelineParser.parse(f).pipeline().orElseThrow();
  }

  @Test
  void startsInDependencyOrderOnceEachIsHealthy_recordsTheRun_andStopsInReverse() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRuns runs = new PipelineRuns(new InMemoryPipelineRunStore(), Clock.systemUTC());
      InProcess launcher = new InProcess(Set.of());
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              runs,
              launcher,
              "127.0.0.1:" + cp.port(),
              Duration.ofSeconds(20),
              Duration.ofMillis(30));

      PipelineRunner.Running running = runner.start(pipeline());

      assertThat(running.startOrder()).containsExactly("src", "proc", "sink");
      assertThat(cp.services().list()).hasSize(3);
      // The runner moves the data: source -> processor -> sink, in order, and then completes.
      PipelineRunner.FlowResult result = running.completion().get(20, TimeUnit.SECONDS);
      assertThat(result.sourceEvents()).isEqualTo(InProcess.EVENTS);
      assertThat(result.processorOutputs()).containsEntry("proc", (long) InProcess.EVENTS);
      assertThat(result.sinks().get("sink").getEventsConsumed()).isEqualTo(InProcess.EVENTS);
      assertThat(launcher.consumed)
          .containsExactly("sink:e1!", "sink:e2!", "sink:e3!", "sink:e4!", "sink:e5!");
      assertThat(runs.get(running.runId()).getStatus()).isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
      running.close(); // the components run until closed, as upstream's do
      assertThat(launcher.events)
          .containsExactly(
              "start src", "start proc", "start sink", "stop sink", "stop proc", "stop src");
      var run = runs.get(running.runId());
      assertThat(run.getStatus()).isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
      assertThat(run.getMetrics().getEventsProcessed()).isEqualTo(InProcess.EVENTS);
      running.close(); // already final: stays completed
      assertThat(runs.get(running.runId()).getStatus()).isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
      assertThat(run.getStatus()).isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
    }
  }

  @Test
  void runsAreRecordedThroughThePipelineRunRpcs_andAFinishedRunIsCompleted() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      ManagedChannel ch =
          NettyChannelBuilder.forAddress("127.0.0.1", cp.port()).usePlaintext().build();
      try {
        PipelineRunner runner =
            new PipelineRunner(
                cp.services(),
                RunRecorder.grpc(ch),
                new InProcess(Set.of()),
                "127.0.0.1:" + cp.port(),
                Duration.ofSeconds(20),
                Duration.ofMillis(30));

        PipelineRunner.Running running = runner.start(pipeline());
        // The control plane's own record, written by the RPCs.
        var recorded = cp.runs().get(running.runId());
        assertThat(recorded.getPipelineName()).isEqualTo("runner-test");
        assertThat(recorded.getStatus()).isEqualTo(RunStatus.RUN_STATUS_RUNNING);
        assertThat(recorded.getComponentIdsList()).containsExactly("src", "proc", "sink");
        running.completion().get(20, TimeUnit.SECONDS);
        assertThat(cp.runs().get(running.runId()).getStatus())
            .isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
        running.close(); // already final: stays completed
        assertThat(cp.runs().get(running.runId()).getStatus())
            .isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
      } finally {
        ch.shutdownNow();
      }
    }
  }

  @Test
  void aComponentThatNeverRegisters_failsTheRun_andWhatStartedIsStopped() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRuns runs = new PipelineRuns(new InMemoryPipelineRunStore(), Clock.systemUTC());
      InProcess launcher = new InProcess(Set.of("proc"));
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              runs,
              launcher,
              "127.0.0.1:" + cp.port(),
              Duration.ofMillis(500),
              Duration.ofMillis(30));

      assertThatThrownBy(() -> runner.start(pipeline()))
          .isInstanceOf(FlowctlException.class)
          .hasMessageContaining("component 'proc' did not start")
          .hasMessageContaining("within 500 ms");
      assertThat(launcher.events)
          .containsExactly("start src", "start proc", "stop proc", "stop src");
      var run = runs.list("runner-test", RunStatus.RUN_STATUS_UNKNOWN, 1).get(0);
      assertThat(run.getStatus()).isEqualTo(RunStatus.RUN_STATUS_FAILED);
      assertThat(run.getError()).contains("proc");
    }
  }

  @Test
  void aSlowSink_holdsTheSourceBack_andEveryEventArrives_noneDropped() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRuns runs = new PipelineRuns(new InMemoryPipelineRunStore(), Clock.systemUTC());
      InProcess launcher = new InProcess(Set.of());
      launcher.sourceEvents = 2_000;
      launcher.sinkDelayMillis = 1;
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              runs,
              launcher,
              "127.0.0.1:" + cp.port(),
              Duration.ofSeconds(20),
              Duration.ofMillis(30));
      try (PipelineRunner.Running running = runner.start(pipeline())) {
        PipelineRunner.FlowResult result = running.completion().get(60, TimeUnit.SECONDS);
        // Upstream's runner drops events when a sink's buffer is full; this one waits.
        assertThat(result.sinks().get("sink").getEventsConsumed()).isEqualTo(2_000);
        assertThat(launcher.consumed).hasSize(2_000).startsWith("sink:e1!").endsWith("sink:e2000!");
      }
    }
  }

  @Test
  void aComponentThatDiesWhileDataFlows_failsTheRunWithTheReason() throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRuns runs = new PipelineRuns(new InMemoryPipelineRunStore(), Clock.systemUTC());
      InProcess launcher = new InProcess(Set.of());
      launcher.sourceEvents = 100_000;
      launcher.sinkDelayMillis = 5;
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              runs,
              launcher,
              "127.0.0.1:" + cp.port(),
              Duration.ofSeconds(20),
              Duration.ofMillis(30));
      PipelineRunner.Running running = runner.start(pipeline());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (launcher.consumed.size() < 10 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      launcher.killers.get("proc").run();
      assertThatThrownBy(() -> running.completion().get(20, TimeUnit.SECONDS))
          .hasCauseInstanceOf(FlowctlException.class)
          .hasMessageContaining("proc");
      var run = runs.get(running.runId());
      assertThat(run.getStatus()).isEqualTo(RunStatus.RUN_STATUS_FAILED);
      assertThat(run.getError()).contains("proc");
      assertThat(launcher.events).contains("stop src", "stop proc", "stop sink");
    }
  }

  @Test
  void sinksGetTheEventTypesTheyRegistered_andOnlyThose() throws Exception {
    String yaml =
        """
        apiVersion: flowctl/v1
        kind: Pipeline
        metadata:
          name: fan-out
        spec:
          sources:
            - id: src
              command: ["in-process"]
          sinks:
            - id: all
              command: ["in-process"]
              inputs: [src]
            - id: none
              command: ["in-process"]
              inputs: [src]
              env:
                INPUTS: "other"
        """;
    Path f = Files.writeString(dir.resolve("fan.yaml"), yaml);
    Pipeline p = PipelineParser.parse(f).pipeline().orElseThrow();
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRuns runs = new PipelineRuns(new InMemoryPipelineRunStore(), Clock.systemUTC());
      InProcess launcher = new InProcess(Set.of());
      PipelineRunner runner =
          new PipelineRunner(
              cp.services(),
              runs,
              launcher,
              "127.0.0.1:" + cp.port(),
              Duration.ofSeconds(20),
              Duration.ofMillis(30));
      try (PipelineRunner.Running running = runner.start(p)) {
        PipelineRunner.FlowResult result = running.completion().get(20, TimeUnit.SECONDS);
        assertThat(result.sinks().get("all").getEventsConsumed()).isEqualTo(InProcess.EVENTS);
        assertThat(result.sinks().get("none").getEventsConsumed()).isZero();
        assertThat(launcher.consumed).allMatch(e -> e.startsWith("all:")).hasSize(InProcess.EVENTS);
      }
    }
  }

  @Test
  void theProcessLauncherPassesTheUpstreamEnvironment_andStopsTheChild() throws Exception {
    Path out = dir.resolve("env.txt");
    Pipeline.Component child =
        new Pipeline.Component(
            "tiny",
            Pipeline.Role.SOURCE,
            "",
            List.of(
                "sh",
                "-c",
                "echo \"$FLOWCTL_SERVICE_ID $FLOWCTL_ENDPOINT $TEAM\" > "
                    + out
                    + "; exec sleep 60"),
            List.of(),
            List.of(),
            Map.of(),
            Pipeline.ArrowSettings.DEFAULTS,
            Map.of(),
            Map.of(),
            1,
            "");
    Launcher.Handle h =
        new ProcessLauncher(dir.resolve("logs"))
            .launch(
                child,
                Map.of(
                    "FLOWCTL_SERVICE_ID",
                    "tiny",
                    "FLOWCTL_ENDPOINT",
                    "127.0.0.1:8080",
                    "TEAM",
                    "x"));
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while ((!Files.exists(out) || Files.readString(out).isEmpty()) && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(Files.readString(out).trim()).isEqualTo("tiny 127.0.0.1:8080 x");
      assertThat(h.alive()).isTrue();
    } finally {
      h.close();
    }
    assertThat(h.alive()).isFalse();
  }

  @Test
  void eventsASinkRefused_failTheRunNamingItAndTheCause_unlessItsEntryAllowsThem()
      throws Exception {
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRuns runs = new PipelineRuns(new InMemoryPipelineRunStore(), Clock.systemUTC());
      InProcess launcher = new InProcess(Set.of());
      launcher.sinkRefuses = 2;
      PipelineRunner runner = checkingRunner(cp, runs, launcher);
      try (PipelineRunner.Running running = runner.start(pipeline())) {
        PipelineRunner.FlowResult r = running.completion().get(30, TimeUnit.SECONDS);
        assertThat(r.completed()).isFalse();
        assertThat(r.failure())
            .isEqualTo("sink refused 2 events: event '1': 'amount' changed type");
        var recorded = runs.get(running.runId());
        assertThat(recorded.getStatus()).isEqualTo(RunStatus.RUN_STATUS_FAILED);
        assertThat(recorded.getError()).isEqualTo(r.failure());
        assertThat(recorded.getMetrics().getComponentMetricsMap().get("sink").getEventsFailed())
            .isEqualTo(2);
      }

      Path allowing =
          Files.writeString(
              dir.resolve("allowing.yaml"),
              YAML.replace(
                  "      inputs: [proc]\n",
                  "      inputs: [proc]\n"
                      + "      config:\n        arrow:\n          allow_refused_events: true\n"));
      Pipeline p = PipelineParser.parse(allowing).pipeline().orElseThrow();
      try (PipelineRunner.Running running = runner.start(p)) {
        PipelineRunner.FlowResult r = running.completion().get(30, TimeUnit.SECONDS);
        assertThat(r.completed()).isTrue();
        assertThat(r.refusals().get("sink").allowed()).isTrue();
        assertThat(r.refusals().get("sink").describe("sink"))
            .endsWith("(allowed by its allow_refused_events)");
        assertThat(runs.get(running.runId()).getStatus()).isEqualTo(RunStatus.RUN_STATUS_COMPLETED);
      }
    }
  }

  @Test
  void aNewSchemaTheRegistryRefusesMidRun_failsTheRunWithTheReason() throws Exception {
    org.apache.arrow.vector.types.pojo.Schema v1 =
        new org.apache.arrow.vector.types.pojo.Schema(
            List.of(
                org.apache.arrow.vector.types.pojo.Field.notNullable(
                    "amount", new org.apache.arrow.vector.types.pojo.ArrowType.Int(64, true))));
    org.apache.arrow.vector.types.pojo.Schema retyped =
        new org.apache.arrow.vector.types.pojo.Schema(
            List.of(
                org.apache.arrow.vector.types.pojo.Field.notNullable(
                    "amount", org.apache.arrow.vector.types.pojo.ArrowType.Utf8.INSTANCE)));
    try (FlowctlServer cp =
        FlowctlServer.builder().host("127.0.0.1").port(0).store("memory").start()) {
      PipelineRuns runs = new PipelineRuns(new InMemoryPipelineRunStore(), Clock.systemUTC());
      InProcess launcher = new InProcess(Set.of());
      launcher.sourceEvents = 20;
      launcher.sinkDelayMillis = 50; // the data flows for about a second
      PipelineRunner runner = checkingRunner(cp, runs, launcher);
      try (PipelineRunner.Running running = runner.start(pipeline())) {
        cp.schemas().register("t", v1, "src");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> cp.schemas().register("t", retyped, "src"))
            .isInstanceOf(io.flowctl.FlowctlException.class);

        PipelineRunner.FlowResult r = running.completion().get(30, TimeUnit.SECONDS);
        assertThat(r.completed()).isFalse();
        assertThat(r.failure())
            .startsWith("the registry refused a new schema of 't' while the run was going")
            .contains("amount");
        assertThat(runs.get(running.runId()).getStatus()).isEqualTo(RunStatus.RUN_STATUS_FAILED);
      }
    }
  }

  /** A runner given the control plane's schema registry: links checked, refusals recorded. */
  static PipelineRunner checkingRunner(FlowctlServer cp, PipelineRuns runs, Launcher launcher) {
    return PipelineRunner.builder(cp.services(), runs, launcher, "127.0.0.1:" + cp.port())
        .startTimeout(Duration.ofSeconds(20))
        .heartbeatInterval(Duration.ofMillis(30))
        .schemas(cp.schemas())
        .build();
  }
}
