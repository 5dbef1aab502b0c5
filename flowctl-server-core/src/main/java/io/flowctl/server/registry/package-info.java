/**
 * The service registry: {@link io.flowctl.server.registry.ServiceRegistry} keeps registered
 * services and their heartbeats (bounded in bytes), marks silent ones unhealthy, writes to a {@link
 * io.flowctl.server.registry.ServiceStore} and follows other replicas through it.
 */
package io.flowctl.server.registry;
