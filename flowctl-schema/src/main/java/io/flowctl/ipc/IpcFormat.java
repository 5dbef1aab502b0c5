package io.flowctl.ipc;

/** The two Arrow IPC formats. */
public enum IpcFormat {
  /** Messages one after another, ending with an end-of-stream marker (or the end of the bytes). */
  STREAM,
  /** {@code ARROW1}, padding, a stream, a footer indexing it, its length and {@code ARROW1}. */
  FILE
}
