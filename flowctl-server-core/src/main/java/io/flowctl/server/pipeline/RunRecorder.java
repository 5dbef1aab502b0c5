package io.flowctl.server.pipeline;

import io.flowctl.proto.ControlPlaneGrpc;
import io.flowctl.proto.CreatePipelineRunRequest;
import io.flowctl.proto.GetPipelineRunRequest;
import io.flowctl.proto.PipelineRun;
import io.flowctl.proto.StopPipelineRunRequest;
import io.flowctl.proto.UpdatePipelineRunRequest;
import io.grpc.Channel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Where a {@link PipelineRunner} records its runs: the pipeline-run RPCs of a control plane ({@link
 * #grpc}), or, embedded, its {@code PipelineRuns} directly.
 */
public interface RunRecorder {
  /** The largest pipeline file a run record carries ({@code config_yaml}); larger ones go empty. */
  int MAX_CONFIG_BYTES = 1 << 20;

  PipelineRun create(CreatePipelineRunRequest request);

  PipelineRun update(UpdatePipelineRunRequest request);

  PipelineRun stop(String runId);

  PipelineRun get(String runId);

  /**
   * Records through {@code CreatePipelineRun}, {@code UpdatePipelineRun}, ... on {@code channel}.
   */
  static RunRecorder grpc(Channel channel) {
    Objects.requireNonNull(channel, "channel");
    Duration deadline = Duration.ofSeconds(10);
    ControlPlaneGrpc.ControlPlaneBlockingStub stub = ControlPlaneGrpc.newBlockingStub(channel);
    return new RunRecorder() {
      private ControlPlaneGrpc.ControlPlaneBlockingStub call() {
        return stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
      }

      @Override
      public PipelineRun create(CreatePipelineRunRequest request) {
        return call().createPipelineRun(request);
      }

      @Override
      public PipelineRun update(UpdatePipelineRunRequest request) {
        return call().updatePipelineRun(request);
      }

      @Override
      public PipelineRun stop(String runId) {
        return call().stopPipelineRun(StopPipelineRunRequest.newBuilder().setRunId(runId).build());
      }

      @Override
      public PipelineRun get(String runId) {
        return call().getPipelineRun(GetPipelineRunRequest.newBuilder().setRunId(runId).build());
      }
    };
  }
}
