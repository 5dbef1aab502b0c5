package io.flowctl.client.codec.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Channels between Arrow's IPC reader/writer and protobuf bytes, without whole-payload copies. */
public final class ByteStringChannels {
  private ByteStringChannels() {}

  /**
   * Collects written bytes in chunks and hands them out as one {@link ByteString} over those
   * chunks: the payload is written once, where the event will carry it.
   */
  public static final class Output implements WritableByteChannel {
    private final List<ByteString> done = new ArrayList<>();
    private byte[] chunk;
    private int used;
    private long size;
    private long full;

    public Output(int firstChunk) {
      chunk = new byte[Math.max(firstChunk, 4096)];
    }

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      while (src.hasRemaining()) {
        if (used == chunk.length) {
          done.add(UnsafeByteOperations.unsafeWrap(chunk));
          full += chunk.length;
          // Each new chunk is half of what was written (a payload of unknown size is a few dozen
          // chunks, not one per 64 KiB), but at most 4 MiB, to keep the overshoot small.
          chunk = new byte[(int) Math.min(Math.max(full / 2, 64L << 10), 4L << 20)];
          used = 0;
        }
        int k = Math.min(src.remaining(), chunk.length - used);
        src.get(chunk, used, k);
        used += k;
      }
      size += n;
      return n;
    }

    public long size() {
      return size;
    }

    /** The bytes written so far; the chunks are shared, so write nothing after this. */
    public ByteString toByteString() {
      List<ByteString> all = new ArrayList<>(done);
      if (used > 0) {
        all.add(UnsafeByteOperations.unsafeWrap(chunk, 0, used));
      }
      return ByteString.copyFrom(all);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }

  /** Reads a {@link ByteString} piece by piece into the caller's (often off-heap) buffers. */
  public static final class Input implements ReadableByteChannel {
    private final Iterator<ByteBuffer> pieces;
    private ByteBuffer current;

    public Input(ByteString bytes) {
      this.pieces = bytes.asReadOnlyByteBufferList().iterator();
    }

    @Override
    public int read(ByteBuffer dst) {
      int n = 0;
      while (dst.hasRemaining()) {
        if (current == null || !current.hasRemaining()) {
          if (!pieces.hasNext()) {
            return n == 0 ? -1 : n;
          }
          current = pieces.next();
          continue;
        }
        int k = Math.min(dst.remaining(), current.remaining());
        ByteBuffer slice = current.slice();
        slice.limit(k);
        dst.put(slice);
        current.position(current.position() + k);
        n += k;
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
