package dev.pitstop.migration.impact;

import dev.pitstop.sql.ServerMessages;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the schema of the target, without data, into a scratch database, from the target's
 * catalogs only: it takes no lock on any table, index, view or sequence of the target.
 *
 * <p>The target is read in one read-only transaction (one snapshot of its catalogs); see {@link
 * CatalogReader} for what is read and how. On the scratch side every object is created in its own
 * savepoint, so one that fails does not stop the others; objects that failed are tried again while
 * that makes progress (an object may depend on one created later, e.g. a function returning a
 * table's row type), and what still fails is returned. A table that still fails is then tried
 * without its column defaults, each default set on its own, so one the scratch server refuses (a
 * function it lacks) costs the copy that default, not the table.
 */
final class SchemaCopy {
  private static final Logger LOG = LoggerFactory.getLogger(SchemaCopy.class);

  private SchemaCopy() {}

  /**
   * @param target a session on the target (only catalogs are read), idle in autocommit mode
   * @param scratch a session on the empty scratch database
   * @return objects that could not be reproduced, each as "kind name" (e.g. "extension postgis")
   */
  static List<String> copy(Connection target, Connection scratch) throws SQLException {
    return copy(read(target, scratch), scratch);
  }

  /**
   * Reads the target's schema as it can be copied to the server of {@code scratch} (with the
   * extensions that server has), for one copy or several identical ones.
   *
   * @param target a session on the target (only catalogs are read), idle in autocommit mode
   * @param scratch a session on the scratch server
   */
  static CatalogReader.Schema read(Connection target, Connection scratch) throws SQLException {
    return readTarget(target, availableExtensions(scratch));
  }

  /**
   * Creates a schema {@link #read} on a scratch database of the same server.
   *
   * @return objects that could not be reproduced, each as "kind name"
   */
  static List<String> copy(CatalogReader.Schema schema, Connection scratch) throws SQLException {
    List<String> notCopied = new ArrayList<>(schema.notCopied());
    notCopied.addAll(create(scratch, schema.objects(), schema.skipped()));
    notCopied.addAll(otherVersions(scratch, schema.extensionVersions()));
    return notCopied;
  }

  /** Reads the target's schema in one read-only transaction, leaving the session as it was. */
  static CatalogReader.Schema readTarget(Connection target, Set<String> available)
      throws SQLException {
    boolean autoCommit = target.getAutoCommit();
    target.setAutoCommit(false);
    try {
      try (Statement statement = target.createStatement()) {
        statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        statement.execute("SET LOCAL search_path = pg_catalog");
        statement.execute("SET LOCAL lock_timeout = '" + CatalogReader.DEPARSE_LOCK_TIMEOUT + "'");
      }
      return CatalogReader.read(target, available);
    } finally {
      target.rollback();
      target.setAutoCommit(autoCommit);
    }
  }

  /** The copy's extensions whose version is not the target's (the scratch server lacked it). */
  private static List<String> otherVersions(Connection scratch, Map<String, String> target)
      throws SQLException {
    List<String> differ = new ArrayList<>();
    try (Statement statement = scratch.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "SELECT extname, extversion FROM pg_catalog.pg_extension ORDER BY oid")) {
      while (rows.next()) {
        String version = target.get(rows.getString(1));
        if (version != null && !version.equals(rows.getString(2))) {
          differ.add(
              "extension "
                  + rows.getString(1)
                  + " "
                  + version
                  + " (the copy has "
                  + rows.getString(2)
                  + ": the scratch server cannot create "
                  + version
                  + ")");
        }
      }
    }
    return differ;
  }

  private static Set<String> availableExtensions(Connection scratch) throws SQLException {
    Set<String> names = new HashSet<>();
    try (Statement statement = scratch.createStatement();
        ResultSet rows =
            statement.executeQuery("SELECT name FROM pg_catalog.pg_available_extensions")) {
      while (rows.next()) {
        names.add(rows.getString(1));
      }
    }
    return names;
  }

  /** Creates the objects on the scratch database; returns the labels of those it could not. */
  private static List<String> create(
      Connection scratch, List<SchemaObject> objects, Set<String> skipped) throws SQLException {
    boolean autoCommit = scratch.getAutoCommit();
    scratch.setAutoCommit(false);
    boolean done = false;
    try {
      try (Statement statement = scratch.createStatement()) {
        statement.execute("SET LOCAL check_function_bodies = off");
        statement.execute("SET LOCAL search_path = pg_catalog");
        statement.execute("SET LOCAL client_min_messages = warning");
      }
      Map<SchemaObject, String> failed = new LinkedHashMap<>();
      List<SchemaObject> pending = objects;
      boolean inParts = false;
      while (true) {
        failed.clear();
        for (SchemaObject object : pending) {
          String error = createOne(scratch, object);
          if (error != null) {
            failed.put(object, error);
          }
        }
        boolean progress = !failed.isEmpty() && failed.size() < pending.size();
        if (!progress
            && !inParts
            && failed.keySet().stream().anyMatch(o -> !o.fallback().isEmpty())) {
          // no more progress whole: what can be made in parts is tried so, once
          inParts = true;
          pending = new ArrayList<>();
          for (SchemaObject object : failed.keySet()) {
            pending.addAll(object.fallback().isEmpty() ? List.of(object) : object.fallback());
          }
          continue;
        }
        if (!progress) {
          break;
        }
        pending = new ArrayList<>(failed.keySet());
      }
      scratch.commit();
      done = true;
      // what belongs to a table (or view) that is missing is not listed on its own
      Set<String> missing = new HashSet<>(skipped);
      failed.keySet().forEach(o -> missing.add(o.name()));
      List<String> notCopied = new ArrayList<>();
      failed.forEach(
          (object, error) -> {
            LOG.debug("The plan's schema copy lacks {}: {}", object.label(), error);
            if (object.table() == null || !missing.contains(object.table())) {
              notCopied.add(object.label() + " (the scratch server refused it: " + error + ")");
            }
          });
      return notCopied;
    } finally {
      if (!done) {
        scratch.rollback();
      }
      scratch.setAutoCommit(autoCommit);
    }
  }

  /** Runs one object's statements in a savepoint; returns the error, or null when created. */
  private static String createOne(Connection scratch, SchemaObject object) throws SQLException {
    try (Statement statement = scratch.createStatement()) {
      statement.execute("SAVEPOINT pitstop_copy");
      try {
        for (String sql : object.statements()) {
          statement.execute(sql);
        }
        statement.execute("RELEASE SAVEPOINT pitstop_copy");
        return null;
      } catch (SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.startsWith("08") || state.startsWith("57")) {
          throw e; // the session is gone or the copy was cancelled
        }
        statement.execute("ROLLBACK TO SAVEPOINT pitstop_copy");
        statement.execute("RELEASE SAVEPOINT pitstop_copy");
        return ServerMessages.describe(e);
      }
    }
  }
}
