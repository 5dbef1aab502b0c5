/**
 * Arrow batches as flowctl events, and back. The entry point is {@link
 * io.flowctl.client.codec.ArrowEventCodec} (Arrow IPC payloads, LZ4 or ZSTD bodies) behind the
 * {@link io.flowctl.client.codec.EventCodec} interface the Parquet codec also implements; a decoded
 * event is read batch by batch through a {@link io.flowctl.client.codec.BatchReader}. Every payload
 * goes through the one hardened IPC reader, and every failure is a {@link
 * io.flowctl.client.codec.CodecException} naming what is wrong; {@link
 * io.flowctl.client.codec.CodecMetrics} counts what the codecs did for heartbeats.
 */
package io.flowctl.client.codec;
