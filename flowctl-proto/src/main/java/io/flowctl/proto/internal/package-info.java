/**
 * Not part of the API: what the library's gRPC servers share, such as {@link
 * io.flowctl.proto.internal.GrpcLogging}, which keeps gRPC's own log quiet under hostile clients.
 */
package io.flowctl.proto.internal;
