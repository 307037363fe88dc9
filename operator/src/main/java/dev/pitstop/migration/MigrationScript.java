package dev.pitstop.migration;

import java.util.Objects;

/**
 * A migration file as the caller loaded it (from a ConfigMap key, an inline entry or a directory).
 *
 * @param name the file name, e.g. {@code V3__add_status.sql} or {@code R__views.sql}
 * @param sql the file's content
 */
public record MigrationScript(String name, String sql) {
  public MigrationScript {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sql, "sql");
  }
}
