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
}
