package dev.pitstop.sql;

import java.util.Objects;

/**
 * A table-like name with an optional schema, as PostgreSQL stores it (unquoted parts already folded
 * to lower case). Render it into SQL only through {@link #sql()}.
 *
 * @param schema the schema, or {@code null} when the name is resolved through {@code search_path}
 * @param name the object name
 */
public record QualifiedName(String schema, String name) {

  public QualifiedName {
    Objects.requireNonNull(name, "name");
    SqlIdentifiers.quote(name);
    if (schema != null) {
      SqlIdentifiers.quote(schema);
    }
  }

  /** Returns this name with the given schema, keeping an explicit schema if there is one. */
  public QualifiedName withDefaultSchema(String defaultSchema) {
    return schema != null ? this : new QualifiedName(defaultSchema, name);
  }

  /** Returns the name as SQL, every part double-quoted: {@code "schema"."name"}. */
  public String sql() {
    return schema == null
        ? SqlIdentifiers.quote(name)
        : SqlIdentifiers.quote(schema) + "." + SqlIdentifiers.quote(name);
  }

  /**
   * The name as it can be given back (an option's value, a spec field): each part double-quoted
   * only when it would not read back as the same name unquoted ({@code public."MyHist"}).
   */
  public String readable() {
    return schema == null
        ? SqlIdentifiers.quoteIfNeeded(name)
        : SqlIdentifiers.quoteIfNeeded(schema) + "." + SqlIdentifiers.quoteIfNeeded(name);
  }

  /**
   * Returns the name for humans, as {@link #readable()}: a message names {@code public."My
   * History"}, which can be given back as it is, not {@code public.My History}.
   */
  @Override
  public String toString() {
    return readable();
  }
}
