/**
 * The data plane underneath {@link io.flowctl.client.Flowctl}: the flowctl.v1 services upstream's
 * runner calls ({@link io.flowctl.client.stream.ArrowSourceService}, {@link
 * io.flowctl.client.stream.ArrowProcessorService}, {@link
 * io.flowctl.client.stream.ArrowConsumerService}), each call with a handler of its own, the pull
 * side ({@link io.flowctl.client.stream.ArrowStreamConsumer}, {@link
 * io.flowctl.client.stream.ArrowProcessor}), the legacy services, and how a flowctl event travels
 * in a v1 envelope ({@link io.flowctl.client.stream.V1Events}). Most programs use the builders of
 * {@code Flowctl} instead.
 */
package io.flowctl.client.stream;
