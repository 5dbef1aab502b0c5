package io.flowctl.ipc;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Random-access bytes to read Arrow IPC from: memory, a file, or anything a caller adapts (the
 * client adapts protobuf {@code ByteString}s). Reads are positional, so the reader can check a
 * message's framing before it reads the message. Implementations need not be thread-safe; one
 * reader uses one input at a time. Closing an input made by {@link #open(Path)} closes its file.
 */
public interface IpcInput extends Closeable {
  /** The number of bytes. */
  long size() throws IOException;

  /**
   * Reads {@code dst.remaining()} bytes starting at {@code position} into {@code dst}.
   *
   * @throws EOFException when fewer bytes are there
   */
  void read(long position, ByteBuffer dst) throws IOException;

  @Override
  default void close() throws IOException {}

  /** Bytes in memory; the buffer's position and limit delimit them, and it is not modified. */
  static IpcInput of(ByteBuffer bytes) {
    ByteBuffer view = Objects.requireNonNull(bytes, "bytes").slice();
    return new IpcInput() {
      @Override
      public long size() {
        return view.remaining();
      }

      @Override
      public void read(long position, ByteBuffer dst) throws EOFException {
        int n = dst.remaining();
        if (position < 0 || position > view.limit() - (long) n) {
          throw new EOFException(n + " bytes at " + position + " of " + view.limit());
        }
        dst.put(view.duplicate().position((int) position).limit((int) position + n));
      }
    };
  }

  /** Bytes in memory, not copied. */
  static IpcInput of(byte[] bytes) {
    return of(ByteBuffer.wrap(Objects.requireNonNull(bytes, "bytes")));
  }

  /** A file, opened for reading; close the input to close the file. */
  static IpcInput open(Path file) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    return new IpcInput() {
      @Override
      public long size() throws IOException {
        return channel.size();
      }

      @Override
      public void read(long position, ByteBuffer dst) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
          int n = channel.read(dst, at);
          if (n < 0) {
            throw new EOFException("the file ends at " + at);
          }
          at += n;
        }
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }
}
