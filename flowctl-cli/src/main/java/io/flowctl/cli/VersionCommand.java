package io.flowctl.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code flowctl version}: the versions of flowctl and of the libraries it speaks for. */
@Command(
    name = "version",
    description = "Print the versions of flowctl, Arrow, gRPC, protobuf and Java.")
final class VersionCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    for (String line : new FlowctlCommand.Versions().getVersion()) {
      spec.commandLine().getOut().println(line);
    }
  }
}
