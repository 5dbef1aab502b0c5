package io.flowctl.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point of the {@code flowctl} command. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * Runs one command line and returns its exit status: {@link ExitCodes#OK}, {@link
   * ExitCodes#NOT_SATISFIED}, {@link ExitCodes#BAD_INPUT} or {@link ExitCodes#INTERNAL_ERROR}.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = FlowctlCommand.commandLine();
    cli.setOut(out);
    cli.setErr(err);
    try {
      return cli.execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }
}
