package io.flowctl.client.codec.internal;

import io.flowctl.client.codec.CodecException;

/**
 * The uncompressed length an Arrow compressed buffer's prefix declares, checked before anything is
 * allocated for it: the prefix comes from the sender, so it may be negative (Arrow's "not
 * compressed" mark is handled before the codec is asked) or beyond what the codec can produce.
 */
final class DeclaredLength {
  private DeclaredLength() {}

  /**
   * {@code declared} when it is 0 to {@code max}.
   *
   * @param codec the codec with its article, for the message ("an LZ4", "a zstd")
   * @throws CodecException naming the codec and the length otherwise
   */
  static long check(long declared, long max, String codec) {
    if (declared < 0 || declared > max) {
      throw new CodecException(codec + " buffer declares an uncompressed length of " + declared);
    }
    return declared;
  }
}
