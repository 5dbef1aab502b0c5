package io.flowctl.client.codec.internal;

import com.google.protobuf.ByteString;
import io.flowctl.ipc.IpcInput;
import java.io.EOFException;
import java.nio.ByteBuffer;

/** A protobuf payload as an {@link IpcInput}: ranges are copied out of it, never the whole. */
public final class ByteStringInput implements IpcInput {
  private final ByteString bytes;

  public ByteStringInput(ByteString bytes) {
    this.bytes = bytes;
  }

  @Override
  public long size() {
    return bytes.size();
  }

  @Override
  public void read(long position, ByteBuffer dst) throws EOFException {
    int n = dst.remaining();
    if (position < 0 || position > bytes.size() - (long) n) {
      throw new EOFException(n + " bytes at " + position + " of " + bytes.size());
    }
    bytes.substring((int) position, (int) position + n).copyTo(dst);
  }
}
