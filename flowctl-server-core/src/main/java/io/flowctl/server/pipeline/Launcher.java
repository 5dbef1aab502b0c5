package io.flowctl.server.pipeline;

import java.io.IOException;
import java.util.Map;

/** Starts one component of a pipeline. */
@FunctionalInterface
public interface Launcher {
  /** A started component; closing it stops it. */
  interface Handle extends AutoCloseable {
    boolean alive();

    @Override
    void close();
  }

  /**
   * Starts {@code component} with {@code env} (the upstream variables {@code FLOWCTL_ENDPOINT},
   * {@code FLOWCTL_SERVICE_ID}, {@code FLOWCTL_COMPONENT_ID}, {@code FLOWCTL_HEARTBEAT_INTERVAL},
   * plus the component's own {@code env}).
   */
  Handle launch(Pipeline.Component component, Map<String, String> env) throws IOException;
}
