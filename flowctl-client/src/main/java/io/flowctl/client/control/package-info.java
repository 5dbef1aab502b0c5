/**
 * Talking to a flowctl control plane: {@link io.flowctl.client.control.ControlPlaneClient}
 * registers a service (either wire API), heartbeats and registers schemas, over a channel built by
 * {@link io.flowctl.client.control.ControlPlaneChannel}; {@link
 * io.flowctl.client.control.SchemaLookup} and {@link io.flowctl.client.control.SchemaResolver} read
 * the registry and project batches into a reader schema; {@link
 * io.flowctl.client.control.internal.GrpcErrors} maps gRPC statuses to the library's exceptions.
 */
package io.flowctl.client.control;
