package io.flowctl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flowctl.flight.FlightAddress;
import io.flowctl.flight.FlightBatches;
import io.flowctl.flight.FlightInput;
import io.flowctl.flight.FlightTicket;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Field;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flowctl flight list|info|get}: any Arrow Flight service from the command line (the plan's
 * stellar-arrow-source, a Java source serving {@code FLIGHT_PORT}, pyarrow's servers...).
 */
@Command(
    name = "flight",
    description = {
      "Ask an Arrow Flight service what it serves and read its streams. ENDPOINT is host:port,"
          + " grpc://, grpc+tcp:// or grpc+tls://host:port. Exit 2 with one line for an unknown"
          + " stream, an unreachable endpoint or refused credentials."
    },
    subcommands = {FlightCommand.List_.class, FlightCommand.Info.class, FlightCommand.Get.class})
final class FlightCommand extends CommandGroup {
  /** The memory a command may hold: one batch in flight, with room. */
  private static final long MEMORY = 2L << 30;

  /** Connection options every subcommand takes. */
  static class Connection {
    @Parameters(index = "0", paramLabel = "ENDPOINT", description = "The Flight service.")
    String endpoint;

    @Option(
        names = "--token",
        paramLabel = "TOKEN",
        description = "Send 'authorization: Bearer TOKEN' (default: $FLIGHT_TOKEN).")
    String token = System.getenv("FLIGHT_TOKEN");

    @Option(
        names = "--tls-ca",
        paramLabel = "PEM",
        description = "Trust this CA for grpc+tls:// (default: the JVM's trust store).")
    Path ca;

    @Option(
        names = "--tls-cert",
        paramLabel = "PEM",
        description = "Present this client certificate (mutual TLS); with --tls-key.")
    Path cert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "The client certificate's key.")
    Path key;

    FlightInput open(BufferAllocator allocator) {
      FlightInput.Builder b =
          FlightInput.builder(FlightAddress.parse(endpoint), allocator).token(token).trust(ca);
      if ((cert == null) != (key == null)) {
        throw new io.flowctl.FlowctlException(
            io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
            "--tls-cert and --tls-key go together");
      }
      if (cert != null) {
        b.clientCertificate(cert, key);
      }
      return b.build();
    }
  }

  static String path(FlightInfo info) {
    if (info.getDescriptor() == null) {
      return "-";
    }
    return info.getDescriptor().isCommand()
        ? "(command)"
        : String.join("/", info.getDescriptor().getPath());
  }

  static String ticket(Ticket t) {
    return new String(t.getBytes(), StandardCharsets.UTF_8);
  }

  static ObjectNode json(FlightInfo info) throws java.io.IOException {
    ObjectNode n = Remote.JSON.createObjectNode();
    n.put("path", path(info));
    JsonNode schema =
        info.getSchemaOptional().isPresent()
            ? Remote.JSON.readTree(info.getSchemaOptional().get().toJson())
            : null;
    n.set("schema", schema);
    n.put("totalRecords", info.getRecords());
    n.put("totalBytes", info.getBytes());
    ArrayNode eps = n.putArray("endpoints");
    for (FlightEndpoint e : info.getEndpoints()) {
      ObjectNode en = eps.addObject();
      en.put("ticket", ticket(e.getTicket()));
      ArrayNode loc = en.putArray("locations");
      for (Location l : e.getLocations()) {
        loc.add(l.getUri().toString());
      }
    }
    return n;
  }

  /** A subcommand that asks a Flight service about its streams and prints the answer. */
  abstract static class Lookup implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin Connection connection;

    abstract int print(FlightInput in, PrintWriter out) throws Exception;

    @Override
    public Integer call() throws Exception {
      try (BufferAllocator a = new RootAllocator(MEMORY);
          FlightInput in = connection.open(a)) {
        return print(in, spec.commandLine().getOut());
      }
    }
  }

  @Command(name = "list", description = "List the flights a service offers (ListFlights).")
  static final class List_ extends Lookup {
    @Option(names = "--json", description = "Print them as JSON.")
    boolean json;

    @Override
    int print(FlightInput in, PrintWriter out) throws Exception {
      List<FlightInfo> flights = in.list();
      if (json) {
        Remote.printJson(out, flights, FlightCommand::json);
        return ExitCodes.OK;
      }
      out.printf(
          Locale.ROOT,
          "%-32s %8s %12s %12s  %s%n",
          "STREAM",
          "COLUMNS",
          "RECORDS",
          "BYTES",
          "TICKETS");
      for (FlightInfo f : flights) {
        out.printf(
            Locale.ROOT,
            "%-32s %8s %12s %12s  %s%n",
            path(f),
            f.getSchemaOptional().map(s -> Integer.toString(s.getFields().size())).orElse("-"),
            f.getRecords() < 0 ? "-" : Long.toString(f.getRecords()),
            f.getBytes() < 0 ? "-" : Long.toString(f.getBytes()),
            String.join(",", f.getEndpoints().stream().map(e -> ticket(e.getTicket())).toList()));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "info",
      description =
          "Show a stream (GetFlightInfo by descriptor path): its schema with types, endpoints,"
              + " tickets and locations.")
  static final class Info extends Lookup {
    @Parameters(
        index = "1",
        paramLabel = "STREAM",
        description = "The stream's path (a/b for two parts).")
    String stream;

    @Option(names = "--json", description = "Print it as JSON (the schema in Arrow's JSON form).")
    boolean json;

    @Override
    int print(FlightInput in, PrintWriter out) throws Exception {
      FlightInfo info = in.info(stream.split("/"));
      if (json) {
        out.println(Remote.JSON.writeValueAsString(json(info)));
        return ExitCodes.OK;
      }
      out.println("stream:  " + path(info));
      out.println(
          "records: "
              + (info.getRecords() < 0 ? "unknown" : info.getRecords())
              + ", bytes: "
              + (info.getBytes() < 0 ? "unknown" : info.getBytes()));
      out.println("schema:");
      if (info.getSchemaOptional().isEmpty()) {
        out.println("  (none given)");
      } else {
        for (Field f : info.getSchemaOptional().get().getFields()) {
          out.println(
              "  " + f.getName() + ": " + f.getType() + (f.isNullable() ? "" : " not null"));
        }
      }
      out.println("endpoints:");
      for (FlightEndpoint e : info.getEndpoints()) {
        out.println(
            "  ticket "
                + ticket(e.getTicket())
                + (e.getLocations().isEmpty()
                    ? " (on this service)"
                    : " at "
                        + String.join(
                            ", ",
                            e.getLocations().stream().map(l -> l.getUri().toString()).toList())));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "get",
      description =
          "Read a ticket (DoGet) into an Arrow IPC stream file; progress on stderr every few"
              + " seconds. The plan's tickets read stream[:start_ledger[:end_ledger]].")
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @picocli.CommandLine.Mixin Connection connection;

    @Parameters(index = "1", paramLabel = "TICKET", description = "The ticket, as text.")
    String ticket;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE.arrows",
        description = "Where to write the stream (written whole or not at all).")
    Path outFile;

    @Override
    public Integer call() throws Exception {
      PrintWriter err = spec.commandLine().getErr();
      Path dir = outFile.toAbsolutePath().getParent();
      Path tmp = Files.createTempFile(dir, ".flowctl-flight-", ".part");
      long started = System.nanoTime();
      long rows;
      long batches;
      try (BufferAllocator a = new RootAllocator(MEMORY);
          FlightInput in = connection.open(a);
          FlightBatches b = in.read(new Ticket(ticket.getBytes(StandardCharsets.UTF_8)));
          VectorSchemaRoot out = VectorSchemaRoot.create(b.schema(), a);
          OutputStream file = Files.newOutputStream(tmp);
          ArrowStreamWriter writer = new ArrowStreamWriter(out, null, Channels.newChannel(file))) {
        writer.start();
        VectorLoader loader = new VectorLoader(out);
        long lastReport = started;
        while (b.next()) {
          try (ArrowRecordBatch rb = new VectorUnloader(b.root()).getRecordBatch()) {
            loader.load(rb);
          }
          writer.writeBatch();
          long now = System.nanoTime();
          if (now - lastReport > 2_000_000_000L) {
            err.printf(Locale.ROOT, "flight get: %d batches, %d rows%n", b.batches(), b.rows());
            err.flush();
            lastReport = now;
          }
        }
        writer.end();
        rows = b.rows();
        batches = b.batches();
      } catch (Exception | Error e) {
        Files.deleteIfExists(tmp);
        throw e;
      }
      Files.move(tmp, outFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "%s: %d batches, %d rows from %s (%.1f s)%n",
              outFile,
              batches,
              rows,
              FlightTicket.parse(ticket).stream(),
              (System.nanoTime() - started) / 1e9);
      return ExitCodes.OK;
    }
  }
}
