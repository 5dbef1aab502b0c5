package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import io.flowctl.proto.Event;
import io.flowctl.testing.Damaged;
import net.jqwik.api.Arbitrary;

/** Valid events whose payload is damaged ({@link Damaged}); the metadata stays valid. */
final class Damage {
  private Damage() {}

  static Arbitrary<Event> of(Arbitrary<Event> valid) {
    return valid.flatMap(
        e ->
            Damaged.bytes(e.getPayload().toByteArray())
                .map(q -> e.toBuilder().setPayload(ByteString.copyFrom(q)).build()));
  }
}
