/**
 * The control plane's gRPC services, to host in your own server or through {@code FlowctlServer}:
 * {@link io.flowctl.server.grpc.ControlPlaneService} (the legacy {@code flowctl.ControlPlane} with
 * the Arrow schema RPCs) and {@link io.flowctl.server.grpc.ControlPlaneV1Service} ({@code
 * flowctl.v1}); requests that do not parse are refused as INVALID_ARGUMENT inside the call.
 */
package io.flowctl.server.grpc;
