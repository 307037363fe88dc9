package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.Transactions;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;

/**
 * The history table, with exactly the columns, primary key and index Flyway creates on PostgreSQL,
 * so Flyway and Pitstop can take turns on one database.
 */
final class MigrationHistory {

  /** The description of Flyway's row recording the schemas it created. */
  static final String SCHEMA_MARKER_DESCRIPTION = "<< Flyway Schema Creation >>";

  private final QualifiedName table;
  private final String insertSql;

  /**
   * @param table the history table with its schema resolved
   */
  MigrationHistory(QualifiedName table) {
    this.table = table;
    String t = table.sql();
    this.insertSql =
        "INSERT INTO "
            + t
            + " (installed_rank, version, description, type, script, checksum, installed_by,"
            + " execution_time, success) SELECT coalesce(max(installed_rank), 0) + 1,"
            + " ?, ?, ?, ?, ?, ?, ?, true FROM "
            + t;
  }

  QualifiedName table() {
    return table;
  }

  boolean exists(Connection connection) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p'))")) {
      statement.setString(1, table.schema());
      statement.setString(2, table.name());
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  /** Flyway's default history table name. */
  static final String FLYWAY_DEFAULT = "flyway_schema_history";

  private static final String HISTORY_COLUMNS =
      "'installed_rank', 'version', 'description', 'type', 'script', 'checksum',"
          + " 'installed_by', 'installed_on', 'execution_time', 'success'";

  private static final String IS_HISTORY =
      "(SELECT count(*) FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
          + " AND NOT a.attisdropped AND a.attname IN ("
          + HISTORY_COLUMNS
          + ")) = 10";

  /**
   * Returns the tables in the given schemas, other than this one, named {@code
   * flyway_schema_history} or having all of Flyway's history columns; {@code flyway_schema_history}
   * first.
   */
  List<QualifiedName> otherHistories(Connection connection, List<String> schemas)
      throws SQLException {
    return otherHistories(connection, schemas, true);
  }

  /**
   * As {@link #otherHistories(Connection, List)}, in the schemas other than the given ones (and
   * than the system's): where Flyway keeps its history when it ran with {@code defaultSchema} or
   * {@code schemas}. Only tables the role may read: another application's schema may be closed to
   * it.
   */
  List<QualifiedName> historiesElsewhere(Connection connection, List<String> schemas)
      throws SQLException {
    return otherHistories(connection, schemas, false);
  }

