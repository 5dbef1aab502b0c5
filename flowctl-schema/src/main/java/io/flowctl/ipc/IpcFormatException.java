package io.flowctl.ipc;

import io.flowctl.FlowctlException;

/**
 * Arrow IPC bytes that cannot be read: malformed framing, metadata or buffers, an unknown
 * compression, or a declared size beyond the reader's {@link IpcLimits} ({@link
 * Code#RESOURCE_EXHAUSTED}). The message says what is wrong and where (message index, byte
 * position, column path).
 */
public class IpcFormatException extends FlowctlException {
  private static final long serialVersionUID = 1L;

  public IpcFormatException(String message) {
    super(Code.INVALID_ARGUMENT, message);
  }

  public IpcFormatException(String message, Throwable cause) {
    super(Code.INVALID_ARGUMENT, message, cause);
  }

  IpcFormatException(Code code, String message, Throwable cause) {
    super(code, message, cause);
  }

  static IpcFormatException overLimit(String message) {
    return new IpcFormatException(Code.RESOURCE_EXHAUSTED, message, null);
  }
}
