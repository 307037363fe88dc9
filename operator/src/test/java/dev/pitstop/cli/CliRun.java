package dev.pitstop.cli;

import dev.pitstop.testing.PostgresExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * One in-process run of the CLI: exit code and everything printed.
 *
 * @param exit the exit code
 * @param out what went to stdout
 * @param err what went to stderr
 */
record CliRun(int exit, String out, String err) {
  /** A password the embedded test server (which trusts every login) never needs; never shown. */
  static final String PASSWORD = "pw-Zq8!never-shown";

  /** Runs {@code args} with the shipped commands and the given environment. */
  static CliRun of(Map<String, String> env, String... args) {
    return of(Cli.standard(), env, args);
  }

  static CliRun of(Cli cli, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      exit = cli.run(List.of(args), o, e, env);
    }
    return new CliRun(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** {@code postgresql://user:password@host:port/db} of the test's database. */
  static String databaseUrl(PostgresExtension pg) {
    URI uri = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    return "postgresql://"
        + pg.user()
        + ":"
        + PASSWORD
        + "@"
        + uri.getHost()
        + ":"
        + uri.getPort()
        + uri.getPath();
  }

  /** Everything printed, for checks that hold for both streams. */
  String all() {
    return out + err;
  }
}
