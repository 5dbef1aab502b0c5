/**
 * The Flight service a source serves ({@link io.flowctl.flight.internal.FlightServing}, found by
 * the SDK through {@link io.flowctl.client.spi.SourceEndpointProvider}) and its bearer-token check.
 * Not an API.
 */
package io.flowctl.flight.internal;
