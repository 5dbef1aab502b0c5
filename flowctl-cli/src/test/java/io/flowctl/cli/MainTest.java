package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {

  @Test
  void help_listsCommandsAndExitStatuses() {
    CliRunner r = CliRunner.run("--help");

    assertThat(r.status()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("Usage: flowctl", "version", "Exit status:", "bad input or usage");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void version_printsFlowctlAndArrowVersions() {
    CliRunner r = CliRunner.run("version");

    assertThat(r.status()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).containsPattern("flowctl \\d+\\.\\d+\\.\\d+").contains("Arrow 19.");
  }

  @Test
  void unknownOption_isUsageErrorWithOneLineAndNoStackTrace() {
    CliRunner r = CliRunner.run("--no-such-option");

    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().lines().findFirst())
        .hasValueSatisfying(l -> assertThat(l).startsWith("flowctl: Unknown option"));
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void unknownSubcommand_isUsageError() {
    CliRunner r = CliRunner.run("frobnicate");

    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).startsWith("flowctl: ");
  }

  @Test
  void everyCommand_answersHelp_andVersionUnlessItsVersionIsASchemas() {
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
    todo.add(FlowctlCommand.commandLine());
    java.util.List<String> without = new java.util.ArrayList<>();
    int schemaVersions = 0;
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.poll();
      var spec = c.getCommandSpec();
      todo.addAll(c.getSubcommands().values());
      if (spec.userObject() instanceof picocli.CommandLine.HelpCommand) {
        continue; // picocli's own "help COMMAND"
      }
      var help = spec.findOption("--help");
      var version = spec.findOption("--version");
      if (help == null || !help.usageHelp()) {
        without.add(spec.qualifiedName() + " --help");
      }
      if (version == null) {
        without.add(spec.qualifiedName() + " --version");
      } else if (!version.versionHelp()) {
        schemaVersions++;
      }
    }

    assertThat(without).isEmpty();
    assertThat(schemaVersions).as("commands whose --version picks a schema version").isPositive();
    CliRunner r = CliRunner.run("pipelines", "runs", "--help");
    assertThat(r.status()).isEqualTo(ExitCodes.OK);
    assertThat(r.out()).contains("Usage: flowctl pipelines runs", "-V, --version");
  }

  @Test
  void everyCommandsSummaryAndEveryOptionsHelp_areWholeSentences() {
    java.util.List<String> cut = new java.util.ArrayList<>();
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
    todo.add(FlowctlCommand.commandLine());
    int seen = 0;
    while (!todo.isEmpty()) {
      picocli.CommandLine c = todo.poll();
      seen++;
      var spec = c.getCommandSpec();
      String[] description = spec.usageMessage().description();
      if (description.length > 0 && !description[0].strip().endsWith(".")) {
        cut.add(spec.qualifiedName() + ": " + description[0]);
      }
      for (var option : spec.options()) {
        String[] d = option.description();
        if (d.length > 0 && !d[d.length - 1].strip().endsWith(".")) {
          cut.add(spec.qualifiedName() + " " + option.longestName() + ": " + d[d.length - 1]);
        }
      }
      for (var p : spec.positionalParameters()) {
        String[] d = p.description();
        if (d.length > 0 && !d[d.length - 1].strip().endsWith(".")) {
          cut.add(spec.qualifiedName() + " " + p.paramLabel() + ": " + d[d.length - 1]);
        }
      }
      todo.addAll(c.getSubcommands().values());
    }
    assertThat(seen).as("commands walked").isGreaterThan(30);
    assertThat(cut).as("help text that stops mid-sentence").isEmpty();
  }
}
