package io.flowctl.server.monitoring.view;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the dashboard shows, in one object of bounded size whatever the registry holds: a
 * capped number of services (unhealthy ones first), each with its heartbeat metrics and newest
 * points; capped alerts, recommendations and validation entries; the capped matrix. The totals
 * count everything.
 */
public record Overview(
    Instant at,
    long windowSeconds,
    int servicesTotal,
    int servicesHealthy,
    List<ServiceView> services,
    List<PipelineView> pipelines,
    int alertsTotal,
    List<Alert> alerts,
    List<Recommendation> recommendations,
    List<SchemaEvent> schemaEvents,
    Map<String, Double> validationErrors,
    CompatibilityMatrix matrix,
    Histogram batchSizes) {}
