/**
 * What the monitor shows: immutable snapshots of services, pipelines, schema events, alerts and
 * recommendations, as {@link io.flowctl.server.monitoring.Monitor} returns them and the dashboard's
 * JSON API serves them.
 */
package io.flowctl.server.monitoring.view;
