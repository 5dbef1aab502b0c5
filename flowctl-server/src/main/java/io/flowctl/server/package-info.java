/**
 * {@link io.flowctl.server.FlowctlServer}: a ready-made control plane (what {@code flowctl serve}
 * runs) that wires the server core's registries and services to the SQL stores and monitoring.
 * Hosts with a gRPC server of their own use {@code flowctl-server-core}'s packages directly and
 * pull in neither.
 */
package io.flowctl.server;
