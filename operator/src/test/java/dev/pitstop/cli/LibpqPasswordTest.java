package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.testing.PostgresExtension;
import dev.pitstop.testing.TestPostgresServer;
import dev.pitstop.testing.TestRoles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A URL without a password takes {@code $PGPASSWORD}, else the password file ({@code $PGPASSFILE}
 * or {@code ~/.pgpass}), as libpq tools do; a password in the URL wins over both. Against a real
 * role that must give its password (the embedded server trusts every other login).
 */
class LibpqPasswordTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();
  @RegisterExtension final TestRoles roles = new TestRoles(pg);

  @TempDir Path home;
  @TempDir Path dir;

  private String role;
  private URI server;

  @BeforeEach
  void roleThatMustGiveItsPassword() throws Exception {
    assumeTrue(System.getenv(TestPostgresServer.URL_VARIABLE) == null, "embedded server only");
    role = roles.createWithPasswordLogin("pgpass");
    server = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    Files.writeString(dir.resolve("V1__t.sql"), "CREATE TABLE t (id int);");
  }

  @AfterEach
  void forgetPasswords() {
    KnownSecrets.forget(TestRoles.PASSWORD);
    KnownSecrets.forget("wrong-pw");
  }

  private String url(String password) {
    return "postgresql://"
        + role
        + (password == null ? "" : ":" + password)
        + "@"
        + server.getHost()
        + ":"
        + server.getPort()
        + server.getPath();
  }

  private String line(String password) {
    return server.getHost()
        + ":"
        + server.getPort()
        + ":"
        + pg.databaseName()
        + ":"
        + role
        + ":"
        + password
        + "\n";
  }

  private Path passFile(String text, String permissions) throws Exception {
    Path file = home.resolve(".pgpass");
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    return file;
  }

  private CliRun status(String url, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>(Map.of("HOME", home.toString()));
    env.putAll(extraEnv);
    return CliRun.of(env, "status", "--dir", dir.toString(), "--database-url", url);
  }

  @Test
  void withoutAnyPasswordTheLoginFails() {
    CliRun run = status(url(null), Map.of());

    assertThat(run.exit()).as(run.all()).isEqualTo(Command.FAILED);
    assertThat(run.err()).contains("password");
  }

  @Test
  void pgpasswordIsUsedWhenTheUrlHasNone() {
    CliRun run = status(url(null), Map.of("PGPASSWORD", TestRoles.PASSWORD));

    assertThat(run.exit()).as(run.all()).isZero();
    assertThat(run.all()).doesNotContain(TestRoles.PASSWORD);
  }

  @Test
  void thePasswordFileInHomeOrPgpassfileIsUsedWhenNeitherGivesOne() throws Exception {
    passFile(
        "# comment\n"
            + "otherhost:*:*:*:wrong-pw\n"
            + line(TestRoles.PASSWORD)
            + "*:*:*:*:wrong-pw\n",
        "rw-------");

    CliRun fromHome = status(url(null), Map.of());
    assertThat(fromHome.exit()).as(fromHome.all()).isZero();

    Path elsewhere = Files.move(home.resolve(".pgpass"), dir.resolve("pass.conf"));
    CliRun named = status(url(null), Map.of("PGPASSFILE", elsewhere.toString()));
    assertThat(named.exit()).as(named.all()).isZero();
  }

  @Test
  void anExplicitPasswordWinsOverPgpasswordWhichWinsOverTheFile() throws Exception {
    passFile(line("wrong-pw"), "rw-------");

    // each login succeeds only if the right password was taken over the wrong ones
    CliRun urlWins = status(url(TestRoles.PASSWORD), Map.of("PGPASSWORD", "wrong-pw"));
    assertThat(urlWins.exit()).as(urlWins.all()).isZero();

    CliRun variableWins = status(url(null), Map.of("PGPASSWORD", TestRoles.PASSWORD));
    assertThat(variableWins.exit()).as(variableWins.all()).isZero();
  }

  @Test
  void aPasswordFileOthersMayReadIsIgnoredWithAWarningAsLibpqDoes() throws Exception {
    Path file = passFile(line(TestRoles.PASSWORD), "rw-r--r--");
    ConnectionSettings settings = ConnectionSettings.fromUrl(url(null));
    List<String> warnings = new ArrayList<>();

    ConnectionSettings completed =
        LibpqPassword.complete(settings, Map.of("HOME", home.toString()), warnings::add);

    assertThat(completed.password()).isNull();
    assertThat(warnings)
        .containsExactly(
            "password file "
                + file
                + " has group or world access; permissions should be u=rw (0600) or less, so it"
                + " is ignored");
  }

  @Test
  void fileLinesMatchWithWildcardsAndEscapesFirstMatchWinning() {
    String text =
        "#db:5432:app:app:commented\n"
            + "db:5433:app:app:other-port\n"
            + "db\\:x:5432:*:app:escaped-host\n"
            + "db:*:app:app:pa\\:ss\\\\word:with-colon\n"
            + "*:*:*:*:fallback\n";

    assertThat(LibpqPassword.lookup(text, "db", "5432", "app", "app"))
        .contains("pa:ss\\word:with-colon");
    assertThat(LibpqPassword.lookup(text, "db:x", "5432", "other", "app")).contains("escaped-host");
    assertThat(LibpqPassword.lookup(text, "elsewhere", "1", "x", "y")).contains("fallback");
    assertThat(LibpqPassword.lookup("db:5432:app:app\n", "db", "5432", "app", "app"))
        .isEqualTo(Optional.empty());
  }
}
