package io.flowctl.testing;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Damaged copies of valid bytes, for checking that a reader fails with its own typed error and
 * nothing else: the bytes truncated at any point, one byte changed, or a piece of the input copied
 * over another place (which keeps plausible-looking lengths and tags, unlike random noise).
 *
 * <pre>{@code
 * @Property
 * void damagedEventsFailCleanly(@ForAll("damaged") byte[] bytes) { ... }
 *
 * @Provide
 * Arbitrary<byte[]> damaged() {
 *   return Damaged.bytes(validEvents().map(Event::toByteArray));
 * }
 * }</pre>
 */
public final class Damaged {
  private Damaged() {}

  /** Damaged copies of each value {@code valid} generates. */
  public static Arbitrary<byte[]> bytes(Arbitrary<byte[]> valid) {
    return valid.flatMap(Damaged::bytes);
  }

  /** Damaged copies of {@code valid}; the array itself is never changed. */
  public static Arbitrary<byte[]> bytes(byte[] valid) {
    byte[] p = valid.clone();
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
    return Arbitraries.oneOf(truncated, flipped, spliced);
  }
}
