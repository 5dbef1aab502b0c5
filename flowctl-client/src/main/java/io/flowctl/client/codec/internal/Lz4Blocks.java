package io.flowctl.client.codec.internal;

import io.flowctl.client.codec.CodecException;
import java.nio.ByteBuffer;

/**
 * A tolerant decoder of LZ4 blocks (lz4_Block_format.md) that may copy from output written before
 * the block, as linked blocks of an LZ4 frame do. lz4-java's decoders cannot take such a prefix,
 * and refuse blocks that break the format's end-of-block rules, which some writers (lz4js) do; this
 * one accepts both and checks every read and write against its bounds instead, so a damaged block
 * is a {@link CodecException}, never a read or write out of range. Literal runs and matches are
 * copied in bulk; overlapping matches in growing non-overlapping chunks.
 */
final class Lz4Blocks {
  private static final int MIN_MATCH = 4;
  private static final int WINDOW = 64 << 10;

  private Lz4Blocks() {}

  /**
   * Decodes the block {@code src[from, to)} into {@code dst} at {@code out}, writing before {@code
   * limit}; matches may reach back to {@code lowest} (the start of this frame's output). Returns
   * the output position after the block.
   */
  static int decode(
      ByteBuffer src, int from, int to, ByteBuffer dst, int out, int limit, int lowest) {
    int sp = from;
    int dp = out;
    int floor = Math.max(lowest, 0);
    while (sp < to) {
      int token = src.get(sp++) & 0xFF;
      int literals = token >>> 4;
      if (literals == 15) {
        int b;
        do {
          if (sp >= to) {
            throw malformed("a literal length runs past the block", from);
          }
          b = src.get(sp++) & 0xFF;
          literals += b;
          if (literals < 0) {
            throw malformed("a literal length overflows", from);
          }
        } while (b == 255);
      }
      if (literals > to - sp) {
        throw malformed("a literal run of " + literals + " bytes runs past the block", from);
      }
      if (literals > limit - dp) {
        throw new Lz4FrameCodec.Overflow();
      }
      if (dst != null) {
        dst.put(dp, src, sp, literals);
      }
      sp += literals;
      dp += literals;
      if (sp == to) {
        break; // the last sequence has literals only
      }
      if (to - sp < 2) {
        throw malformed("a match offset is cut off", from);
      }
      int offset = (src.get(sp) & 0xFF) | (src.get(sp + 1) & 0xFF) << 8;
      sp += 2;
      if (offset == 0 || offset > dp - floor || offset > WINDOW) {
        throw malformed("a match offset of " + offset + " points before the output", from);
      }
      int length = token & 0x0F;
      if (length == 15) {
        int b;
        do {
          if (sp >= to) {
            throw malformed("a match length runs past the block", from);
          }
          b = src.get(sp++) & 0xFF;
          length += b;
          if (length < 0) {
            throw malformed("a match length overflows", from);
          }
        } while (b == 255);
      }
      length += MIN_MATCH;
      if (length > limit - dp) {
        throw new Lz4FrameCodec.Overflow();
      }
      int match = dp - offset;
      if (dst == null) {
        // counting only
      } else if (offset >= length) {
        dst.put(dp, dst, match, length);
      } else {
        // The match overlaps what it writes: it repeats the last `offset` bytes. Copying chunks
        // that start at multiples of `offset` keeps source and target apart and the chunks grow.
        int copied = 0;
        while (copied < length) {
          int n = Math.min(length - copied, offset + copied);
          dst.put(dp + copied, dst, match, n);
          copied += n;
        }
      }
      dp += length;
    }
    return dp;
  }

  private static CodecException malformed(String what, int blockAt) {
    return new CodecException("corrupt LZ4 block at byte " + blockAt + ": " + what);
  }
}
