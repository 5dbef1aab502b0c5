package io.flowctl.server.monitoring.view;

import java.time.Instant;

/** A schema registration or refusal. */
public record SchemaEvent(
    Instant at,
    String subject,
    String action,
    int version,
    String fingerprint,
    String policy,
    String detail) {}
