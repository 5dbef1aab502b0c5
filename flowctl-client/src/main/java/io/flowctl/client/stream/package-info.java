/**
 * What a component's data plane offers its authors beyond the builders of {@link
 * io.flowctl.client.Flowctl}: the raw-event escape hatch of a source ({@link
 * io.flowctl.client.stream.ArrowSourceService.Feed}), the pull side ({@link
 * io.flowctl.client.stream.ArrowStreamConsumer}, {@link io.flowctl.client.stream.ArrowProcessor}),
 * the component's health ({@link io.flowctl.client.stream.ComponentHealth}) and where sources keep
 * state ({@link io.flowctl.client.stream.StateStore}). The services behind them are in {@code
 * internal}.
 */
package io.flowctl.client.stream;
