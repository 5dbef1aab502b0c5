package io.flowctl.client.codec;

import com.google.protobuf.ByteString;
import java.util.Set;

/** Facts about an Arrow IPC stream read from its message headers, without decoding bodies. */
public final class IpcStreams {
  private IpcStreams() {}

  /**
   * The body compression of the stream's record batches: {@code none}, {@code lz4}, {@code zstd}
   * (several when batches differ; empty without batches).
   *
   * @throws CodecException when the framing is malformed
   */
  public static Set<String> bodyCompression(ByteString stream) {
    return IpcFraming.compressions(stream);
  }
}
