package io.flowctl.examples;

import io.flowctl.cli.ExitCodes;
import io.flowctl.client.Flowctl;
import io.flowctl.client.component.ComponentConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code flowctl component NAME}: one bundled example component as a process of its own, configured
 * like a Go component from the environment upstream's launcher sets, so upstream flowctl (or {@code
 * flowctl run}) can start it from a pipeline file's {@code command:}.
 */
@Command(
    name = "component",
    description = {
      "Run a bundled component (the examples ttp-source, asset-totals and parquet-sink, or the"
          + " plan's format-conversion processor proto-to-arrow) as a flow-proto component,"
          + " configured from its environment as upstream's launcher sets it.",
      "It reads ENABLE_FLOWCTL, FLOWCTL_ENDPOINT, FLOWCTL_COMPONENT_ID (or FLOWCTL_SERVICE_ID,"
          + " COMPONENT_ID), FLOWCTL_HEARTBEAT_INTERVAL (Go duration), PORT (\":50051\" or a"
          + " number), HEALTH_PORT (default 8088); and the example's own: TTP_BATCHES, TTP_ROWS,"
          + " BATCH_SIZE, ARROW_COMPRESSION, FLOWCTL_ARROW_ENABLED, OUTPUT_DIR (the sink's"
          + " folder, default ./flowctl-data/components). proto-to-arrow reads"
          + " FLOWCTL_DESCRIPTOR_SET (a FileDescriptorSet), FLOWCTL_SCHEMA_MAPPING (from=to,...)"
          + " and FLOWCTL_CONVERSION_MODE (native, hybrid or compatibility), with the batch size,"
          + " timeout and compression of FLOWCTL_ARROW_BATCH_SIZE, FLOWCTL_ARROW_BATCH_TIMEOUT and"
          + " FLOWCTL_ARROW_COMPRESSION; flowctl run sets them from the pipeline file."
          + " flight-source bridges one Arrow Flight stream (the plan's stellar-arrow-source) into"
          + " the data plane: FLIGHT_ENDPOINT (host:port, grpc://, grpc+tcp://, grpc+tls://),"
          + " FLIGHT_STREAM (default stellar_ledger), FLIGHT_EVENT_TYPE, FLIGHT_TOKEN, FLIGHT_TLS_CA,"
          + " FLIGHT_TLS_CERT/FLIGHT_TLS_KEY, FLIGHT_RETRIES. Every source also serves Arrow"
          + " Flight when FLIGHT_PORT is set.",
      "Stops on SIGTERM or SIGINT: it reports STOPPING, drains, unregisters and exits."
    })
final class ComponentCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "NAME",
      description =
          "The component: ttp-source, asset-totals, parquet-sink, proto-to-arrow or flight-source.")
  String name;

  /** The format-conversion processor's name. */
  static final String PROTO_TO_ARROW = "proto-to-arrow";

  /** The Arrow Flight bridge's name. */
  static final String FLIGHT_SOURCE = "flight-source";

  @Override
  public Integer call() throws Exception {
    if (!ExampleLauncher.COMPONENTS.contains(name)
        && !name.equals(PROTO_TO_ARROW)
        && !name.equals(FLIGHT_SOURCE)) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT,
          "no component '"
              + name
              + "' (one of "
              + String.join(", ", ExampleLauncher.COMPONENTS)
              + ", "
              + PROTO_TO_ARROW
              + ", "
              + FLIGHT_SOURCE
              + ")");
    }
    Map<String, String> env = System.getenv();
    ComponentConfig config;
    ExampleLauncher.Settings settings;
    io.flowctl.client.protobuf.ProtoConversion conversion = null;
    io.flowctl.flight.FlightSource.Builder flight = null;
    try {
      config = ComponentConfig.fromEnv(env, name);
      settings = ExampleLauncher.Settings.fromEnv(env);
      if (name.equals(PROTO_TO_ARROW)) {
        conversion = io.flowctl.client.protobuf.ProtoConversion.fromEnv(env);
      }
      if (name.equals(FLIGHT_SOURCE)) {
        flight = io.flowctl.flight.FlightSource.fromEnv(env, name);
      }
    } catch (IllegalArgumentException e) {
      throw new io.flowctl.FlowctlException(
          io.flowctl.FlowctlException.Code.INVALID_ARGUMENT, e.getMessage(), e);
    }
    Path output = Path.of(env.getOrDefault("OUTPUT_DIR", "flowctl-data/components"));
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch done = new CountDownLatch(1);
    try (BufferAllocator allocator = new RootAllocator(2L << 30)) {
      ExampleLauncher examples = new ExampleLauncher(allocator, output);
      Flowctl.Component runtime =
          conversion != null
              ? Flowctl.processor(config.id()).config(config).convert(conversion).build().start()
              : flight != null
                  ? flight.build().start()
                  : examples.component(name, config, settings).start();
      Thread hook =
          new Thread(
              () -> {
                runtime.close(); // STOPPING, drain, unregister
                try {
                  done.await(); // let main release the allocator before the JVM goes
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "flowctl-component-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      out.println(
          "component "
              + config.id()
              + " ("
              + name
              + "): data on "
              + runtime.endpoint()
              + ", health on :"
              + runtime.healthPort()
              + config.controlPlane().map(cp -> ", registering with " + cp).orElse(""));
      out.flush();
      // Until a signal closes it; then the drain ends before the allocator closes.
      while (!runtime.awaitTermination(java.time.Duration.ofSeconds(1))) {
        // serving
      }
    } finally {
      done.countDown();
    }
    return ExitCodes.OK;
  }
}
