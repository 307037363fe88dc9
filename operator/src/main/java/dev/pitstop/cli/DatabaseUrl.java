package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.InvalidConnectionSettingsException;
import dev.pitstop.logging.KnownSecrets;
import java.util.Map;
import java.util.Optional;

/**
 * Where a CLI command connects: {@code --database-url}, else {@code $PITSTOP_DATABASE_URL}, else
 * {@code $DATABASE_URL}. The password is remembered as a secret before anything can print it.
 */
public final class DatabaseUrl {
  public static final String FLAG = "database-url";

  private DatabaseUrl() {}

  /**
   * @throws UsageException when no URL is given or it cannot be parsed (exit code 2)
   */
  public static ConnectionSettings resolve(Args args, Map<String, String> env) {
    String url =
        args.value(FLAG)
            .or(() -> Optional.ofNullable(env.get("PITSTOP_DATABASE_URL")))
            .or(() -> Optional.ofNullable(env.get("DATABASE_URL")))
            .filter(v -> !v.isBlank())
            .orElseThrow(
                () ->
                    new UsageException(
                        "no database: pass --database-url or set PITSTOP_DATABASE_URL or"
                            + " DATABASE_URL"));
    KnownSecrets.addIfCredential(url);
    try {
      ConnectionSettings settings = ConnectionSettings.fromUrl(url);
      KnownSecrets.add(settings.password());
      return settings;
    } catch (InvalidConnectionSettingsException e) {
      throw new UsageException(KnownSecrets.redact(e.getMessage()));
    }
  }
}
