package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks, after the tables are emptied and before seeds run and the transaction commits, that the
 * reset did what its plan said, because a statement that succeeds can still leave it incomplete: a
 * BEFORE DELETE trigger returning NULL (a soft delete) or a {@code DO INSTEAD} rule keeps rows, a
 * delete trigger on one table writes into a table emptied earlier, row-level security hides rows
 * from the DELETE, or a trigger deletes rows the reset keeps.
 *
 * <ul>
 *   <li>every emptied table holds no row but its kept ones ({@code preserveRows}), and no emptied
 *       table is subject to row-level security (its DELETE and this check could miss rows);
 *   <li>every kept row of an emptied table is still there;
 *   <li>no row was deleted or updated, in this transaction, in any table it does not empty, in any
 *       schema (preserved tables, history tables, tables of other schemas, whether they reference
 *       the emptied ones or not), whether by a trigger, a rule, or an {@code ON DELETE CASCADE /
 *       SET NULL / SET DEFAULT} key whose referencing rows appeared after the plan. Rows added to
 *       kept tables (an audit trigger) are fine. This part reads the transaction's own statistics
 *       ({@code pg_stat_xact_user_tables}), so it needs {@code track_counts} (on by default) and is
 *       not fooled by other sessions.
 * </ul>
 *
 * A failure is a {@link ResetErrorCode#INCOMPLETE_RESET} naming the table and the likely cause; the
 * caller's transaction is then rolled back.
 */
final class ResetVerification {
  /**
   * Per table (partitions added to their root): rows deleted, inserted and updated by this
   * transaction so far, by any statement it ran: the engine's own, and the triggers, rules and
   * foreign-key actions they set off.
   */
  private static final String TRANSACTION_ACTIVITY =
      "SELECT r.oid, n.nspname, r.relname, r.relpersistence = 't', sum(s.n_tup_del)::bigint,"
          + " sum(s.n_tup_ins)::bigint, sum(s.n_tup_upd)::bigint"
          + " FROM pg_catalog.pg_stat_xact_user_tables s"
          + " JOIN pg_catalog.pg_class r ON r.oid = coalesce(pg_partition_root(s.relid), s.relid)"
          + " JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace"
          + " WHERE s.n_tup_del > 0 OR s.n_tup_ins > 0 OR s.n_tup_upd > 0"
          + " GROUP BY 1, 2, 3, 4";

  /** What this transaction did to one table so far. */
  private record Activity(
      QualifiedName name, boolean temporary, long deleted, long inserted, long updated) {}

  private final Connection connection;
  private final PlannedReset planned;
  private final Map<Long, Long> keptRows = new HashMap<>();

  /**
   * The counts at the start, before the reset changed anything: a session's counts are those of all
   * its transactions since it last reported its statistics (when it was idle), so a pooled session
   * carries what earlier work on it did.
   */
  private Map<Long, Activity> baseline = Map.of();

  private ResetVerification(Connection connection, PlannedReset planned) {
    this.connection = connection;
    this.planned = planned;
  }

  /** Counts what must survive; call after planning and before emptying. */
  static ResetVerification before(Connection connection, PlannedReset planned) throws SQLException {
    ResetVerification verification = new ResetVerification(connection, planned);
    verification.baseline = verification.counts();
    if (planned.kept() != null) {
      for (long oid : planned.keeping()) {
        verification.keptRows.put(oid, planned.kept().count(planned.graph().table(oid)));
      }
    }
    return verification;
  }

  /** Checks the emptied and the kept tables; call after emptying, before seeding. */
  void verify() throws SQLException {
    Map<Long, Activity> activity = transactionActivity();
    Set<Long> emptied = new LinkedHashSet<>();
    planned.truncated().forEach(t -> emptied.add(t.oid()));
    planned.order().order().forEach(t -> emptied.add(t.oid()));
    for (long oid : emptied) {
      CatalogTable table = planned.graph().table(oid);
      if (rowSecurityActive(oid)) {
        throw incomplete(
            table,
            table.name()
                + " is subject to row-level security for role "
                + currentUser()
                + " (FORCE ROW LEVEL SECURITY, or a role that does not own it and lacks BYPASSRLS),"
                + " so its policies can hide rows from the DELETE and from this check; reset as"
                + " its owner or a role with BYPASSRLS, or disable the forced policies.");
      }
      boolean keeping = planned.keeping().contains(oid);
      if (planned.unreadable().contains(oid)) {
        // The role may not read it, and it has no DELETE trigger or rule that could keep rows:
        // a second DELETE deletes (and counts) what was written into it after it was emptied.
        long written = deleteAgain(table);
        if (written > 0) {
          List<String> causes = causes(table, activity, emptied);
          if (causes.isEmpty()) {
            causes.add("another session may have inserted them while the reset ran");
          }
          throw incomplete(
              table,
              table.name()
                  + " had "
                  + written
                  + " row(s) again after it was emptied: "
                  + String.join("; ", causes)
                  + ".",
              causes.get(0).startsWith("another session"));
        }
        continue;
      }
      long left =
          count(
              "SELECT count(*) FROM "
                  + table.target()
                  + " t"
                  + (keeping ? " WHERE NOT " + KeptRows.isKept("t") : ""));
      if (left > 0) {
        List<String> causes = causes(table, activity, emptied);
        boolean concurrent = causes.isEmpty();
        if (concurrent) {
          causes.add("another session may have inserted them while the reset ran");
        }
        throw incomplete(
            table,
            table.name()
                + " still has "
                + left
                + " row(s) after it was emptied: "
                + String.join("; ", causes)
                + ".",
            concurrent);
      }
      if (keeping) {
        long before = keptRows.getOrDefault(oid, 0L);
        long after = planned.kept().count(table);
        if (after < before) {
          throw incomplete(
              table,
              (before - after)
                  + " of the "
                  + before
                  + " kept row(s) of "
                  + table.name()
                  + " were deleted or changed during the reset: a trigger or rule on an emptied"
                  + " table, or a concurrent session, touched them.");
        }
      }
    }
    keptTablesUnchanged(activity, emptied);
  }

  /**
   * Fails if this transaction deleted or updated rows of any table it does not empty, in any
   * schema: a reset never changes a kept table. Rows inserted into one (an audit trigger) are fine.
   * The session's own temporary tables are nobody else's data and are left out.
   */
  private void keptTablesUnchanged(Map<Long, Activity> activity, Set<Long> emptied)
      throws SQLException {
    List<Map.Entry<Long, Activity>> changed =
        activity.entrySet().stream()
            .filter(e -> !emptied.contains(e.getKey()) && !e.getValue().temporary())
            .filter(e -> e.getValue().deleted() > 0 || e.getValue().updated() > 0)
            .sorted(Map.Entry.comparingByValue(Comparator.comparing(a -> a.name().toString())))
            .toList();
    if (changed.isEmpty()) {
      return;
    }
    String userCode = withUserCode(emptied);
    List<String> parts = new ArrayList<>();
    boolean onlyConcurrent = true;
    for (Map.Entry<Long, Activity> entry : changed) {
      Activity counts = entry.getValue();
      List<String> causes = new ArrayList<>(foreignKeyActions(entry.getKey(), counts, emptied));
      if (causes.isEmpty() || !userCode.isEmpty()) {
        onlyConcurrent = false;
        causes.add(
            (userCode.isEmpty()
                    ? "a trigger or rule the reset set off "
                    : "a DELETE trigger or rule on an emptied table ")
                + (counts.deleted() > 0 ? "deletes from it" : "changes it")
                + userCode);
      }
      // n_tup_upd counts updates, not rows: one row updated twice counts 2.
      String updated = "updated " + counts.updated() + " time(s)";
      parts.add(
          (counts.deleted() == 0
                  ? "rows of kept table " + counts.name() + " were " + updated
                  : counts.deleted()
                      + " row(s) of kept table "
                      + counts.name()
                      + " were deleted"
                      + (counts.updated() > 0 ? ", and its rows " + updated + "," : ""))
              + " during the reset: "
              + String.join(", or ", causes));
    }
    String first = changed.get(0).getValue().name().toString();
    throw new ResetException(
        ResetErrorCode.INCOMPLETE_RESET,
        first,
        "The reset was not complete: a reset never changes a kept table, but "
            + String.join("; ", parts)
            + (onlyConcurrent
                ? "; retry when the application has stopped writing, or empty those tables too."
                : "; preserve or empty both, or change the trigger or rule.")
            + " The reset was rolled back and nothing changed.",
        onlyConcurrent,
        new ResetFailure(first, null, 0, null, null, null),
        null);
  }

  /**
   * The foreign keys of a kept table into emptied ones whose ON DELETE action can have changed it:
   * the plan found no referencing rows, so another session inserted them while the reset ran.
   */
  private List<String> foreignKeyActions(long oid, Activity counts, Set<Long> emptied) {
    List<String> causes = new ArrayList<>();
    for (ForeignKey key : planned.graph().foreignKeys()) {
      boolean acts =
          (counts.deleted() > 0 && key.onDelete() == 'c')
              || (counts.updated() > 0 && (key.onDelete() == 'n' || key.onDelete() == 'd'));
      if (key.child() == oid && emptied.contains(key.parent()) && acts) {
        causes.add(
            "its foreign key "
                + key.name()
                + " (ON DELETE "
                + key.onDeleteText()
                + ") acted on rows referencing "
                + planned.graph().table(key.parent()).name()
                + " that another session inserted while the reset ran");
      }
    }
    return causes;
  }

  /** The likely causes of rows left in {@code table} that the catalog or statistics show. */
  private List<String> causes(CatalogTable table, Map<Long, Activity> activity, Set<Long> emptied)
      throws SQLException {
    List<String> causes = new ArrayList<>();
    List<String> rules =
        names(
            "SELECT rulename FROM pg_catalog.pg_rewrite WHERE ev_class = ? AND ev_type = '4'"
                + " AND is_instead AND ev_enabled <> 'D' ORDER BY rulename",
            table.oid());
    if (!rules.isEmpty()) {
      causes.add(
          "the DO INSTEAD rule(s) "
              + String.join(", ", rules)
              + " on DELETE replace the delete (a soft delete)");
    }
    List<String> triggers =
        names(
            "SELECT tgname FROM pg_catalog.pg_trigger WHERE tgrelid = ? AND NOT tgisinternal"
                + " AND tgenabled <> 'D' AND tgtype & 11 = 11 ORDER BY tgname",
            table.oid());
    if (!triggers.isEmpty()) {
      causes.add(
          "the BEFORE DELETE trigger(s) "
              + String.join(", ", triggers)
              + " can skip the delete by returning NULL (a soft delete)");
    }
    Activity counts = activity.get(table.oid());
    if (counts != null && counts.inserted() > 0) {
      causes.add(
          counts.inserted()
              + " row(s) were inserted into it during the reset, after it was emptied: a delete"
              + " trigger or rule on a table emptied after it writes into it"
              + withUserCode(emptied)
              + "; preserve it, or empty the writing table too and change the trigger");
    }
    return causes;
  }

  /** {@code " (tables with DELETE triggers or rules: a, b)"}, or nothing. */
  private String withUserCode(Set<Long> emptied) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT c.oid FROM pg_catalog.pg_class c WHERE c.oid = ANY (?) AND (EXISTS (SELECT 1"
                + " FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal"
                + " AND t.tgenabled <> 'D' AND t.tgtype & 8 = 8) OR EXISTS (SELECT 1"
                + " FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.ev_type = '4'))")) {
      statement.setArray(1, connection.createArrayOf("int8", emptied.toArray()));
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          tables.add(planned.graph().table(rows.getLong(1)).name().toString());
        }
      }
    }
    tables.sort(null);
    return tables.isEmpty()
        ? ""
        : " (emptied tables with DELETE triggers or rules: " + String.join(", ", tables) + ")";
  }

  /** What this transaction did so far, per table (partitions added to their root). */
  /** What this transaction did since {@link #before}: the counts less the baseline. */
  private Map<Long, Activity> transactionActivity() throws SQLException {
    Map<Long, Activity> activity = new HashMap<>();
    counts()
        .forEach(
            (oid, now) -> {
              Activity was = baseline.get(oid);
              Activity since =
                  was == null
                      ? now
                      : new Activity(
                          now.name(),
                          now.temporary(),
                          now.deleted() - was.deleted(),
                          now.inserted() - was.inserted(),
                          now.updated() - was.updated());
              if (since.deleted() > 0 || since.inserted() > 0 || since.updated() > 0) {
                activity.put(oid, since);
              }
            });
    return activity;
  }

  /** The session's counts as {@code pg_stat_xact_user_tables} gives them now. */
  private Map<Long, Activity> counts() throws SQLException {
    Map<Long, Activity> activity = new HashMap<>();
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(TRANSACTION_ACTIVITY)) {
      while (rows.next()) {
        activity.put(
            rows.getLong(1),
            new Activity(
                new QualifiedName(rows.getString(2), rows.getString(3)),
                rows.getBoolean(4),
                rows.getLong(5),
                rows.getLong(6),
                rows.getLong(7)));
      }
    }
    return activity;
  }

  private boolean rowSecurityActive(long oid) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT pg_catalog.row_security_active(CAST(? AS oid))")) {
      statement.setLong(1, oid);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  private String currentUser() throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT current_user")) {
      row.next();
      return row.getString(1);
    }
  }

  private long deleteAgain(CatalogTable table) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      return statement.executeLargeUpdate("DELETE FROM " + table.target());
    }
  }

  private long count(String sql) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  private List<String> names(String sql, long oid) throws SQLException {
    List<String> names = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setLong(1, oid);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          names.add(rows.getString(1));
        }
      }
    }
    return names;
  }

  private static ResetException incomplete(CatalogTable table, String message) {
    return incomplete(table, message, false);
  }

  /**
   * @param transientError whether retrying may help (rows that only another session can have
   *     inserted)
   */
  private static ResetException incomplete(
      CatalogTable table, String message, boolean transientError) {
    return new ResetException(
        ResetErrorCode.INCOMPLETE_RESET,
        table.name().toString(),
        "The reset was not complete: "
            + message
            + " The reset was rolled back and nothing changed.",
        transientError,
        new ResetFailure(table.name().toString(), null, 0, null, null, null),
        null);
  }
}
