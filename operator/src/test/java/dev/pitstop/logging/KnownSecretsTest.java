package dev.pitstop.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A password that is also an ordinary word: redaction must not reveal it by masking words. */
class KnownSecretsTest {
  private static final String PASSWORD = "pitstop";

  @AfterEach
  void forget() {
    KnownSecrets.forget(PASSWORD);
  }

  @Test
  void aPasswordInsideLongerWordsIsLeftAloneAndMaskedWhereItStandsAlone() {
    KnownSecrets.add(PASSWORD);

    assertThat(KnownSecrets.redact("dev.pitstop.cli.Cli failed on public.pitstop_schema_history"))
        .isEqualTo("dev.pitstop.cli.Cli failed on public.pitstop_schema_history");
    assertThat(
            KnownSecrets.redact(
                "connect to postgresql://app:pitstop@db/app?password=pitstop failed: \"pitstop\""))
        .isEqualTo("connect to postgresql://app:****@db/app?password=**** failed: \"****\"");
  }

  @Test
  void logLinesKeepClassNamesAndNeverShowThePasswordInAUrl() {
    KnownSecrets.add(PASSWORD);
    LoggerContext context = new LoggerContext();
    LoggingEvent event =
        new LoggingEvent(
            "x",
            context.getLogger("dev.pitstop.cli.Cli"),
            Level.WARN,
            "dev.pitstop.cli.RunCommand could not reach {}",
            new IllegalStateException("jdbc:postgresql://app:pitstop@db/app refused"),
            new Object[] {"postgresql://app:pitstop@db/app"});

    String line = new JsonLines().doLayout(event);

    assertThat(line)
        .contains("dev.pitstop.cli.RunCommand could not reach postgresql://app:****@db/app")
        .contains("jdbc:postgresql://app:****@db/app refused")
        .doesNotContain(":pitstop@");
  }
}
