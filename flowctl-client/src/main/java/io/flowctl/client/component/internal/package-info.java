/**
 * A component's process-level runtime ({@code ComponentRuntime}: the gRPC and health servers, the
 * registration and heartbeats) and Go duration parsing. Not an API: the role builders of {@link
 * io.flowctl.client.Flowctl} start it.
 */
package io.flowctl.client.component.internal;
