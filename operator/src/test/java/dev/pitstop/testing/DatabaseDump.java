package dev.pitstop.testing;

import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A SQL-level dump of a database, compared as text to prove that nothing changed: the catalog
 * (schemas, tables, columns, constraints, indexes, views, functions, sequences with their
 * last_value, the connection limits of the database's roles) and every table's rows in a stable
 * order. The zonky binaries ship no {@code pg_dump}, and a system one may not match the server's
 * major version.
 */
public final class DatabaseDump {
  private static final String USER_SCHEMAS =
      "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
          + " AND n.nspname NOT LIKE 'pg_temp%'";

  private static final List<String> CATALOG_QUERIES =
      List.of(
          "SELECT 'schema ' || n.nspname FROM pg_namespace n WHERE " + USER_SCHEMAS + " ORDER BY 1",
          "SELECT 'relation ' || n.nspname || '.' || c.relname || ' kind=' || c.relkind::text"
              + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
              + " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND "
              + USER_SCHEMAS
              + " ORDER BY 1",
          "SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' '"
              + " || format_type(a.atttypid, a.atttypmod) || ' notnull=' || a.attnotnull"
              + " || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')"
              + " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
              + " JOIN pg_namespace n ON n.oid = c.relnamespace"
              + " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
              + " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v')"
              + " AND "
              + USER_SCHEMAS
              + " ORDER BY 1",
          "SELECT 'constraint ' || n.nspname || '.' || c.relname || ' ' || k.conname || ' '"
              + " || pg_get_constraintdef(k.oid) FROM pg_constraint k"
              + " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid ="
              + " c.relnamespace WHERE "
              + USER_SCHEMAS
              + " ORDER BY 1",
          "SELECT 'index ' || schemaname || '.' || indexname || ' ' || indexdef FROM pg_indexes"
              + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
          "SELECT 'view ' || schemaname || '.' || viewname || ' ' || definition FROM pg_views"
              + " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
          "SELECT 'function ' || n.nspname || '.' || p.proname || ' ' || md5(p.prosrc)"
              + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE "
              + USER_SCHEMAS
              + " ORDER BY 1",
          "SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname || ' ' || tgenabled::text"
              + " FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
          "SELECT 'sequence ' || schemaname || '.' || sequencename || ' last_value='"
              + " || coalesce(last_value::text, 'null') FROM pg_sequences ORDER BY 1",
          // Roles belong to the whole server, which test classes running beside share: only the
          // roles of this database count (superusers, its owner, and the roles its objects' owners
          // and grants name, which pg_shdepend records), so another class's roles come and go
          // and change their limits without showing here.
          "SELECT 'role ' || r.rolname || ' connlimit=' || r.rolconnlimit || ' login=' ||"
              + " r.rolcanlogin FROM pg_roles r WHERE r.rolname NOT LIKE 'pg\\_%' AND (r.rolsuper"
              + " OR r.oid = (SELECT datdba FROM pg_database WHERE datname = current_database())"
              + " OR EXISTS (SELECT 1 FROM pg_shdepend d WHERE d.refclassid = 'pg_authid'::regclass"
              + " AND d.refobjid = r.oid AND d.dbid = (SELECT oid FROM pg_database"
              + " WHERE datname = current_database()))) ORDER BY 1",
          "SELECT 'database ' || datname || ' connlimit=' || datconnlimit || ' allowconn='"
              + " || datallowconn FROM pg_database WHERE datname = current_database()");

  private DatabaseDump() {}

  /** Dumps the database behind {@code dataSource} as text, one fact per line. */
  public static String of(DataSource dataSource) {
    StringBuilder dump = new StringBuilder();
    try (Connection connection = dataSource.getConnection()) {
      for (String query : CATALOG_QUERIES) {
        for (String line : strings(connection, query)) {
          dump.append(line).append('\n');
        }
      }
      for (String table : tables(connection)) {
        dump.append("rows of ").append(table).append('\n');
        // the whole row as text, ordered by that text: stable without knowing the keys
        String query = "SELECT t::text FROM " + table + " t ORDER BY 1";
        for (String row : strings(connection, query)) {
          dump.append("  ").append(row).append('\n');
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not dump the database: " + e.getMessage(), e);
    }
    return dump.toString();
  }

  /**
   * Dumps the database as {@link #of} does, leaving out roles that {@code before} (an earlier dump)
   * does not have. Roles belong to the whole server, which test classes running beside share: a
   * role another class creates meanwhile says nothing of this database. A role dropped or changed
   * still shows.
   */
  public static String since(String before, DataSource dataSource) {
    StringBuilder dump = new StringBuilder();
    for (String line : of(dataSource).split("\n", -1)) {
      if (line.startsWith("role ")
          && !before.contains(line.substring(0, line.indexOf(" connlimit=")) + " ")) {
        continue;
      }
      dump.append(line).append('\n');
    }
    return dump.substring(0, dump.length() - 1);
  }

  private static List<String> tables(Connection connection) throws SQLException {
    List<String> tables = new ArrayList<>();
    String query =
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid ="
            + " c.relnamespace WHERE c.relkind IN ('r', 'p') AND "
            + USER_SCHEMAS
            + " ORDER BY 1, 2";
    try (PreparedStatement statement = connection.prepareStatement(query);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        tables.add(
            SqlIdentifiers.quote(rows.getString(1))
                + "."
                + SqlIdentifiers.quote(rows.getString(2)));
      }
    }
    return tables;
  }

  private static List<String> strings(Connection connection, String query) throws SQLException {
    List<String> lines = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(query);
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        lines.add(rows.getString(1));
      }
    }
    return lines;
  }
}
