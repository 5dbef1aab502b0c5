package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.testing.ArrowArbitraries;
import io.flowctl.testing.BatchData;
import io.flowctl.testing.Damaged;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.arrow.flatbuf.Buffer;
import org.apache.arrow.flatbuf.Message;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.flatbuf.RecordBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Damaged Arrow IPC streams and files and Parquet files through every command that reads a file:
 * each ends in exit 0 (the damage happened to leave a readable file) or exit 2 with exactly one
 * line on stderr naming the file, and nothing in the process reports leaked Arrow memory. The
 * damage: truncation, a changed byte, a spliced range ({@link Damaged}), an offset of a string
 * column pushed far past its data, and a message length prefix made hostile.
 */
class DamagedFilesProperties {
  private static final ByteArrayOutputStream PROCESS_ERR = new ByteArrayOutputStream();
  private static PrintStream savedErr;
  private static Path dir;

  @BeforeContainer
  static void captureProcessErr() throws IOException {
    // Arrow reports leaks through SLF4J on the process's stderr, not on the command's writer.
    savedErr = System.err;
    System.setErr(new PrintStream(PROCESS_ERR, true, StandardCharsets.UTF_8));
    dir = Files.createTempDirectory("flowctl-damaged");
  }

  @AfterContainer
  static void restoreProcessErr() throws IOException {
    System.setErr(savedErr);
    try (var files = Files.list(dir)) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(dir);
  }

  @Property(tries = 200)
  void damagedFiles_throughEveryFileReadingCommand_exitZeroOrTwo_inOneLine_leakingNothing(
      @ForAll("damagedFiles") byte[] bytes) throws IOException {
    Path f = Files.createTempFile(dir, "damaged", ".bin");
    Path event = dir.resolve(f.getFileName() + ".event");
    try {
      Files.write(f, bytes);
      PROCESS_ERR.reset();
      for (String[] command :
          List.of(
              new String[] {"inspect", f.toString()},
              new String[] {"schema", "fingerprint", f.toString()},
              new String[] {"schema", "check", f.toString(), f.toString()},
              new String[] {"event", "encode", f.toString(), "--out", event.toString()},
              new String[] {
                "event", "encode", f.toString(), "--format", "parquet", "--out", event.toString()
              },
              new String[] {"event", "decode", f.toString(), "--out", event.toString()})) {
        CliRunner r = CliRunner.run(command);
        String what = String.join(" ", command) + ": " + r.err();
        assertThat(r.status()).as(what).isIn(ExitCodes.OK, ExitCodes.BAD_INPUT);
        if (r.status() == ExitCodes.BAD_INPUT) {
          assertThat(r.err().lines()).as(what).hasSize(1);
          assertThat(r.err()).as(what).contains(f.getFileName().toString());
        }
        assertThat(r.err()).as(what).doesNotContain("leak");
      }
      assertThat(PROCESS_ERR.toString(StandardCharsets.UTF_8)).doesNotContain("leak");
    } finally {
      Files.deleteIfExists(f);
      Files.deleteIfExists(event);
    }
  }

  @Provide
  Arbitrary<byte[]> damagedFiles() {
    Arbitrary<byte[]> generated =
        ArrowArbitraries.schemas()
            .flatMap(s -> ArrowArbitraries.batches(s, 12))
            .flatMap(
                data ->
                    Arbitraries.of(Kind.values())
                        .map(kind -> write(data, kind))
                        .flatMap(Damaged::bytes));
    Arbitrary<byte[]> strings =
        Arbitraries.strings()
            .ofMaxLength(12)
            .list()
            .ofMinSize(1)
            .ofMaxSize(30)
            .map(DamagedFilesProperties::stringStream);
    Arbitrary<byte[]> offsetsOutOfRange =
        Combinators.combine(strings, Arbitraries.integers().between(0, 29))
            .as(DamagedFilesProperties::pushOffset);
    Arbitrary<byte[]> hostileLengths =
        Combinators.combine(
                strings,
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(0x7fff_fff0, 0x4000_0000, -2, 1 << 24))
            .as(DamagedFilesProperties::hostileLength);
    return Arbitraries.frequencyOf(
        Tuple.of(6, generated), Tuple.of(2, offsetsOutOfRange), Tuple.of(2, hostileLengths));
  }

