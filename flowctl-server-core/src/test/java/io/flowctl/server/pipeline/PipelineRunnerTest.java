package io.flowctl.server.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowctl.FlowctlException;
import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.RunStatus;
import io.flowctl.proto.ServiceHeartbeat;
import io.flowctl.proto.ServiceInfo;
import io.flowctl.proto.ServiceType;
import io.flowctl.server.FlowctlServer;
import io.flowctl.server.runs.InMemoryPipelineRunStore;
import io.flowctl.server.runs.PipelineRuns;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
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

  /** Components that register and heartbeat over real gRPC, in this JVM. */
  static final class InProcess implements Launcher {
    final List<String> events = new CopyOnWriteArrayList<>();
    final Set<String> neverRegister;

    InProcess(Set<String> neverRegister) {
      this.neverRegister = neverRegister;
    }

    @Override
    public Handle launch(Pipeline.Component c, Map<String, String> env) {
      events.add("start " + c.id());
      ManagedChannel ch =
          NettyChannelBuilder.forTarget(env.get("FLOWCTL_ENDPOINT")).usePlaintext().build();
      Thread t =
          new Thread(
              () -> {
                var stub = ControlPlaneGrpc.newBlockingStub(ch);
                try {
                  if (!neverRegister.contains(c.id())) {
                    stub.register(
                        ServiceInfo.newBuilder()
                            .setServiceId(env.get("FLOWCTL_SERVICE_ID"))
                            .setComponentId(env.get("FLOWCTL_COMPONENT_ID"))
                            .setServiceType(
                                switch (c.role()) {
                                  case SOURCE -> ServiceType.SERVICE_TYPE_SOURCE;
                                  case PROCESSOR -> ServiceType.SERVICE_TYPE_PROCESSOR;
                                  case SINK -> ServiceType.SERVICE_TYPE_SINK;
                                })
                            .build());
                  }
                  while (!Thread.currentThread().isInterrupted()) {
                    if (!neverRegister.contains(c.id())) {
                      stub.heartbeat(ServiceHeartbeat.newBuilder().setServiceId(c.id()).build());
                    }
                    Thread.sleep(30);
                  }
                } catch (InterruptedException | RuntimeException stop) {
                  // stopped
                }
              });
      t.setDaemon(true);
      t.start();
      return new Handle() {
        @Override
        public boolean alive() {
          return t.isAlive();
        }

        @Override
        public void close() {
          events.add("stop " + c.id());
          t.interrupt();
          ch.shutdownNow();
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
      assertThat(runs.get(running.runId()).getStatus()).isEqualTo(RunStatus.RUN_STATUS_RUNNING);
      assertThat(cp.services().list()).hasSize(3);
      running.close();
      assertThat(launcher.events)
          .containsExactly(
              "start src", "start proc", "start sink", "stop sink", "stop proc", "stop src");
      assertThat(runs.get(running.runId()).getStatus()).isEqualTo(RunStatus.RUN_STATUS_STOPPED);
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
        running.complete();
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
            1);
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
}
