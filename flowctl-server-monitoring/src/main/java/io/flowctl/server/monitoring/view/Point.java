package io.flowctl.server.monitoring.view;

import java.time.Instant;

/** One point of a service's series. */
public record Point(
    Instant at,
    double rowsPerSecond,
    double batchSize,
    double compressionRatio,
    double latencyMs,
    double memoryBytes) {}
