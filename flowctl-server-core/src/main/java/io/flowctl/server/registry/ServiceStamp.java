package io.flowctl.server.registry;

import java.time.Instant;

/**
 * What a replica polls of every service: enough to follow heartbeats and to see which registrations
 * changed, without reading them.
 *
 * @param serviceId the service
 * @param lastHeartbeat its latest stored heartbeat
 * @param version the {@link StoredService#version()} of its registration
 */
public record ServiceStamp(String serviceId, Instant lastHeartbeat, long version) {}
