package io.flowctl.server.monitoring.view;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A service as the dashboard shows it. */
public record ServiceView(
    String id,
    String type,
    String pipeline,
    String dataFormat,
    String compression,
    boolean healthy,
    Instant lastHeartbeat,
    Map<String, Double> latest,
    double rowsPerSecondMean,
    Percentiles batchSize,
    Percentiles latencyMs,
    List<Point> series) {}