  private List<QualifiedName> otherHistories(
      Connection connection, List<String> schemas, boolean inSchemas) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
                + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                + (inSchemas
                    ? " WHERE n.nspname = ANY (?)"
                    : " WHERE NOT n.nspname = ANY (?) AND n.nspname NOT LIKE 'pg\\_%'"
                        + " AND n.nspname <> 'information_schema'"
                        // another application's schema may well be closed to this role
                        + " AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')"
                        + " AND pg_catalog.has_table_privilege(c.oid, 'SELECT')")
                + " AND c.relkind IN ('r', 'p')"
                + " AND NOT (n.nspname = ? AND c.relname = ?)"
                + " AND (c.relname = ? OR "
                + IS_HISTORY
                + ") ORDER BY c.relname <> ?, n.nspname, c.relname")) {
      statement.setArray(1, connection.createArrayOf("text", schemas.toArray()));
      statement.setString(2, table.schema());
      statement.setString(3, table.name());
      statement.setString(4, FLYWAY_DEFAULT);
      statement.setString(5, FLYWAY_DEFAULT);
      List<QualifiedName> found = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          found.add(new QualifiedName(rows.getString(1), rows.getString(2)));
        }
      }
      return found;
    }
  }

  /** Whether the given table records a migration with one of the given script names. */
  static boolean recordsAny(
      Connection connection, QualifiedName other, List<String> scripts, List<Integer> checksums)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM "
                + other.sql()
                + " h JOIN unnest(?::text[], ?::int[]) AS s(script, checksum)"
                + " ON h.script = s.script AND h.checksum = s.checksum)")) {
      statement.setArray(1, connection.createArrayOf("text", scripts.toArray()));
      statement.setArray(2, connection.createArrayOf("int4", checksums.toArray()));
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  /**
   * Creates the schema (if missing) and the table, in one transaction; a schema created here is
   * recorded as Flyway records the schemas it creates (see {@link #insertSchemaMarker}).
   */
  void create(Connection connection, String installedBy) throws SQLException {
    Transactions.commit(connection, () -> createTable(connection, installedBy));
  }

  /**
   * Creates the schema (if missing) and the table, and records a baseline in it, in one
   * transaction.
   */
  void createWithBaseline(
      Connection connection, MigrationVersion version, String description, String installedBy)
      throws SQLException {
    Transactions.commit(
        connection,
        () -> {
          createTable(connection, installedBy);
          insertBaseline(connection, version, description, installedBy);
        });
  }

  /**
   * Records a baseline as Flyway does: type {@code BASELINE}, the description as script, no
   * checksum, no execution time.
   */
  void insertBaseline(
      Connection connection, MigrationVersion version, String description, String installedBy)
      throws SQLException {
    insertMarker(
        connection, version.toString(), description, "BASELINE", description, null, installedBy);
  }

  /**
   * Marks an applied migration as deleted as Flyway's {@code repair} does: a new row of type {@code
   * DELETE} with its version, description, script and checksum.
   */
  void insertDeleted(Connection connection, AppliedMigration applied, String installedBy)
      throws SQLException {
    insertMarker(
        connection,
        applied.version(),
        applied.description(),
        "DELETE",
        applied.script(),
        applied.checksum(),
        installedBy);
  }

  /** A successful row that ran nothing (execution time 0), ranked after the others. */
  private void insertMarker(
      Connection connection,
      String version,
      String description,
      String type,
      String script,
      Integer checksum,
      String installedBy)
      throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + table.sql()
                + " (installed_rank, version, description, type, script, checksum, installed_by,"
                + " execution_time, success) SELECT coalesce(max(installed_rank), 0) + 1,"
                + " ?, ?, ?, ?, ?, ?, 0, true FROM "
                + table.sql())) {
      insert.setString(1, version);
      insert.setString(2, description);
      insert.setString(3, type);
      insert.setString(4, script);
      if (checksum == null) {
        insert.setNull(5, java.sql.Types.INTEGER);
      } else {
        insert.setInt(5, checksum);
      }
      insert.setString(6, installedBy);
      insert.executeUpdate();
    }
  }

  private void createTable(Connection connection, String installedBy) throws SQLException {
    boolean createsSchema = !schemaExists(connection);
    try (Statement statement = connection.createStatement()) {
      if (createsSchema) {
        statement.execute("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifiers.quote(table.schema()));
      }
      String t = table.sql();
      statement.execute(
          "CREATE TABLE "
              + t
              + " (\n"
              + "    \"installed_rank\" INT NOT NULL,\n"
              + "    \"version\" VARCHAR(50),\n"
              + "    \"description\" VARCHAR(200) NOT NULL,\n"
              + "    \"type\" VARCHAR(20) NOT NULL,\n"
              + "    \"script\" VARCHAR(1000) NOT NULL,\n"
              + "    \"checksum\" INTEGER,\n"
              + "    \"installed_by\" VARCHAR(100) NOT NULL,\n"
              + "    \"installed_on\" TIMESTAMP NOT NULL DEFAULT now(),\n"
              + "    \"execution_time\" INTEGER NOT NULL,\n"
              + "    \"success\" BOOLEAN NOT NULL\n"
              + ")");
      statement.execute(
          "ALTER TABLE "
              + t
              + " ADD CONSTRAINT "
              + SqlIdentifiers.quote(truncate(table.name() + "_pk"))
              + " PRIMARY KEY (\"installed_rank\")");
      statement.execute(
          "CREATE INDEX "
              + SqlIdentifiers.quote(truncate(table.name() + "_s_idx"))
              + " ON "
              + t
              + " (\"success\")");
    }
    if (createsSchema) {
      insertSchemaMarker(connection, installedBy);
    }
  }

  /**
   * Flyway's record of the schemas it created, written when the history's schema is created with
   * it: rank 0, type {@code SCHEMA}, the quoted schema name as script. Flyway's {@code clean} drops
   * such a schema instead of emptying it, and its {@code info} lists the row.
   */
  private void insertSchemaMarker(Connection connection, String installedBy) throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + table.sql()
                + " (installed_rank, version, description, type, script, checksum, installed_by,"
                + " execution_time, success) VALUES (0, NULL, ?, 'SCHEMA', ?, NULL, ?, 0, true)")) {
      insert.setString(1, SCHEMA_MARKER_DESCRIPTION);
      insert.setString(2, SqlIdentifiers.quote(table.schema()));
      insert.setString(3, installedBy);
      insert.executeUpdate();
    }
  }

  private boolean schemaExists(Connection connection) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ?")) {
      statement.setString(1, table.schema());
      try (ResultSet row = statement.executeQuery()) {
        return row.next();
      }
    }
  }

  /** Reads all rows by installed rank. */
  List<AppliedMigration> read(Connection connection) throws SQLException {
    List<AppliedMigration> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT installed_rank, version, description, type, script, checksum,"
                    + " installed_by, installed_on, execution_time, success FROM "
                    + table.sql()
                    + " ORDER BY installed_rank")) {
      while (row.next()) {
        int checksum = row.getInt(6);
        Timestamp installedOn = row.getTimestamp(8);
        rows.add(
            new AppliedMigration(
                row.getInt(1),
                row.getString(2),
                row.getString(3),
                row.getString(4),
                row.getString(5),
                row.wasNull() ? null : checksum,
                row.getString(7),
                installedOn == null ? null : installedOn.toLocalDateTime(),
                row.getInt(9),
                row.getBoolean(10)));
      }
    }
    return rows;
  }

  /** Prepares the insert of {@link #insert}; reuse it for all scripts of a run. */
  PreparedStatement prepareInsert(Connection connection) throws SQLException {
    return connection.prepareStatement(insertSql);
  }

  /** Records a successful script in the connection's current transaction (if any). */
  void insert(PreparedStatement insert, ResolvedMigration migration, String installedBy, int timeMs)
      throws SQLException {
    if (migration.version() == null) {
      insert.setNull(1, Types.VARCHAR);
    } else {
      insert.setString(1, migration.versionText());
    }
    insert.setString(2, migration.description());
    insert.setString(3, migration.type());
    insert.setString(4, migration.script());
    insert.setInt(5, migration.checksum());
    insert.setString(6, installedBy);
    insert.setInt(7, timeMs);
    insert.executeUpdate();
  }

  /** Sets a row's checksum and description to those of the current script. */
  void realign(Connection connection, int installedRank, int checksum, String description)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "UPDATE "
                + table.sql()
                + " SET checksum = ?, description = ? WHERE installed_rank = ?")) {
      statement.setInt(1, checksum);
      statement.setString(2, description);
      statement.setInt(3, installedRank);
      statement.executeUpdate();
    }
  }

  /** Deletes the rows of failed migrations. */
  void deleteFailed(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate("DELETE FROM " + table.sql() + " WHERE NOT success");
    }
  }

  /** Shortens a derived name to 63 bytes, as PostgreSQL would. */
  private static String truncate(String name) {
    String result = name;
    while (result.getBytes(StandardCharsets.UTF_8).length > SqlIdentifiers.MAX_IDENTIFIER_BYTES) {
      result = result.substring(0, result.length() - 1);
    }
    return result;
  }
}
