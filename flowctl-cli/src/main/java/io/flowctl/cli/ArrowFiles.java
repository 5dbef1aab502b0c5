package io.flowctl.cli;

import io.flowctl.FlowctlException;
import io.flowctl.client.codec.internal.FastCompressionFactory;
import io.flowctl.ipc.ArrowIpc;
import io.flowctl.ipc.IpcBatchReader;
import io.flowctl.ipc.IpcInput;
import io.flowctl.ipc.IpcLimits;
import io.flowctl.parquet.ParquetSchemas;
import io.flowctl.schema.SchemaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Files given on the command line, read through the hardened IPC reader ({@link ArrowIpc}) or the
 * Parquet footer reader; every failure names the file.
 */
final class ArrowFiles {
  private static final byte[] FILE_MAGIC = {'A', 'R', 'R', 'O', 'W', '1'};
  private static final byte[] PARQUET_MAGIC = {'P', 'A', 'R', '1'};

  private ArrowFiles() {}

  /** The largest schema in Arrow's JSON form read from a file. */
  static final int MAX_JSON_BYTES = 16 << 20;

  /**
   * The schema of an Arrow IPC file or stream, a Parquet file's footer, or a schema in Arrow's own
   * JSON form (what Arrow Java's {@code Schema.toJson()} writes and {@code Schema.fromJSON} reads),
   * in message format.
   */
  static Schema schema(Path path) {
    if (isParquet(path)) {
      return ParquetSchemas.read(path);
    }
    if (isJson(path)) {
      return jsonSchema(path);
    }
    try {
      return ArrowIpc.readSchema(path);
    } catch (FlowctlException e) {
      throw named(path, e);
    } catch (IOException e) {
      throw new SchemaException(path + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** Whether the file's first non-blank character opens a JSON object. */
  static boolean isJson(Path path) {
    for (byte b : head(path)) {
      if (b == '{') {
        return true;
      }
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return false;
      }
    }
    return false;
  }

  /**
   * A schema in Arrow's JSON form, bounded in size and then taken through the same hardened reader
   * as IPC schemas (its nesting and names are checked there), so both forms are held to one rule.
   */
  static Schema jsonSchema(Path path) {
    try {
      if (Files.size(path) > MAX_JSON_BYTES) {
        throw new SchemaException(
            path
                + ": a JSON schema of "
                + Files.size(path)
                + " bytes (the limit is "
                + MAX_JSON_BYTES
                + ")");
      }
      Schema parsed;
      try {
        String text = Files.readString(path);
        com.fasterxml.jackson.databind.JsonNode tree = Remote.JSON.readTree(text);
        if (!tree.isObject() || !tree.path("fields").isArray()) {
          throw new SchemaException(
              path + ": not an Arrow schema in JSON (an object with a \"fields\" array)");
        }
        parsed = Schema.fromJSON(text);
      } catch (SchemaException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        throw new SchemaException(
            path + ": not an Arrow schema in JSON (" + why.lines().findFirst().orElse(why) + ")",
            e);
      }
      try {
        return ArrowIpc.readSchema(ArrowIpc.schemaStream(parsed));
      } catch (FlowctlException e) {
        // The one hardened check; its IPC position means nothing for a JSON file.
        throw new FlowctlException(
            e.code(),
            path + ": " + e.getMessage().replaceFirst("^IPC message \\d+ at byte \\d+: ", ""),
            e);
      }
    } catch (FlowctlException e) {
      throw named(path, e);
    } catch (IOException e) {
      throw new SchemaException(path + ": cannot read (" + e.getMessage() + ")", e);
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
   * The batches of an Arrow IPC file or stream; closing the result closes the reader and the file.
   * Bodies are allocated from a child of {@code allocator} limited to {@code limit} bytes.
   */
  static IpcFile open(Path path, BufferAllocator allocator, long limit) {
    if (isParquet(path)) {
      throw new SchemaException(path + ": a Parquet file, not Arrow IPC");
    }
    IpcInput in = null;
    try {
      in = IpcInput.open(path);
      IpcBatchReader reader =
          ArrowIpc.open(
              in,
              allocator,
              IpcLimits.builder().maxDecodedBytes(limit).build(),
              FastCompressionFactory.INSTANCE);
      return new IpcFile(path, in, reader);
    } catch (FlowctlException e) {
      closeQuietly(in);
      throw named(path, e);
    } catch (IOException e) {
      closeQuietly(in);
      throw new SchemaException(path + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** The same failure, its message starting with the file's name. */
  static FlowctlException named(Path path, FlowctlException e) {
    String prefix = path.toString();
    if (e.getMessage().startsWith(prefix)) {
      return e;
    }
    return new FlowctlException(e.code(), prefix + ": " + e.getMessage(), e);
  }

  private static void closeQuietly(IpcInput in) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // the failure being reported matters more
      }
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

  /** An open IPC file and its batches; every failure names the file. */
  record IpcFile(Path path, IpcInput in, IpcBatchReader reader) implements AutoCloseable {
    /** Loads the next batch into {@code reader().root()}. */
    boolean next() {
      try {
        return reader.loadNextBatch();
      } catch (FlowctlException e) {
        throw named(path, e);
      }
    }

    @Override
    public void close() {
      try {
        reader.close();
      } finally {
        closeQuietly(in);
      }
    }
  }
}
