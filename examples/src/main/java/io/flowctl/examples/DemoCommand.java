package io.flowctl.examples;

import io.flowctl.cli.ExitCodes;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flowctl demo}: the example pipeline end to end on embedded defaults. */
@Command(
    name = "demo",
    description =
        "Run the example TTP pipeline (examples/pipelines/ttp-arrow.yaml) end to end: an embedded"
            + " control plane, a synthetic token-transfer source, a per-asset totals processor and"
            + " a Parquet sink, started in dependency order over loopback gRPC.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--batches",
      defaultValue = "100",
      description = "Batches the source sends (default ${DEFAULT-VALUE}).")
  int batches;

  @Option(
      names = "--rows",
      defaultValue = "10000",
      description = "Rows per batch (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(
      names = "--data",
      defaultValue = "flowctl-data/demo",
      paramLabel = "DIR",
      description = "Where the control plane's store and the output go (default ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--no-arrow",
      description =
          "Switch Arrow off: every component sends plain protobuf events, one per row (the"
              + " rollback switch). Also FLOWCTL_ARROW_ENABLED=false.")
  boolean noArrow;

  @Override
  public Integer call() throws Exception {
    if (batches < 1 || rows < 1) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "--batches and --rows must be positive");
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean arrow = !noArrow && !"false".equalsIgnoreCase(System.getenv("FLOWCTL_ARROW_ENABLED"));
    out.printf("flowctl demo: %d batches of %d token transfers%n", batches, rows);
    out.flush();
    PrintStream progress =
        new PrintStream(
            new java.io.OutputStream() {
              @Override
              public void write(int b) {
                out.write(b);
              }

              @Override
              public void flush() {
                out.flush();
              }
            },
            true);
    DemoPipeline.Summary s = DemoPipeline.run(data, batches, rows, arrow, progress);
    out.println();
    out.println("summary");
    out.printf(
        "  run             %s, started %s%n", s.runStatus(), String.join(" -> ", s.startOrder()));
    out.printf("  services        %s%n", String.join(", ", s.services()));
    out.printf(
        "  events          %,d %s in, %,d total rows out%n",
        s.sourceEvents(), arrow ? "Arrow batches" : "protobuf rows", s.outputRows());
    out.printf("  rows            %,d%n", s.sourceRows());
    out.printf(
        "  bytes           %,d (%s)%n",
        s.payloadBytes(), arrow ? "Arrow IPC with LZ4" : "protobuf Struct rows");
    out.printf("  compression     %.2fx%n", s.compressionRatio());
    out.printf(
        "  throughput      %,.0f rows/s (source to sink, once all were up)%n", s.rowsPerSecond());
    out.printf("  input schema    %s%n", s.inputFingerprint());
    out.printf("  output schema   %s%n", s.outputFingerprint());
    out.printf("  output          %s (Parquet, zstd)%n", s.output().toAbsolutePath());
    return ExitCodes.OK;
  }
}
