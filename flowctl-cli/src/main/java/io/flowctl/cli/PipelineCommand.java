package io.flowctl.cli;

import io.flowctl.FlowctlException;
import io.flowctl.server.pipeline.Pipeline;
import io.flowctl.server.pipeline.PipelineParser;
import io.flowctl.server.pipeline.Problem;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flowctl pipeline ...}: pipeline files. */
@Command(
    name = "pipeline",
    description = "Check pipeline files.",
    subcommands = {PipelineCommand.Validate.class})
final class PipelineCommand extends CommandGroup {
  @Command(
      name = "validate",
      description = {
        "Validate a pipeline file: every problem with file:line:column and what is expected.",
        "Exit 0 valid, 1 invalid, 2 unreadable."
      })
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "A flowctl/v1 Pipeline YAML file.")
    Path file;

    @Override
    public Integer call() {
      PipelineParser.Result r;
      try {
        r = PipelineParser.parse(file);
      } catch (NoSuchFileException e) {
        throw new FlowctlException(FlowctlException.Code.INVALID_ARGUMENT, file + ": no such file");
      } catch (IOException e) {
        throw new FlowctlException(
            FlowctlException.Code.INVALID_ARGUMENT,
            file + ": cannot read (" + e.getMessage() + ")");
      }
      PrintWriter out = spec.commandLine().getOut();
      if (!r.valid()) {
        for (Problem p : r.problems()) {
          out.println(p);
        }
        out.println(r.problems().size() + (r.problems().size() == 1 ? " problem" : " problems"));
        return ExitCodes.NOT_SATISFIED;
      }
      Pipeline p = r.pipeline().orElseThrow();
      out.println(
          file + ": valid pipeline '" + p.name() + "', " + p.components().size() + " components");
      out.println(
          "start order: "
              + String.join(" -> ", p.startOrder().stream().map(Pipeline.Component::id).toList()));
      return ExitCodes.OK;
    }
  }
}
