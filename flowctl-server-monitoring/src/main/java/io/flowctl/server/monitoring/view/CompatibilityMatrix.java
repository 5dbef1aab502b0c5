package io.flowctl.server.monitoring.view;

import java.util.List;

/**
 * Whether each producer's outputs feed each consumer's inputs, and how: the producers and consumers
 * with at least one such link, as many as the monitor shows (the totals say how many there are).
 */
public record CompatibilityMatrix(
    List<String> producers,
    List<String> consumers,
    List<List<String>> cells,
    int producersTotal,
    int consumersTotal) {}
