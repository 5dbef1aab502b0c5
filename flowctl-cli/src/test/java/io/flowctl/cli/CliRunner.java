package io.flowctl.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@link Main#run} in-process and captures what a user would see. */
record CliRunner(int status, String out, String err) {
  static CliRunner run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliRunner(status, out.toString(), err.toString());
  }
}
