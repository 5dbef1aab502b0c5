package io.flowctl.examples.cli;

import io.flowctl.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code flowctl} in-process, with the examples' plugin on the class path. */
record CliRunner(int status, String out, String err) {
  static CliRunner run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRunner(status, out.toString(), err.toString());
  }
}
