package dev.pitstop.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.database.ConnectionSettings;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class RedactionTest {
  private final Redaction redaction = Redaction.of("p@ss w/rd", null, "");

  @Test
  void removesEverySpellingOfTheSecret() {
    assertThat(redaction.apply("raw p@ss w/rd, form p%40ss+w%2Frd, uri p%40ss%20w%2Frd"))
        .isEqualTo("raw ****, form ****, uri ****");
  }

  @Test
  void removesUrlPasswordsButKeepsUserNames() {
    assertThat(
            Redaction.none()
                .apply(
                    "failed for postgresql://app:other-secret@db:5432/app and postgres://app@db"))
        .isEqualTo("failed for postgresql://app:****@db:5432/app and postgres://app@db");
    assertThat(Redaction.none().apply("jdbc:postgresql://u:a@b@db/x?sslmode=require"))
        .isEqualTo("jdbc:postgresql://u:****@db/x?sslmode=require");
  }

  @Test
  void removesPasswordParameters() {
    assertThat(
            Redaction.none()
                .apply(
                    "jdbc:postgresql://db/app?user=app&password=s3cret&sslpassword=k3y;"
                        + " host=db password='quoted secret' PASSWORD = \"x y\""))
        .isEqualTo(
            "jdbc:postgresql://db/app?user=app&password=****&sslpassword=****;"
                + " host=db password=**** PASSWORD = ****");
  }

  @Test
  void masksASecretOnlyAsAWholeTokenSoThatOrdinaryWordsDoNotRevealIt() {
    Redaction word = Redaction.of("pitstop");

    assertThat(
            word.apply(
                "dev.pitstop.cli.Cli: public.pitstop_schema_history, pitstop-demo.jar, my-pitstop"))
        .isEqualTo(
            "dev.pitstop.cli.Cli: public.pitstop_schema_history, pitstop-demo.jar, my-pitstop");
    assertThat(word.apply("password 'pitstop' rejected; pitstop. (pitstop) pitstop"))
        .isEqualTo("password '****' rejected; ****. (****) ****");
    assertThat(word.apply("postgresql://app:pitstop@db/pitstop_db?password=pitstop"))
        .isEqualTo("postgresql://app:****@db/pitstop_db?password=****");
  }

  @Test
  void leavesOrdinaryTextAlone() {
    String text = "FATAL: password authentication failed for user \"app\"";
    assertThat(redaction.apply(text)).isEqualTo(text);
    assertThat(redaction.apply((String) null)).isNull();
  }

  @Test
  void joinsAndRedactsAChainOfCauses() {
    SQLException failure =
        new SQLException(
            "pool timed out",
            new SQLException("Connection to postgresql://app:p@ss w/rd@db refused"));

    assertThat(redaction.apply(failure))
        .isEqualTo("pool timed out: Connection to postgresql://app:****@db refused");
  }

  @Test
  void settingsRedactTheirPasswordAndSecretProperties() {
    ConnectionSettings settings =
        ConnectionSettings.fromUrl("postgresql://app:hunter2@db/app?sslpassword=keypass");

    assertThat(settings.redaction().apply("hunter2 keypass hunter2x"))
        .isEqualTo("**** **** hunter2x");
  }
}
