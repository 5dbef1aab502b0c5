package io.flowctl.cli;

import io.flowctl.FlowctlException;
import io.flowctl.client.codec.FastCompressionFactory;
import io.flowctl.client.codec.ParquetSchemas;
import io.flowctl.schema.ArrowSchemas;
import io.flowctl.schema.SchemaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.pojo.Schema;

/** Opens Arrow IPC files and streams given on the command line, refusing hostile sizes first. */
final class ArrowFiles {
  /** Reading a schema needs only its messages; a hostile file cannot make us allocate more. */
  private static final long MEMORY_LIMIT = 64L << 20;

  private static final byte[] FILE_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};
  private static final byte[] PARQUET_MAGIC = {'P', 'A', 'R', '1'};

  private ArrowFiles() {}

  /** The schema of an Arrow IPC file or stream (or a Parquet file's footer), in message format. */
  static Schema schema(Path path) {
    byte[] head = head(path);
    if (Arrays.equals(Arrays.copyOf(head, 4), PARQUET_MAGIC)) {
      return ParquetSchemas.read(path);
    }
    boolean file = Arrays.equals(Arrays.copyOf(head, 6), FILE_MAGIC);
    checkDeclaredSizes(path, head, file);
    try (BufferAllocator allocator = new RootAllocator(MEMORY_LIMIT)) {
      try (ArrowReader reader = open(path, file, allocator)) {
        return ArrowSchemas.messageFormat(reader.getVectorSchemaRoot().getSchema(), reader);
      } catch (FlowctlException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new SchemaException(
            path
                + ": not a readable Arrow IPC "
                + (file ? "file" : "stream")
                + " ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                + ")",
            e);
      }
    }
  }

  /** Whether the file starts with the Parquet magic. */
  static boolean isParquet(Path path) {
    return Arrays.equals(Arrays.copyOf(head(path), 4), PARQUET_MAGIC);
  }

  /** Whether the file starts with the Arrow IPC file magic (else it is read as a stream). */
  static boolean isIpcFile(Path path) {
    return Arrays.equals(Arrays.copyOf(head(path), 6), FILE_MAGIC);
  }

  /**
   * Opens an Arrow IPC file or stream for reading batches; the caller closes the reader. Bodies are
   * allocated from {@code allocator}, so its limit bounds what a file can make us allocate.
   */
  static ArrowReader openReader(Path path, BufferAllocator allocator) {
    byte[] head = head(path);
    if (Arrays.equals(Arrays.copyOf(head, 4), PARQUET_MAGIC)) {
      throw new SchemaException(path + ": a Parquet file, not Arrow IPC");
    }
    boolean file = Arrays.equals(Arrays.copyOf(head, 6), FILE_MAGIC);
    checkDeclaredSizes(path, head, file);
    try {
      ArrowReader reader = open(path, file, allocator);
      if (reader instanceof ArrowFileReader f) {
        checkBlocks(path, f);
      }
      return reader;
    } catch (IOException | RuntimeException e) {
      if (e instanceof io.flowctl.FlowctlException f) {
        throw f;
      }
      throw new SchemaException(
          path
              + ": not a readable Arrow IPC "
              + (file ? "file" : "stream")
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  /** Every block the footer lists must lie inside the file. */
  private static void checkBlocks(Path path, ArrowFileReader reader) throws IOException {
    long size = Files.size(path);
    List<ArrowBlock> blocks = new java.util.ArrayList<>(reader.getRecordBlocks());
    blocks.addAll(reader.getDictionaryBlocks());
    for (ArrowBlock b : blocks) {
      if (b.getOffset() < 0
          || b.getMetadataLength() < 0
          || b.getBodyLength() < 0
          || b.getOffset() + b.getMetadataLength() + b.getBodyLength() > size) {
        try {
          reader.close();
        } catch (IOException ignored) {
          // reporting the bad block matters more
        }
        throw new SchemaException(
            path
                + ": the footer lists a block at byte "
                + b.getOffset()
                + " of "
                + (b.getMetadataLength() + b.getBodyLength())
                + " bytes in a "
                + size
                + "-byte file");
      }
    }
  }

  private static ArrowReader open(Path path, boolean file, BufferAllocator allocator)
      throws IOException {
    if (file) {
      return new ArrowFileReader(
          FileChannel.open(path, StandardOpenOption.READ),
          allocator,
          FastCompressionFactory.INSTANCE);
    }
    return new ArrowStreamReader(
        Files.newInputStream(path), allocator, FastCompressionFactory.INSTANCE);
  }

  /**
   * Arrow Java's readers allocate a message's declared length on the heap before reading it; a
   * hostile length must be refused first, or a 30-byte file can ask for gigabytes.
   */
  private static void checkDeclaredSizes(Path path, byte[] head, boolean file) {
    try {
      long size = Files.size(path);
      long declared;
      String what;
      if (file) {
        if (size < 18) {
          throw new SchemaException(path + ": truncated Arrow IPC file (" + size + " bytes)");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
          java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
          ch.read(tail, size - 10);
          declared = Integer.toUnsignedLong(tail.getInt(0));
        }
        what = "footer";
      } else {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        int first = head.length >= 4 ? b.getInt(0) : 0;
        declared =
            first == -1 && head.length >= 8
                ? Integer.toUnsignedLong(b.getInt(4))
                : Integer.toUnsignedLong(first);
        what = "first message";
      }
      if (declared > Math.min(size, MEMORY_LIMIT)) {
        throw new SchemaException(
            path
                + ": not a readable Arrow IPC "
                + (file ? "file" : "stream")
                + " (its "
                + what
                + " declares "
                + declared
                + " bytes; the file has "
                + size
                + ")");
      }
    } catch (IOException e) {
      throw new SchemaException(path + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  static byte[] head(Path path) {
    try (InputStream in = Files.newInputStream(path)) {
      byte[] head = in.readNBytes(8);
      if (head.length == 0) {
        throw new SchemaException(path + ": empty file, not Arrow IPC");
      }
      return head;
    } catch (NoSuchFileException e) {
      throw new SchemaException(path + ": no such file");
    } catch (IOException e) {
      throw new SchemaException(path + ": cannot read (" + e.getMessage() + ")", e);
    }
  }
}
