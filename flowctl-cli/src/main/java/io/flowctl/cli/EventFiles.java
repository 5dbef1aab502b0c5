package io.flowctl.cli;

import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.CodecException;
import io.flowctl.proto.Event;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;

/** Builds events from Arrow files for the command line. */
final class EventFiles {
  /** What one command may allocate while reading a file. */
  static final long MEMORY_LIMIT = 1L << 30;

  private EventFiles() {}

  /** Every batch of an Arrow IPC file or stream, encoded into one event. */
  static Event toEvent(Path in, ArrowEventCodec codec, BufferAllocator allocator) {
    try (ArrowReader reader = ArrowFiles.openReader(in, allocator);
        ArrowEventCodec.EventWriter writer =
            codec.newWriter(reader.getVectorSchemaRoot(), reader)) {
      int batch = 0;
      while (load(reader, in, batch)) {
        writer.writeBatch();
        batch++;
      }
      return writer.finish();
    } catch (IOException e) {
      throw new CodecException(in + ": " + e.getMessage(), e);
    }
  }

  private static boolean load(ArrowReader reader, Path in, int batch) {
    try {
      return reader.loadNextBatch();
    } catch (IOException | RuntimeException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new CodecException(
          in + ": record batch " + batch + " is malformed (" + reason + ")", e);
    }
  }
}
