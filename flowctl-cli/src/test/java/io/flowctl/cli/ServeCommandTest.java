package io.flowctl.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServeCommandTest {
  @Test
  void durationsReadTheWayOperatorsWriteThem() {
    ServeCommand.DurationConverter c = new ServeCommand.DurationConverter();
    assertThat(c.convert("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.convert("PT1H")).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> c.convert("soon")).hasMessageContaining("'soon'");
  }

  @Test
  void anUnknownStoreIsBadInput_inOneLine() {
    CliRunner r = CliRunner.run("serve", "--port", "0", "--store", "mongodb://nope");

    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("unknown store 'mongodb://nope'");
  }

  @Test
  void tlsOptionsGoTogether() {
    CliRunner r = CliRunner.run("serve", "--port", "0", "--store", "memory", "--tls-cert", "x.crt");

    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("--tls-cert and --tls-key go together");
  }

  @Test
  void aBadDurationIsAUsageError() {
    CliRunner r = CliRunner.run("serve", "--heartbeat-ttl", "forever");

    assertThat(r.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("forever");
  }

  @Test
  void upstreamsServerCommandAndFlags_reachServe() {
    CliRunner r =
        CliRunner.run(
            "server",
            "--address",
            "127.0.0.1",
            "--janitor-interval",
            "5s",
            "--tls-ca-cert",
            "ca.pem",
            "--no-persistence",
            "--port",
            "0",
            "--tls-cert",
            "x.crt");

    // Every upstream flag parsed; serve's own check then refuses the half TLS setting.
    assertThat(r.status()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.err()).contains("--tls-cert and --tls-key go together");
  }

  @Test
  void storeFlagsThatContradictEachOther_areRefusedNamingBoth() {
    CliRunner both = CliRunner.run("server", "--no-persistence", "--db-path", "x.db");
    assertThat(both.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(both.err()).contains("--no-persistence and --db-path contradict each other");

    CliRunner store = CliRunner.run("serve", "--store", "memory", "--db-path", "x.db");
    assertThat(store.status()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(store.err()).contains("--store and --db-path contradict each other");
  }
}
