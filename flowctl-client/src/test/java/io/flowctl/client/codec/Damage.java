package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import io.flowctl.proto.Event;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Damaged copies of valid events: the payload truncated, bytes flipped, or a piece spliced in. */
final class Damage {
  private Damage() {}

  static Arbitrary<Event> of(Arbitrary<Event> valid) {
    return valid.flatMap(
        e -> {
          byte[] p = e.getPayload().toByteArray();
          Arbitrary<Integer> at = Arbitraries.integers().between(0, Math.max(0, p.length - 1));
          Arbitrary<byte[]> truncated = at.map(n -> Arrays.copyOf(p, n));
          Arbitrary<byte[]> flipped =
              Combinators.combine(at, Arbitraries.integers().between(1, 255))
                  .as(
                      (i, mask) -> {
                        byte[] q = p.clone();
                        if (q.length > 0) {
                          q[i] ^= (byte) (int) mask;
                        }
                        return q;
                      });
          Arbitrary<byte[]> spliced =
              Combinators.combine(at, at, Arbitraries.integers().between(1, 64))
                  .as(
                      (from, to, len) -> {
                        byte[] q = p.clone();
                        int n = Math.min(len, Math.min(q.length - from, q.length - to));
                        if (n > 0) {
                          System.arraycopy(p, from, q, to, n);
                        }
                        return q;
                      });
          return Arbitraries.oneOf(truncated, flipped, spliced)
              .map(q -> e.toBuilder().setPayload(ByteString.copyFrom(q)).build());
        });
  }
}
