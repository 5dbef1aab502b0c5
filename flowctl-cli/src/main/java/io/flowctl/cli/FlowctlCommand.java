package io.flowctl.cli;

import io.flowctl.FlowctlException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The root {@code flowctl} command; subcommands hang off it. */
@Command(
    name = "flowctl",
    mixinStandardHelpOptions = true,
    versionProvider = FlowctlCommand.Versions.class,
    description = "Apache Arrow for the flowctl control plane.",
    subcommands = {
      VersionCommand.class,
      SchemaCommand.class,
      InspectCommand.class,
      EventCommand.class,
      ServeCommand.class,
      PipelineCommand.class,
      PipelineCommand.Validate.class, // upstream's flowctl validate FILE
      RunCommand.class,
      ServicesCommand.List_.class,
      ListCommand.class, // upstream's flowctl list
      ProcessorsCommand.class, // upstream's flowctl processors
      PipelinesCommand.class, // upstream's flowctl pipelines
      ServicesCommand.Status.class,
      RunsCommand.class,
      FlightCommand.class
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:done (for checks: the required condition holds)",
      "1:the checked condition does not hold",
      "2:bad input or usage",
      "3:internal error (rerun with --verbose)"
    })
final class FlowctlCommand extends CommandGroup {

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "Print stack traces of errors.")
  boolean verbose;

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new FlowctlCommand());
    for (CliPlugin plugin : plugins()) {
      for (Object command : plugin.commands()) {
        cli.addSubcommand(command);
      }
    }
    cli.addSubcommand("help", new CommandLine.HelpCommand()); // last in the list
    withStandardHelp(cli);
    cli.setParameterExceptionHandler(FlowctlCommand::onUsageError);
    cli.setExecutionExceptionHandler(FlowctlCommand::onFailure);
    return cli;
  }

  /**
   * Gives {@code -h/--help} and {@code -V/--version} to every command that declares neither itself
   * (the schema registry's commands, whose {@code --version} is a schema's, declare their own
   * help), plugins' commands included, so no command has to ask for them.
   */
  private static void withStandardHelp(CommandLine command) {
    CommandLine.Model.CommandSpec spec = command.getCommandSpec();
    if (spec.findOption("--help") == null && spec.findOption("--version") == null) {
      spec.mixinStandardHelpOptions(true);
    }
    command.getSubcommands().values().forEach(FlowctlCommand::withStandardHelp);
  }

  /** The plugins on the class path, in the order {@link ServiceLoader} finds them. */
  static List<CliPlugin> plugins() {
    List<CliPlugin> plugins = new ArrayList<>();
    ServiceLoader.load(CliPlugin.class).forEach(plugins::add);
    return plugins;
  }

  private static int onUsageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    cmd.getErr().println("flowctl: " + e.getMessage());
    cmd.getErr().println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
    return ExitCodes.BAD_INPUT;
  }

  private static int onFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
    boolean verbose = parseResult.hasMatchedOption("--verbose");
    int status = exitStatusOf(e);
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    cmd.getErr()
        .println(
            "flowctl: "
                + (status == ExitCodes.INTERNAL_ERROR ? "internal error: " : "")
                + message.lines().findFirst().orElse(""));
    if (verbose) {
      e.printStackTrace(cmd.getErr());
    }
    return status;
  }

  static int exitStatusOf(Throwable e) {
    if (e instanceof FlowctlException f) {
      return switch (f.code()) {
        case INTERNAL -> ExitCodes.INTERNAL_ERROR;
        case FAILED_PRECONDITION -> ExitCodes.NOT_SATISFIED;
        default -> ExitCodes.BAD_INPUT;
      };
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      return ExitCodes.BAD_INPUT;
    }
    return ExitCodes.INTERNAL_ERROR;
  }

  /** Reads the versions the build wrote into {@code version.properties}. */
  static final class Versions implements IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = load();
      return new String[] {
        "flowctl " + p.getProperty("version"),
        "Arrow "
            + p.getProperty("arrow")
            + ", gRPC "
            + p.getProperty("grpc")
            + ", protobuf "
            + p.getProperty("protobuf"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
      };
    }

    static Properties load() {
      Properties p = new Properties();
      try (InputStream in = FlowctlCommand.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return p;
    }
  }
}