  private enum Kind {
    STREAM,
    FILE,
    PARQUET
  }

  private static byte[] write(BatchData data, Kind kind) {
    try (BufferAllocator a = new RootAllocator();
        BatchData.Written w = data.write(a)) {
      return switch (kind) {
        case STREAM -> ipc(w.root(), w.dictionaries(), false);
        case FILE -> ipc(w.root(), w.dictionaries(), true);
        case PARQUET ->
            ParquetEventCodec.defaults()
                .encode(w.root(), w.dictionaries())
                .getPayload()
                .toByteArray();
      };
    }
  }

  private static byte[] ipc(VectorSchemaRoot root, DictionaryProvider dictionaries, boolean file) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ArrowWriter w =
        file
            ? new ArrowFileWriter(root, dictionaries, Channels.newChannel(out))
            : new ArrowStreamWriter(root, dictionaries, Channels.newChannel(out))) {
      w.start();
      w.writeBatch();
      w.end();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  /** One utf8 column, as an IPC stream. */
  private static byte[] stringStream(List<String> values) {
    Schema schema = new Schema(List.of(Field.nullable("s", ArrowType.Utf8.INSTANCE)));
    try (BufferAllocator a = new RootAllocator();
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, a)) {
      VarCharVector v = (VarCharVector) root.getVector(0);
      for (int i = 0; i < values.size(); i++) {
        v.setSafe(i, values.get(i).getBytes(StandardCharsets.UTF_8));
      }
      root.setRowCount(values.size());
      return ipc(root, null, false);
    }
  }

  /** Sets one offset of the first batch's string column far past its data. */
  private static byte[] pushOffset(byte[] stream, int row) {
    byte[] out = stream.clone();
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 0;
    while (pos + 8 <= out.length) {
      int length = b.getInt(pos + 4);
      if (length == 0) {
        break;
      }
      ByteBuffer meta = b.duplicate().position(pos + 8).limit(pos + 8 + length).slice();
      Message m = Message.getRootAsMessage(meta.order(ByteOrder.LITTLE_ENDIAN));
      long bodyStart = pos + 8L + length;
      if (m.headerType() == MessageHeader.RecordBatch) {
        RecordBatch batch = (RecordBatch) m.header(new RecordBatch());
        Buffer offsets = batch.buffers(new Buffer(), 1); // validity, offsets, data
        int entries = (int) (offsets.length() / 4);
        int at = (int) (bodyStart + offsets.offset()) + 4 * Math.min(row + 1, entries - 1);
        b.putInt(at, (1 << 30) + 4_800);
        return out;
      }
      pos = (int) (bodyStart + m.bodyLength());
    }
    throw new IllegalStateException("no record batch");
  }

  /** Replaces the length prefix of one message (the last one there is if fewer). */
  private static byte[] hostileLength(byte[] stream, int message, int length) {
    byte[] out = stream.clone();
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    int pos = 0;
    for (int i = 0; i < message; i++) {
      int meta = b.getInt(pos + 4);
      if (meta == 0) {
        break;
      }
      Message m =
          Message.getRootAsMessage(
              b.duplicate()
                  .position(pos + 8)
                  .limit(pos + 8 + meta)
                  .slice()
                  .order(ByteOrder.LITTLE_ENDIAN));
      int next = (int) (pos + 8L + meta + m.bodyLength());
      if (next + 8 > out.length) {
        break;
      }
      pos = next;
    }
    b.putInt(pos + 4, length);
    return out;
  }
}
