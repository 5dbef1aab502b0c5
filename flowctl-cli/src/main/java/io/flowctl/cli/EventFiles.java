package io.flowctl.cli;

import com.google.protobuf.ByteString;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.BatchReader;
import io.flowctl.client.codec.CodecException;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.parquet.ParquetEventReader;
import io.flowctl.proto.Event;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;

/** Builds events from Arrow IPC and Parquet files for the command line. */
final class EventFiles {
  /** What one command may allocate while reading a file. */
  static final long MEMORY_LIMIT = 1L << 30;

  /** What reads Parquet files and events here: default settings, the CLI's memory limit. */
  static final ParquetEventCodec PARQUET_READER =
      ParquetEventCodec.builder().maxDecodedBytes(MEMORY_LIMIT).build();

  private EventFiles() {}

  /** Every batch of an Arrow IPC file or stream, or of a Parquet file, as one IPC event. */
  static Event toEvent(Path in, ArrowEventCodec codec, BufferAllocator allocator) {
    return named(in, () -> write(in, codec, allocator));
  }

  private static Event write(Path in, ArrowEventCodec codec, BufferAllocator allocator) {
    try (Batches batches = open(in, allocator);
        ArrowEventCodec.EventWriter writer =
            codec.newWriter(batches.root(), batches.dictionaries())) {
      while (batches.next()) {
        writer.writeBatch();
      }
      return writer.finish();
    }
  }

  /**
   * A Parquet event of a file: a Parquet file is wrapped as it is, the batches of an Arrow file are
   * written as a new Parquet file.
   */
  static Event toParquetEvent(Path in, ParquetEventCodec codec, BufferAllocator allocator) {
    return named(in, () -> writeParquet(in, codec, allocator));
  }

  /** What {@code work} makes of {@code in}; a codec's refusal names the file, once. */
  private static Event named(Path in, java.util.function.Supplier<Event> work) {
    try {
      return work.get();
    } catch (io.flowctl.client.codec.CodecException e) {
      String message = String.valueOf(e.getMessage());
      throw message.startsWith(in.toString())
          ? e
          : new io.flowctl.client.codec.CodecException(in + ": " + message, e);
    }
  }

  private static Event writeParquet(Path in, ParquetEventCodec codec, BufferAllocator allocator) {
    if (ArrowFiles.isParquet(in)) {
      return codec.wrap(contents(in), in.toString());
    }
    try (Batches batches = open(in, allocator);
        ParquetEventCodec.EventWriter writer =
            codec.newWriter(batches.root(), batches.dictionaries())) {
      while (batches.next()) {
        writer.writeBatch();
      }
      return writer.finish();
    }
  }

  /** Whether an event's payload is a Parquet file. */
  static boolean isParquet(Event event) {
    ByteString p = event.getPayload();
    return p.size() >= 4 && p.substring(0, 4).toStringUtf8().equals("PAR1");
  }

  /** A reader of an event's batches, whatever its payload format. */
  static BatchReader decode(Event event, BufferAllocator allocator) {
    return isParquet(event)
        ? PARQUET_READER.decode(event, allocator)
        : ArrowEventCodec.builder().maxDecodedBytes(MEMORY_LIMIT).build().decode(event, allocator);
  }

  /**
   * The file's bytes, mapped rather than read: what only needs the footer of a large Parquet file
   * touches only the footer's pages.
   */
  static ByteString contents(Path in) {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(in)) {
      long size = ch.size();
      if (size > Integer.MAX_VALUE) {
        throw new CodecException(in + ": " + size + " bytes; one event holds at most 2 GiB");
      }
      return com.google.protobuf.UnsafeByteOperations.unsafeWrap(
          ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, size));
    } catch (IOException e) {
      throw new CodecException(in + ": " + e.getMessage(), e);
    }
  }

  /** The batches of an Arrow IPC file or stream, or of a Parquet file. */
  static Batches open(Path in, BufferAllocator allocator) {
    if (ArrowFiles.isParquet(in)) {
      ParquetEventReader reader;
      try {
        reader = PARQUET_READER.decode(PARQUET_READER.wrap(contents(in), in.toString()), allocator);
      } catch (CodecException e) {
        throw e.getMessage().startsWith(in.toString())
            ? e
            : new CodecException(in + ": " + e.getMessage(), e);
      }
      return new Batches() {
        @Override
        public VectorSchemaRoot root() {
          return reader.root();
        }

        @Override
        public DictionaryProvider dictionaries() {
          return reader.dictionaries();
        }

        @Override
        public boolean next() {
          try {
            return reader.loadNextBatch();
          } catch (CodecException e) {
            throw new CodecException(in + ": " + e.getMessage(), e);
          }
        }

        @Override
        public void close() {
          reader.close();
        }
      };
    }
    ArrowFiles.IpcFile file = ArrowFiles.open(in, allocator, MEMORY_LIMIT);
    return new Batches() {
      @Override
      public VectorSchemaRoot root() {
        return file.reader().root();
      }

      @Override
      public DictionaryProvider dictionaries() {
        return file.reader().dictionaries();
      }

      @Override
      public boolean next() {
        return file.next();
      }

      @Override
      public void close() {
        file.close();
      }
    };
  }

  /** Batches read from a file into one root. */
  interface Batches extends AutoCloseable {
    VectorSchemaRoot root();

    DictionaryProvider dictionaries();

    boolean next();

    @Override
    void close();
  }
}
