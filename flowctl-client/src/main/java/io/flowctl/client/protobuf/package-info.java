/**
 * Protobuf messages as Arrow batches and back: {@link io.flowctl.client.protobuf.ProtoArrow} for
 * one message type (from a generated class's descriptor, or from a descriptor set through {@link
 * io.flowctl.client.protobuf.DescriptorSets}), parsing the wire format straight into vectors. The
 * mapping is docs/protobuf-arrow.md's.
 */
package io.flowctl.client.protobuf;
