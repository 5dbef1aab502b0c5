/**
 * The v1 data-plane services behind the role builders ({@code ArrowProcessorService}, {@code
 * ArrowConsumerService}), the legacy API's services, the envelope conversions ({@code V1Events})
 * and their per-stream helpers. Not an API: build components with {@link
 * io.flowctl.client.Flowctl}.
 */
package io.flowctl.client.stream.internal;
