/**
 * Not part of the API: the handler behind a format-conversion processor ({@code
 * ProcessorBuilder.convert}), {@link io.flowctl.client.protobuf.internal.ConversionHandler}, which
 * batches protobuf events into Arrow and splits Arrow events into messages with {@link
 * io.flowctl.client.protobuf.ProtoConversion}.
 */
package io.flowctl.client.protobuf.internal;
