package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.InvalidConnectionSettingsException;
import dev.pitstop.logging.KnownSecrets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a CLI command connects: {@code --database-url}, else {@code $PITSTOP_DATABASE_URL}, else
 * {@code $DATABASE_URL}; {@code postgresql://...} or {@code jdbc:postgresql://...}. A URL without a
 * password takes {@code $PGPASSWORD}, else the password file's, as libpq tools do. Every password
 * found is remembered with {@link KnownSecrets}, so no message can show it.
 */
public final class DatabaseUrl {
  /** The option, without dashes, that every database command accepts. */
  public static final String OPTION = "database-url";

  /** Environment variables read when the option is absent, first set one wins. */
  public static final List<String> VARIABLES = List.of("PITSTOP_DATABASE_URL", "DATABASE_URL");

  private DatabaseUrl() {}

  /**
   * The connection settings given, if any.
   *
   * @throws UsageException when the URL given is empty or malformed, naming where it came from
   */
  public static Optional<ConnectionSettings> find(Args args, Map<String, String> env) {
    Optional<String> option = args.value(OPTION);
    if (option.isPresent()) {
      return Optional.of(parse(option.get(), "--" + OPTION, env));
    }
    for (String variable : VARIABLES) {
      String value = env.get(variable);
      if (value != null && !value.isBlank()) {
        return Optional.of(parse(value, "$" + variable, env));
      }
    }
    return Optional.empty();
  }

  /**
   * The connection settings of another URL option, e.g. {@code --plan-database-url}, read as {@code
   * --database-url} is: either URL form, a password from the URL, else {@code $PGPASSWORD}, else
   * the password file; remembered with {@link KnownSecrets}.
   *
   * @param option the option without dashes
   * @throws UsageException when the URL given is empty or malformed, naming the option
   */
  public static Optional<ConnectionSettings> fromOption(
      Args args, String option, Map<String, String> env) {
    return args.value(option).map(url -> parse(url, "--" + option, env));
  }

  /**
   * The connection settings given.
   *
   * @throws UsageException when none is given, or the URL is empty or malformed
   */
  public static ConnectionSettings require(Args args, Map<String, String> env) {
    return find(args, env).orElseThrow(() -> new UsageException(missingMessage()));
  }

  /**
   * {@code settings} with the password of {@code $PGPASSWORD} or the password file when it names
   * none, as libpq tools do; see {@link LibpqPassword}. A password file that is ignored is reported
   * on stderr.
   */
  public static ConnectionSettings withLibpqPassword(
      ConnectionSettings settings, Map<String, String> env) {
    return LibpqPassword.complete(
        settings, env, warning -> System.err.println("pitstop: warning: " + warning));
  }

  /** The one-line reason given when a command needs a database and none was given. */
  public static String missingMessage() {
    return "no database given: use --"
        + OPTION
        + " postgresql://user@host:5432/db or set $"
        + String.join(" or $", VARIABLES);
  }

  private static ConnectionSettings parse(String url, String source, Map<String, String> env) {
    KnownSecrets.addIfCredential(url);
    try {
      ConnectionSettings settings = ConnectionSettings.fromUrl(url);
      KnownSecrets.add(settings.password());
      return withLibpqPassword(settings, env);
    } catch (InvalidConnectionSettingsException e) {
      // The parser names the option; say which variable it really came from.
      String message = e.getMessage();
      if (message.startsWith("--" + OPTION)) {
        message = source + message.substring(OPTION.length() + 2);
      }
      throw new UsageException(KnownSecrets.redact(message));
    }
  }
}
