/**
 * Arrow Flight both ways. Reading: {@link io.flowctl.flight.FlightInput} is a client of any Flight
 * service (the plan's stellar-arrow-source, pyarrow, Dremio...) and {@link
 * io.flowctl.flight.FlightSource} bridges one Flight stream into the flowctl data plane as a source
 * component ({@code flowctl component flight-source}). Serving: with this module on the class path
 * a source built with the SDK serves its batches over Flight too ({@code SourceBuilder.serveFlight}
 * or {@code FLIGHT_PORT}). {@link io.flowctl.flight.FlightStreams} maps stream names to event
 * types; {@link io.flowctl.flight.FlightTicket} is the plan's ticket grammar.
 */
package io.flowctl.flight;
