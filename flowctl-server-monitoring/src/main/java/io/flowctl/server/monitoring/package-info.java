/**
 * Watching a control plane: {@link io.flowctl.server.monitoring.Monitor} turns heartbeats, runs and
 * registry events into series, alerts ({@link io.flowctl.server.monitoring.AlertThresholds}) and
 * recommendations; {@link io.flowctl.server.monitoring.MonitoringServer} serves the dashboard,
 * Prometheus {@code /metrics} and the JSON API.
 */
package io.flowctl.server.monitoring;
