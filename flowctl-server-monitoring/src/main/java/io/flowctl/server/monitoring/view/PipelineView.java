package io.flowctl.server.monitoring.view;

import java.util.List;

/**
 * A pipeline's services taken together; {@code series} has one point per second of the window with
 * the sum of its sources' rows/s, its worst latency and its total Arrow memory.
 */
public record PipelineView(
    String name,
    List<String> services,
    int healthy,
    double rowsPerSecond,
    double latencyP95Ms,
    double errors,
    double memoryBytes,
    List<Point> series) {}
