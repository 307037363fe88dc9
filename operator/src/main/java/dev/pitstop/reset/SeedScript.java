package dev.pitstop.reset;

import java.util.Objects;

/**
 * A seed file as the caller loaded it (from a ConfigMap key, an inline entry or a file); seeds run
 * in name order after the tables are emptied, in the same transaction.
 *
 * @param name the file name, e.g. {@code 01-users.sql}
 * @param sql the file's content
 */
public record SeedScript(String name, String sql) {
  public SeedScript {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sql, "sql");
  }
}
