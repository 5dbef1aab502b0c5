package io.flowctl.server.monitoring.view;

import java.time.Instant;

/**
 * One entry of a subject's history: {@code registered}, {@code refused}, {@code deleted} (soft),
 * {@code purged} (for good), {@code policy} or {@code mode}.
 */
public record SchemaEvent(
    Instant at,
    String subject,
    String action,
    int version,
    String fingerprint,
    String policy,
    String detail) {}
