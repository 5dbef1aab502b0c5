package io.flowctl.server.monitoring.view;

import java.util.List;

/** Batch sizes (rows) of every sample in the window, in buckets. */
public record Histogram(List<String> buckets, List<Long> counts) {}
