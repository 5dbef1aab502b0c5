/**
 * Generated protobuf and gRPC classes of the legacy {@code flowctl} wire API with the Arrow
 * additions, plus {@link io.flowctl.proto.EventTypes}. The sources are the {@code .proto} files of
 * this module; nothing generated is committed.
 */
package io.flowctl.proto;
