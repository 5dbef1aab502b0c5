package io.flowctl.server.monitoring.view;

/** p50, p95 and p99 over the window (nearest rank); zeros without samples. */
public record Percentiles(double p50, double p95, double p99) {}
