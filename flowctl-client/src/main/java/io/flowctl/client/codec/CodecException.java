package io.flowctl.client.codec;

import io.flowctl.FlowctlException;

/**
 * A payload or file that cannot be encoded or decoded: malformed Arrow IPC or Parquet bytes, a
 * corrupt compression frame, metadata that disagrees with the payload, or a size beyond the
 * caller's memory limit. The message says what is wrong and where.
 */
public class CodecException extends FlowctlException {
  private static final long serialVersionUID = 1L;

  public CodecException(String message) {
    super(Code.INVALID_ARGUMENT, message);
  }

  public CodecException(String message, Throwable cause) {
    super(Code.INVALID_ARGUMENT, message, cause);
  }
}
