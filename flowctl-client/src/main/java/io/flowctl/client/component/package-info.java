/**
 * Running one flowctl component as upstream's launcher and runner expect: configuration from the
 * launcher's environment ({@link io.flowctl.client.component.ComponentConfig#fromEnv}), a gRPC
 * server for the data-plane service on {@code PORT}, an HTTP health server on {@code HEALTH_PORT}
 * ({@code /health}, {@code /ready}, {@code /live}, {@code /metrics}), registration through {@code
 * flowctl.v1} with the data endpoint, heartbeats with the component's true status, and a graceful
 * drain ({@link io.flowctl.client.component.ComponentRuntime}).
 */
package io.flowctl.client.component;
