package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * The sequences feeding the emptied tables' columns, restarted so that seeds get the same ids every
 * time: sequences owned by a column (serial, identity) and sequences a column default calls with
 * {@code nextval}, whoever owns them. A sequence that also feeds a kept table (any table the reset
 * does not empty, in any schema) is never restarted: the kept rows would collide with new ones.
 *
 * <p>A sequence the role owns is restarted with {@code ALTER SEQUENCE ... RESTART}, which is
 * transactional: a failed reset leaves it at its old value. A role that does not own it needs
 * {@code UPDATE} on it and gets {@code setval(seq, start, false)} (the next {@code nextval} returns
 * the start value); {@code setval} is not transactional, so its old value is read first ({@code
 * SELECT} on it) and {@link Restarted#putBack} puts it back after a rollback, on a new session if
 * the reset's was lost. A table that keeps rows gets its sequence moved past the highest kept value
 * instead, so seeds do not collide with kept rows.
 */
final class ResetSequences {
  private static final String USED =
      "WITH uses AS ("
          + " SELECT d.objid AS seq, coalesce(pg_partition_root(d.refobjid), d.refobjid)::oid AS rel,"
          + "  a.attname::text AS col"
          + " FROM pg_catalog.pg_depend d"
          + " JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
          + " WHERE d.classid = 'pg_catalog.pg_class'::regclass"
          + " AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')"
          + " UNION"
          + " SELECT d.refobjid, coalesce(pg_partition_root(ad.adrelid), ad.adrelid)::oid,"
          + "  a.attname::text"
          + " FROM pg_catalog.pg_attrdef ad"
          + " JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass"
          + "  AND d.objid = ad.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass"
          + " JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum)"
          + " SELECT s.oid, n.nspname, s.relname, q.seqstart, q.seqincrement,"
          + "  pg_catalog.pg_has_role(s.relowner, 'USAGE'),"
          + "  array_agg(u.rel::int8 ORDER BY u.rel, u.col),"
          + "  array_agg(rn.nspname || '.' || r.relname ORDER BY u.rel, u.col),"
          + "  array_agg(u.col ORDER BY u.rel, u.col)"
          + " FROM uses u"
          + " JOIN pg_catalog.pg_class s ON s.oid = u.seq AND s.relkind = 'S'"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = s.relnamespace"
          + " JOIN pg_catalog.pg_sequence q ON q.seqrelid = s.oid"
          + " JOIN pg_catalog.pg_class r ON r.oid = u.rel"
          + " JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace"
          + " WHERE u.seq IN (SELECT seq FROM uses WHERE rel = ANY (?))"
          + " GROUP BY s.oid, n.nspname, s.relname, q.seqstart, q.seqincrement, s.relowner"
          + " ORDER BY n.nspname, s.relname";

  /** A column a sequence feeds. */
  record Use(long table, String tableName, String column) {}

  /**
   * A sequence to restart.
   *
   * @param owner whether the role owns it (restarted transactionally), else {@code setval}
   * @param uses the emptied tables' columns it feeds
   */
  record Sequence(
      QualifiedName sequence, long start, long increment, boolean owner, List<Use> uses) {}

  /**
   * What the plan found.
   *
   * @param restarted sequences to restart
   * @param warnings sequences left alone because kept tables use them too
   */
  record Found(List<Sequence> restarted, List<String> warnings) {}

  private ResetSequences() {}

  /** Finds the sequences feeding columns of {@code emptied}. */
  static Found of(Connection connection, List<CatalogTable> emptied) throws SQLException {
    Set<Long> emptiedOids = emptied.stream().map(CatalogTable::oid).collect(Collectors.toSet());
    Array oids = connection.createArrayOf("int8", emptiedOids.toArray());
    List<Sequence> restarted = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(USED)) {
      statement.setArray(1, oids);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          QualifiedName name = new QualifiedName(rows.getString(2), rows.getString(3));
          Object[] tables = (Object[]) rows.getArray(7).getArray();
          Object[] tableNames = (Object[]) rows.getArray(8).getArray();
          Object[] columns = (Object[]) rows.getArray(9).getArray();
          List<Use> uses = new ArrayList<>();
          List<String> kept = new ArrayList<>();
          for (int i = 0; i < tables.length; i++) {
            long table = ((Number) tables[i]).longValue();
            String column = tableNames[i] + "." + columns[i];
            if (emptiedOids.contains(table)) {
              uses.add(new Use(table, (String) tableNames[i], (String) columns[i]));
            } else if (!kept.contains(column)) {
              kept.add(column);
            }
          }
          if (!kept.isEmpty()) {
            warnings.add(
                "Sequence "
                    + name
                    + " is not restarted: kept table column(s) "
                    + String.join(", ", kept)
                    + " use it too, besides "
                    + uses.stream()
                        .map(u -> u.tableName() + "." + u.column())
                        .distinct()
                        .collect(Collectors.joining(", "))
                    + ".");
            continue;
          }
          restarted.add(
              new Sequence(name, rows.getLong(4), rows.getLong(5), rows.getBoolean(6), uses));
        }
      }
    }
    return new Found(List.copyOf(restarted), List.copyOf(warnings));
  }

  /**
   * Restarts each sequence; moves those feeding tables in {@code keeping} past the kept rows'
   * values. Records in {@code restarted} what {@code setval} changes, for {@link Restarted#putBack}
   * after a rollback.
   */
  static void restart(
      Connection connection,
      List<Sequence> sequences,
      ForeignKeyGraph graph,
      Set<Long> keeping,
      Restarted restarted)
      throws SQLException {
    try (Statement statement = connection.createStatement();
        PreparedStatement setval =
            connection.prepareStatement("SELECT pg_catalog.setval(CAST(? AS regclass), ?, ?)")) {
      for (Sequence sequence : sequences) {
        // where it ends: past the kept rows' values, else at its start
        Long kept = keptExtreme(statement, sequence, graph, keeping);
        if (sequence.owner()) {
          statement.execute("ALTER SEQUENCE " + sequence.sequence().sql() + " RESTART");
        } else {
          try (ResultSet old =
              statement.executeQuery(
                  "SELECT last_value, is_called FROM " + sequence.sequence().sql())) {
            old.next();
            restarted.old.add(
                new Old(
                    sequence.sequence(),
                    old.getLong(1),
                    old.getBoolean(2),
                    kept != null ? kept : sequence.start(),
                    kept != null));
          }
          set(setval, sequence.sequence(), sequence.start(), false);
        }
        if (kept != null) {
          set(setval, sequence.sequence(), kept, true);
        }
      }
    }
  }

  /** The highest (lowest, for a descending sequence) kept value at or beyond the start. */
  private static Long keptExtreme(
      Statement statement, Sequence sequence, ForeignKeyGraph graph, Set<Long> keeping)
      throws SQLException {
    boolean ascending = sequence.increment() > 0;
    Long extreme = null;
    for (Use use : sequence.uses()) {
      if (!keeping.contains(use.table())) {
        continue;
      }
      try (ResultSet row =
          statement.executeQuery(
              "SELECT "
                  + (ascending ? "max" : "min")
                  + "("
                  + SqlIdentifiers.quote(use.column())
                  + ")::bigint FROM "
                  + graph.table(use.table()).target())) {
        row.next();
        long value = row.getLong(1);
        boolean beyondStart = ascending ? value >= sequence.start() : value <= sequence.start();
        if (!row.wasNull()
            && beyondStart
            && (extreme == null || (ascending ? value > extreme : value < extreme))) {
          extreme = value;
        }
      }
    }
    return extreme;
  }

  private static void set(
      PreparedStatement setval, QualifiedName sequence, long value, boolean called)
      throws SQLException {
    setval.setString(1, sequence.sql());
    setval.setLong(2, value);
    setval.setBoolean(3, called);
    setval.executeQuery().close();
  }

  /**
   * A sequence as it was before {@code setval}, and the value the reset last gave it.
   *
   * @param setTo the value set, and whether {@code nextval} returns it ({@code !setCalled}) or the
   *     next one
   */
  private record Old(
      QualifiedName sequence, long lastValue, boolean called, long setTo, boolean setCalled) {

    /** {@code SELECT pg_catalog.setval('s', 50, true)}: how to put it back by hand. */
    String setvalBack() {
      return "SELECT pg_catalog.setval("
          + SqlIdentifiers.literal(sequence.sql())
          + ", "
          + lastValue
          + ", "
          + called
          + ")";
    }
  }

  /**
   * Sequences changed with {@code setval}, which a rollback does not undo, so that a failed reset
   * can put them back: on its own session after the rollback, or, when that session is lost (the
   * server terminated it, the network failed), on a new one. A client that is killed (kill -9, a
   * pod killed without grace) cannot do either; that is documented.
   */
  static final class Restarted {
    private final List<Old> old = new ArrayList<>();

    /** The reset committed: the new values stay. */
    void committed() {
      old.clear();
    }

    /**
     * Puts the sequences back after a rollback and returns {@code failure} telling the truth about
     * them: unchanged when they were put back on the reset's own session (nothing changed),
     * completed when a new session was needed or when they could not be put back (then it says
     * which sequence is left at which value, and how to put it back).
     *
     * @param connection the reset's connection, rolled back and in autocommit, or broken
     * @param dataSource where a new session comes from when {@code connection} is broken
     */
    ResetException putBack(Connection connection, DataSource dataSource, ResetException failure) {
      if (old.isEmpty()) {
        return failure;
      }
      List<String> names = old.stream().map(o -> o.sequence().toString()).toList();
      try {
        set(connection);
        return failure;
      } catch (SQLException lost) {
        try (Connection fresh = dataSource.getConnection()) {
          fresh.setAutoCommit(true);
          set(fresh);
          return amend(
              failure,
              failure.getMessage()
                  + " The reset's connection was lost, so the sequence(s) it had restarted with"
                  + " setval (which a rollback does not undo) were put back to their previous"
                  + " values on a new connection: "
                  + String.join(", ", names)
                  + ".");
        } catch (SQLException e) {
          return amend(
              failure,
              failure
                      .getMessage()
                      .replace("and nothing changed", "and nothing else changed")
                      .replace("Nothing was changed", "Nothing else was changed")
                  + " Not undone: the sequence(s) restarted with setval, which a rollback does not"
                  + " undo, could not be put back ("
                  + ServerError.of(e).describe()
                  + "): "
                  + old.stream()
                      .map(
                          o ->
                              o.sequence()
                                  + (o.setCalled()
                                      ? " was left at " + o.setTo()
                                      : " was left restarted (next value " + o.setTo() + ")")
                                  + ", it was at "
                                  + o.lastValue()
                                  + "; put it back with "
                                  + o.setvalBack())
                      .collect(Collectors.joining("; "))
                  + ". Until then the application's inserts may fail on duplicate keys.");
        }
      }
    }

    private void set(Connection connection) throws SQLException {
      try (PreparedStatement setval =
          connection.prepareStatement("SELECT pg_catalog.setval(CAST(? AS regclass), ?, ?)")) {
        for (Old sequence : old) {
          ResetSequences.set(setval, sequence.sequence(), sequence.lastValue(), sequence.called());
        }
      }
    }

    private static ResetException amend(ResetException failure, String message) {
      ResetException amended =
          new ResetException(
              failure.code(),
              failure.subject(),
              message,
              failure.isTransient(),
              failure.failure(),
              failure.getCause());
      amended.setStackTrace(failure.getStackTrace());
      return amended;
    }
  }
}
