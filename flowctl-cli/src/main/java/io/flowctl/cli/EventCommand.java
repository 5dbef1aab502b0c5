package io.flowctl.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.BatchReader;
import io.flowctl.client.codec.CodecException;
import io.flowctl.client.codec.Compression;
import io.flowctl.parquet.ParquetCompression;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.proto.Event;
import io.flowctl.proto.EventTypes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flowctl event ...}: serialized flowctl events from and to Arrow files. */
@Command(
    name = "event",
    description = "Encode Arrow files into serialized flowctl events and decode them back.",
    subcommands = {EventCommand.Encode.class, EventCommand.Decode.class})
final class EventCommand extends CommandGroup {
  @Command(
      name = "encode",
      description =
          "Write every batch of an Arrow IPC stream or file, or of a Parquet file, as one"
              + " serialized Event with an Arrow IPC or a Parquet payload.")
  static final class Encode implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "IN", description = "An Arrow IPC stream or file, or a Parquet file.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "EVENT.bin", description = "Output.")
    Path out;

    @Option(
        names = "--compression",
        paramLabel = "CODEC",
        defaultValue = "none",
        description =
            "Compression: none, lz4 or zstd for ipc (IPC body compression); none, snappy, gzip,"
                + " zstd or lz4_raw for parquet (default ${DEFAULT-VALUE}).")
    String compression;

    @Option(
        names = "--format",
        paramLabel = "FORMAT",
        defaultValue = "ipc",
        description =
            "Payload format: ipc (default) or parquet. A Parquet input with --format parquet is"
                + " carried as it is.")
    String format;

    @Option(
        names = "--event-type",
        paramLabel = "TYPE",
        description =
            "Event type (default arrow_data.ArrowBatch, or arrow_data.ParquetFile for parquet).")
    String eventType;

    @Override
    public Integer call() throws IOException {
      String f = format.toLowerCase(Locale.ROOT);
      Event event;
      String codecName;
      try (BufferAllocator allocator = new RootAllocator(EventFiles.MEMORY_LIMIT)) {
        if (f.equals("parquet")) {
          ParquetEventCodec codec =
              ParquetEventCodec.builder()
                  .eventType(eventType == null ? EventTypes.PARQUET_FILE : eventType)
                  .compression(ParquetCompression.parse(compression))
                  .build();
          event = EventFiles.toParquetEvent(in, codec, allocator);
          codecName = event.getArrowMetadata().getCompressionCodec();
        } else if (f.equals("ipc")) {
          ArrowEventCodec codec =
              ArrowEventCodec.builder()
                  .eventType(eventType == null ? EventTypes.ARROW_BATCH : eventType)
                  .compression(Compression.parse(compression))
                  .build();
          event = EventFiles.toEvent(in, codec, allocator);
          codecName = codec.compression().wireName();
        } else {
          throw new CodecException("--format: expected ipc or parquet, got '" + format + "'");
        }
      }
      try (OutputStream o = Files.newOutputStream(out)) {
        event.writeTo(o);
      }
      spec.commandLine()
          .getOut()
          .println(
              "wrote "
                  + out
                  + ": "
                  + event.getArrowMetadata().getNumRows()
                  + " rows, "
                  + event.getSerializedSize()
                  + " bytes, "
                  + f
                  + " "
                  + codecName);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "decode",
      description =
          "Write the batches of a serialized Event (Arrow IPC or Parquet payload) as an Arrow IPC"
              + " stream file.")
  static final class Decode implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "EVENT.bin", description = "A serialized flowctl Event.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "OUT.arrow", description = "Output.")
    Path out;

    @Override
    public Integer call() throws IOException {
      Event event;
      try {
        event = Event.parseFrom(Files.readAllBytes(in));
      } catch (InvalidProtocolBufferException e) {
        throw new CodecException(
            in + ": not a serialized flowctl Event (" + e.getMessage() + ")", e);
      }
      long rows = 0;
      try (BufferAllocator allocator = new RootAllocator(EventFiles.MEMORY_LIMIT);
          BatchReader reader = EventFiles.decode(event, allocator);
          OutputStream o = Files.newOutputStream(out);
          ArrowStreamWriter writer =
              new ArrowStreamWriter(reader.root(), reader.dictionaries(), o)) {
        writer.start();
        while (reader.loadNextBatch()) {
          writer.writeBatch();
          rows += reader.root().getRowCount();
        }
        writer.end();
      } catch (CodecException e) {
        Files.deleteIfExists(out);
        throw new CodecException(in + ": " + e.getMessage(), e);
      }
      spec.commandLine().getOut().println("wrote " + out + ": " + rows + " rows");
      return ExitCodes.OK;
    }
  }
}
