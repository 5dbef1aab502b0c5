package io.flowctl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowctl.client.codec.ArrowEventCodec;
import io.flowctl.client.codec.BatchReader;
import io.flowctl.parquet.ParquetEventCodec;
import io.flowctl.proto.ArrowMetadata;
import io.flowctl.proto.Event;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flowctl inspect FILE}: what an event made of an Arrow file would carry. */
@Command(
    name = "inspect",
    description =
        "Show what an event made of an Arrow IPC stream or file, or of a Parquet file, would"
            + " carry: schema, fingerprint, batches, rows, columns, compression.")
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "An Arrow IPC stream or file, or a Parquet file.")
  Path file;

  @Option(names = "--json", description = "Print as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    Event event;
    int batches = 0;
    String schema;
    Set<String> compression;
    boolean parquet = ArrowFiles.isParquet(file);
    if (parquet) {
      // The footer says it all, read once; no page is read.
      ParquetEventCodec.FileInfo info =
          EventFiles.PARQUET_READER.inspect(EventFiles.contents(file), file.toString());
      event = info.event();
      schema = info.schema().toString();
      compression = info.compression();
      long rows = event.getArrowMetadata().getNumRows();
      int perBatch = EventFiles.PARQUET_READER.batchRows(); // what decode reads per batch
      batches = (int) ((rows + perBatch - 1) / perBatch);
    } else {
      try (BufferAllocator allocator = new RootAllocator(EventFiles.MEMORY_LIMIT)) {
        event = EventFiles.toEvent(file, ArrowEventCodec.defaults(), allocator);
        try (BatchReader in = EventFiles.decode(event, allocator)) {
          schema = in.schema().toString();
          while (in.loadNextBatch()) {
            batches++;
          }
        } catch (io.flowctl.client.codec.CodecException e) {
          throw e.getMessage().startsWith(file.toString())
              ? e
              : new io.flowctl.client.codec.CodecException(file + ": " + e.getMessage(), e);
        }
      }
      compression = sourceCompression();
    }
    String format =
        parquet ? "parquet" : ArrowFiles.isIpcFile(file) ? "arrow-ipc-file" : "arrow-ipc-stream";
    ArrowMetadata m = event.getArrowMetadata();
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode root = mapper.createObjectNode();
      root.put("file", file.toString());
      root.put("format", format);
      root.put("eventType", event.getEventType());
      root.put("schema", schema);
      root.put("fingerprint", m.getSchemaFingerprint());
      root.put("batches", batches);
      root.put("rows", m.getNumRows());
      m.getColumnNamesList().forEach(root.putArray("columns")::add);
      ObjectNode meta = root.putObject("metadata");
      m.getCustomMetadataMap().forEach(meta::put);
      compression.forEach(root.putArray("compression")::add);
      root.put("payloadBytes", event.getPayload().size());
      out.println(mapper.writeValueAsString(root));
    } else {
      out.println("file:         " + file + " (" + format + ")");
      out.println("event type:   " + event.getEventType());
      out.println("schema:       " + schema);
      out.println("fingerprint:  " + m.getSchemaFingerprint());
      out.println("batches:      " + batches);
      out.println("rows:         " + m.getNumRows());
      out.println("columns:      " + String.join(", ", m.getColumnNamesList()));
      out.println(
          "compression:  " + (compression.isEmpty() ? "-" : String.join(", ", compression)));
      out.println("metadata:     " + m.getCustomMetadataMap());
      out.println(
          "payload:      "
              + event.getPayload().size()
              + (parquet ? " bytes (the Parquet file as it is)" : " bytes (uncompressed IPC)"));
    }
    return ExitCodes.OK;
  }

  /** The body compression the file was written with, read from its message headers. */
  private Set<String> sourceCompression() {
    try (BufferAllocator allocator = new RootAllocator(EventFiles.MEMORY_LIMIT);
        ArrowFiles.IpcFile in = ArrowFiles.open(file, allocator, EventFiles.MEMORY_LIMIT)) {
      return in.reader().bodyCompression();
    }
  }
}
