package dev.pitstop.migration.impact;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.HostPort;
import dev.pitstop.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.postgresql.Driver;

/** Scratch servers for tests: the test server, logged in to a test database as some role. */
final class ScratchServers {
  private ScratchServers() {}

  static ScratchServer of(TestDatabase database, String user, String password) {
    Properties url = Driver.parseURL(database.jdbcUrl(), new Properties());
    ConnectionSettings settings =
        new ConnectionSettings(
            List.of(
                new HostPort(
                    url.getProperty("PGHOST"), Integer.parseInt(url.getProperty("PGPORT")))),
            database.name(),
            user,
            password,
            Map.of());
    return new ScratchServer(settings, Duration.ofSeconds(10));
  }

  static ScratchServer of(TestDatabase database) {
    return of(database, database.user(), database.password());
  }
}
