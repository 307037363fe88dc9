package dev.pitstop.migration.impact;

import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingScript;
import dev.pitstop.migration.impact.CatalogState.Relation;
import dev.pitstop.sql.ServerMessages;
import dev.pitstop.sql.SessionState;
import dev.pitstop.sql.SessionTimeouts;
import dev.pitstop.sql.SqlStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs pending migrations on the scratch copy as {@code migrate} would run them (one transaction
 * each, or statement by statement outside one), recording after every statement what the server
 * reports: relation locks of the session ({@code pg_locks}), changed {@code relfilenode}s, indexes
 * built, constraints validated, column and relation changes; then derives the findings, sized by
 * the target.
 *
 * <p>Only relations the statement locked can have changed, so after a statement only those (and the
 * indexes of those that are tables) are read again and compared with what was read before. A
 * migration is measured in its own transaction, which is then rolled back; the migration is applied
 * again, unmeasured, in a transaction that commits, so the next one runs on its effects (the locks
 * a migration takes belong to its own transaction: one transaction for all, rolled back, would hide
 * a second lock on a table an earlier migration locked), and the relations it changed are read
 * again. One that fails is rolled back and the next one runs all the same. On the second copy of a
 * split plan ({@link PlanSplit}) the migrations the first copy measures are committed once
 * measured, and not reported. The read after a statement travels in the statement's round trip;
 * after a row statement (INSERT, UPDATE, ...) only the locks are read, unless it took a lock that
 * comes with DDL. A statement that cannot run in a transaction block (CONCURRENTLY, VACUUM...) runs
 * in autocommit; its own locks cannot be read from its session, so the documented lock is recorded,
 * marked {@code (stated)}.
 */
final class ImpactProbe {
  private ImpactProbe() {}

  /** What the probe measured and found. */
  record Result(List<ScriptImpact> scripts, List<Finding> findings) {}

  /** Suffix of a lock mode that is documented, not read from {@code pg_locks}. */
  static final String STATED = " (stated)";

  /**
   * @param scratch a session on the scratch database holding the copy of the target's schema
   * @param sizes the target's table sizes and activity, read without locks
   * @param scripts the pending migrations in order
   * @param request the run's settings (lock timeout, statement timeout)
   * @param lacking how many of the target's objects the copy lacks
   */
  static Result run(
      Connection scratch,
      TargetSizes sizes,
      List<PendingScript> scripts,
      MigrationRequest request,
      int lacking)
      throws SQLException {
    return run(scratch, sizes, scripts, request, lacking, PlanSplit.ALONE);
  }

  /**
   * As {@link #run(Connection, TargetSizes, List, MigrationRequest, int)}, for one side of a plan
   * split over two copies: the result holds the migrations this side measured.
   */
  static Result run(
      Connection scratch,
      TargetSizes sizes,
      List<PendingScript> scripts,
      MigrationRequest request,
      int lacking,
      PlanSplit.Side side)
      throws SQLException {
    Probe probe = new Probe(scratch, sizes, request, lacking);
    try {
      return probe.run(scripts, side);
    } finally {
      probe.close();
    }
  }

  /** What one statement did, as measured. */
  static final class Observed {
    final int index;
    final SqlStatement statement;

    /** Locks new in this statement: relation oid to modes. */
    final Map<Long, List<String>> newLocks = new LinkedHashMap<>();

    /** Every lock the session holds after it. */
    Map<Long, List<String>> held = Map.of();

    String lockTimeout;
    // By oid, so in the order they were created: the same on every copy
    final Map<Long, Relation> before = new TreeMap<>();
    final Map<Long, Relation> after = new TreeMap<>();
    final List<StatementImpact> impact = new ArrayList<>(1);
    boolean concurrently;

    /** Whether it ran on the copy and was measured (not left out, not failed). */
    boolean ran;

    /** Tables whose rows it read to check a partition bound (ATTACH PARTITION). */
    final Set<Long> scanned = new HashSet<>();

    /**
     * Whether it changes or copies rows ({@link Statements#isDataUpdate}, or a {@code WITH} that
     * writes a table of the target).
     */
    boolean dataUpdate;

    /** The table whose rows it changes, when that table is the target's; else 0. */
    long dataTarget;

    Observed(int index, SqlStatement statement) {
      this.index = index;
      this.statement = statement;
    }
  }

  static final class Probe {
    /**
     * Columns the plan added without a default to tables with rows on the target, with no row of
     * the table changed since: table oid, then column number and the script that added it. Every
     * row of the target has NULL there, so setting it NOT NULL fails on the target.
     */
    final Map<Long, Map<Integer, String>> unfilled = new HashMap<>();

    /**
     * Tables with rows on the target that a statement of the plan may have emptied since (a DELETE,
     * TRUNCATE, or a block or function that changed rows of it): adding a NOT NULL column without a
     * default to one is then not a certain failure.
     */
    final Set<Long> mayBeEmpty = new HashSet<>();

    private final Connection connection;
    private final TargetSizes sizes;
    private final SessionTimeouts timeouts;
    private final CatalogState catalog;
    private final Map<Long, Relation> cache = new HashMap<>();
    private final Map<Long, String> targetNames = new HashMap<>();
    private final Map<Long, Map<Integer, String>> targetColumns = new HashMap<>();
    private SessionState initial;
    private PreparedStatement resolve;
    private boolean failedBefore;

    /** Relations as they were when the current transaction started, for a rollback. */
    private final Map<Long, Relation> undo = new HashMap<>();

    private final Set<Long> created = new HashSet<>();

    /** Roles that statements not run on the copy create, as names compare. */
    private final Set<String> rolesNotCreated = new HashSet<>();

    /**
     * Every relation lock (oid:mode, TOAST included) read in this transaction: a statement's locks
     * are the ones not in it before.
     */
    private final Set<String> lockedInTransaction = new HashSet<>();

    private final int lacking;

    Probe(Connection connection, TargetSizes sizes, MigrationRequest request, int lacking) {
      this.connection = connection;
      this.sizes = sizes;
      this.lacking = lacking;
      this.timeouts =
          new SessionTimeouts(connection, request.lockTimeout(), request.statementTimeout());
      this.catalog = new CatalogState(connection);
    }

    void close() {
      catalog.close();
      timeouts.close();
      if (resolve != null) {
        try {
          resolve.close();
        } catch (SQLException e) {
          // the scratch database is dropped next
        }
      }
    }

    Result run(List<PendingScript> scripts, PlanSplit.Side side) throws SQLException {
      boolean autoCommit = connection.getAutoCommit();
      initial = SessionState.capture(connection);
      connection.setAutoCommit(true);
      timeouts.apply(false); // for the session: every migration's transaction runs with them
      for (Relation r : catalog.all().values()) {
        cache.put(r.oid(), r);
        targetNames.put(r.oid(), r.qualified());
        Map<Integer, String> columns = new HashMap<>();
        r.columns().values().stream()
            .filter(c -> !c.dropped())
            .forEach(c -> columns.put(c.attnum(), c.name()));
        targetColumns.put(r.oid(), columns);
      }
      List<ScriptImpact> impacts = new ArrayList<>();
      List<Finding> findings = new ArrayList<>();
      for (int i = 0; i < scripts.size(); i++) {
        PlanSplit.Step step = side.step(i);
        if (step == PlanSplit.Step.STOP) {
          break;
        }
        boolean measured = step == PlanSplit.Step.MEASURE;
        PendingScript script = scripts.get(i);
        List<Observed> observed = new ArrayList<>();
        Rules rules = new Rules(this, script);
        if (script.transactional()) {
          runInTransaction(script, observed, rules, measured);
        } else {
          runInAutocommit(script, observed, rules, measured);
        }
        if (!measured) {
          continue; // applied for the later migrations, which the other copy measured before
        }
        List<StatementImpact> statements = new ArrayList<>();
        observed.forEach(o -> statements.addAll(o.impact));
        impacts.add(
            new ScriptImpact(
                script.version(), script.script(), script.transactional(), statements));
        findings.addAll(rules.findings());
      }
      connection.setAutoCommit(true);
      initial.restore(connection);
      connection.setAutoCommit(autoCommit);
      return new Result(impacts, findings);
    }

    /**
     * @param rolledBack whether the transaction it is measured in is rolled back and the migration
     *     applied again (else it commits once measured: a migration the other copy measures)
     */
    private void runInTransaction(
        PendingScript script, List<Observed> observed, Rules rules, boolean rolledBack)
        throws SQLException {
      connection.setAutoCommit(false);
      startTransaction();
      Map<Long, Map<Integer, String>> unfilledBefore = copy(unfilled);
      Set<Long> mayBeEmptyBefore = new HashSet<>(mayBeEmpty);
      boolean committed = false;
      try (Statement statement = connection.createStatement()) {
        statement.setEscapeProcessing(false);
        // The run's timeouts are the session's (set at the start and after every restore); a SET
        // of the script is undone by the restore after it.
        List<SqlStatement> statements = script.statements();
        for (int i = 0; i < statements.size(); i++) {
          Observed o = new Observed(i, statements.get(i));
          observed.add(o);
          if (notRun(o, rules)) {
            continue;
          }
          if (!measure(statement, o, rules) || changedServer(o, rules)) {
            return;
          }
          o.ran = true;
          rules.statement(o);
        }
        rules.transaction(observed);
        boolean changesSession =
            script.statements().stream().anyMatch(Statements::mayChangeSession);
        if (rolledBack) {
          // Measured: the transaction is rolled back, and the migration applied again for the next.
          connection.rollback();
          committed = applyAgain(statement, observed, rules, changesSession);
        } else {
          if (changesSession) {
            restoreSession();
          }
          connection.commit();
          committed = true;
        }
      } catch (SQLException | RuntimeException e) {
        rollback();
        throw e;
      } finally {
        if (!committed) {
          // the columns it added are gone with the rollback
          unfilled.clear();
          unfilled.putAll(unfilledBefore);
          mayBeEmpty.retainAll(mayBeEmptyBefore);
        }
      }
    }

    /**
     * After the measured transaction was rolled back: runs the statements that ran in it again, in
     * a transaction that commits, so that the next migration runs on their effects, and reads the
     * relations they changed as they are now (those created have new oids). When one fails this
     * time (a migration that does not do the same twice), it is recorded as failed, its transaction
     * rolled back and what was read of it forgotten, as for a failure when measured.
     *
     * @param restoreSession whether to put the session's settings back before the commit (in the
     *     transaction: the rollback of the next measured one would undo them otherwise)
     * @return whether it committed
     */
    private boolean applyAgain(
        Statement statement, List<Observed> observed, Rules rules, boolean restoreSession)
        throws SQLException {
      List<Observed> again = observed.stream().filter(o -> o.ran).toList();
      boolean together = again.size() > 1 && again.stream().noneMatch(o -> runsAlone(o.statement));
      if (together) {
        try {
          executeTogether(statement, again);
        } catch (SQLException e) {
          // one by one below, which finds the statement that fails
          connection.rollback();
          together = false;
        }
      }
      for (Observed o : together ? List.<Observed>of() : again) {
        try {
          o.statement.execute(statement);
        } catch (SQLException e) {
          // what was measured stays shown, with the failure
          String error = failure(o, e, "applied again after it was measured: ", rules);
          o.impact.replaceAll(measured -> measured.withError(error));
          rollback();
          return false;
        }
        if (discardsPrepared(o.statement)) {
          catalog.forgetPrepared();
        }
      }
      if (restoreSession) {
        restoreSession();
      }
      connection.commit();
      readAgain();
      return true;
    }

    /** Runs the statements in one round trip (they are applied, not measured). */
    private static void executeTogether(Statement statement, List<Observed> again)
        throws SQLException {
      StringBuilder sql = new StringBuilder();
      for (Observed o : again) {
        sql.append(o.statement.sql()).append("\n;\n");
      }
      boolean isResult = statement.execute(sql.toString());
      while (isResult || statement.getUpdateCount() != -1) {
        isResult = statement.getMoreResults();
      }
    }

    /**
     * The relations the transaction changed, read again after it was applied again: a relation it
     * created has another oid now, and one it rewrote another file node. What the plan remembers by
     * oid follows the new ones.
     */
    private void readAgain() throws SQLException {
      List<Relation> made = new ArrayList<>();
      for (long oid : created) {
        Relation r = cache.remove(oid);
        if (r != null) {
          made.add(r);
        }
      }
      Map<Long, Long> renumbered = catalog.renumbered(made);
      Set<Long> changed = new LinkedHashSet<>(undo.keySet());
      undo.keySet().forEach(cache::remove);
      changed.addAll(renumbered.values());
      cache.putAll(catalog.of(changed));
      renumbered.forEach(
          (was, now) -> {
            String target = recreated.remove(was);
            if (target != null) {
              recreated.put(now, target);
            }
            if (mayBeEmpty.remove(was)) {
              mayBeEmpty.add(now);
            }
            Map<Integer, String> columns = unfilled.remove(was);
            if (columns != null) {
              unfilled.put(now, columns);
            }
          });
      undo.clear();
      created.clear();
    }

    private static Map<Long, Map<Integer, String>> copy(Map<Long, Map<Integer, String>> columns) {
      Map<Long, Map<Integer, String>> copy = new HashMap<>();
      columns.forEach((oid, added) -> copy.put(oid, new HashMap<>(added)));
      return copy;
    }

    /**
     * Runs a statement of the open transaction and observes it. When it fails, records the failure
     * and rolls the transaction back.
     *
     * @return whether it ran
     */
    private boolean measure(Statement statement, Observed o, Rules rules) throws SQLException {
      boolean attach = Statements.isAttachPartition(o.statement);
      Map<Long, Long> scansBefore = attach ? tableScans() : Map.of();
      CatalogState.Locked reading;
      try {
        reading = executeAndRead(statement, o.statement);
      } catch (SQLException e) {
        fail(o, e, rules);
        rollback();
        return false;
      }
      observe(o, reading);
      if (attach) {
        // PostgreSQL checks the rows of an attached partition (and of the default partition)
        // against the bound unless a validated constraint proves it: that scan, even of the
        // copy's empty tables, is counted in the transaction's statistics
        tableScans()
            .forEach(
                (oid, scans) -> {
                  if (scans > scansBefore.getOrDefault(oid, 0L)) {
                    o.scanned.add(oid);
                  }
                });
      }
      return true;
    }

    /** Sequential scans of each user table in the current transaction so far. */
    private Map<Long, Long> tableScans() throws SQLException {
      Map<Long, Long> scans = new HashMap<>();
      try (Statement read = connection.createStatement();
          ResultSet rows =
              read.executeQuery(
                  "SELECT c.oid::int8, pg_catalog.pg_stat_get_xact_numscans(c.oid)"
                      + " FROM pg_catalog.pg_class c"
                      + " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                      + " WHERE c.relkind = 'r' AND n.nspname <> 'information_schema'"
                      + " AND n.nspname !~ '^pg_'")) {
        while (rows.next()) {
          scans.put(rows.getLong(1), rows.getLong(2));
        }
      }
      return scans;
    }

    /**
     * Runs a statement and, in the same round trip, reads what {@link #observe} needs: the locks,
     * and the locked relations unless it is a row statement.
     */
    private CatalogState.Locked executeAndRead(Statement statement, SqlStatement s)
        throws SQLException {
      boolean locksOnly = Statements.isRowStatement(s);
      if (runsAlone(s)) {
        s.execute(statement);
        if (discardsPrepared(s)) {
          catalog.forgetPrepared();
        }
        return catalog.read(statement, locksOnly);
      }
      return catalog.executeThenRead(statement, s.sql(), locksOnly);
    }

    /**
     * Whether the statement must be sent on its own, not with the read after it or with the
     * statements around it: COPY FROM STDIN; DISCARD and DEALLOCATE, which drop the reads' prepared
     * statements; and a statement with a BEGIN ATOMIC body, which the driver would send with what
     * follows it as one command, which the server refuses.
     */
    private static boolean runsAlone(SqlStatement s) {
      return s.copyFromStdin()
          || discardsPrepared(s)
          || s.sql().toUpperCase(Locale.ROOT).contains("ATOMIC");
    }

    private static boolean discardsPrepared(SqlStatement s) {
      return s.startsWith("DISCARD") || s.startsWith("DEALLOCATE");
    }

    private void runInAutocommit(
        PendingScript script, List<Observed> observed, Rules rules, boolean rolledBack)
        throws SQLException {
      try (Statement statement = connection.createStatement()) {
        statement.setEscapeProcessing(false);
        connection.setAutoCommit(true);
        timeouts.apply(false);
        List<SqlStatement> statements = script.statements();
        for (int i = 0; i < statements.size(); i++) {
          Observed o = new Observed(i, statements.get(i));
          observed.add(o);
          if (notRun(o, rules)) {
            continue;
          }
          if (Statements.refusesTransaction(o.statement)) {
            // Runs as migrate runs it; its own locks cannot be read from this session.
            connection.setAutoCommit(true);
            startTransaction();
            boolean concurrentBuild = Statements.isConcurrentIndexBuild(o.statement);
            if (concurrentBuild) {
              timeouts.applyWithoutLockTimeout();
            }
            try {
              o.statement.execute(statement);
            } catch (SQLException e) {
              fail(o, e, rules);
              break; // as migrate: the statements before it stay applied, the rest do not run
            } finally {
              if (concurrentBuild) {
                timeouts.apply(false);
              }
            }
            observeStated(o);
          } else {
            // One statement in autocommit is one transaction: the same locks, readable here.
            connection.setAutoCommit(false);
            startTransaction();
            if (!measure(statement, o, rules) || changedServer(o, rules)) {
              break;
            }
            o.ran = true;
            if (!rolledBack) {
              connection.commit();
            } else {
              connection.rollback();
              if (!applyAgain(statement, List.of(o), rules, false)) {
                break;
              }
            }
          }
          rules.statement(o);
        }
        rules.autocommitScript(observed);
      } finally {
        connection.setAutoCommit(true);
        restoreSession();
      }
    }

    /**
     * A statement that changes what every database on the server shares (roles, databases,
     * tablespaces, ...), or names a role such a statement creates, is not run on the copy: it is
     * recorded as not run, with its finding.
     *
     * @return whether it was left out
     */
    private boolean notRun(Observed o, Rules rules) {
      String what = Statements.changesServer(o.statement);
      if (what != null) {
        String role = Statements.createdRole(o.statement);
        if (role != null) {
          rolesNotCreated.add(role);
        }
        what = "it changes " + what + ", which every database on the server shares";
      } else if (!rolesNotCreated.isEmpty()) {
        for (String token : o.statement.leadingTokens()) {
          String name = Statements.name(token);
          if (name != null && rolesNotCreated.contains(name)) {
            what = "it names role " + name + ", which a statement not run on the copy creates";
            break;
          }
        }
      }
      if (what == null) {
        return false;
      }
      recordNotRun(o, rules, what);
      return true;
    }

    private void recordNotRun(Observed o, Rules rules, String why) {
      o.impact.clear();
      o.impact.add(impact(o, List.of(), List.of(), List.of(), List.of(), null));
      rules.notRun(o, why);
    }

    /**
     * After a statement that may run anything (a DO block, a procedure, a function): whether it
     * wrote to a catalog every database on the server shares (other than the owner dependencies of
     * the copy's own objects). If so the transaction is rolled back, so that nothing of it stays on
     * the server, and the statement is recorded as not run.
     */
    private boolean changedServer(Observed o, Rules rules) throws SQLException {
      if (!Statements.mayRunAnything(o.statement)) {
        return false;
      }
      List<String> written = new ArrayList<>();
      try (Statement check = connection.createStatement();
          ResultSet rows =
              check.executeQuery(
                  "SELECT DISTINCT c.relname FROM pg_catalog.pg_locks l"
                      + " JOIN pg_catalog.pg_class c ON c.oid = l.relation"
                      + " WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation'"
                      + " AND l.database = 0 AND l.mode <> 'AccessShareLock'"
                      + " AND c.relname <> 'pg_shdepend' ORDER BY 1")) {
        while (rows.next()) {
          written.add(rows.getString(1));
        }
      }
      if (written.isEmpty()) {
        return false;
      }
      rollback();
      recordNotRun(
          o,
          rules,
          "it writes "
              + String.join(", ", written)
              + ", which every database on the server shares; its migration was rolled back on"
              + " the copy");
      return true;
    }

    /** The session as captured, with the run's timeouts for the session. */
    private void restoreSession() throws SQLException {
      initial.restore(connection);
      timeouts.apply(false);
    }

    private void fail(Observed o, SQLException e, Rules rules) {
      String error = failure(o, e, "", rules);
      o.impact.add(impact(o, List.of(), List.of(), List.of(), List.of(), error));
    }

    /**
     * Records the statement's failure with the rules.
     *
     * @param when what the server's message is prefixed with
     * @return the failure as a statement impact shows it: SQLSTATE and message
     */
    private String failure(Observed o, SQLException e, String when, Rules rules) {
      String state = e.getSQLState() == null ? "?????" : e.getSQLState();
      String message = when + ServerMessages.primary(e);
      rules.failed(o, state, message, failedBefore);
      failedBefore = true;
      return state + " " + message;
    }

    private void startTransaction() {
      undo.clear();
      created.clear();
      lockedInTransaction.clear();
    }

    private void rollback() throws SQLException {
      connection.rollback();
      cache.putAll(undo);
      created.forEach(cache::remove);
      undo.clear();
      created.clear();
    }

    /** Reads the session's locks and the state of the locked relations, and compares. */
    private void observe(Observed o, CatalogState.Locked reading) throws SQLException {
      if (Statements.isDataUpdate(o.statement)) {
        o.dataUpdate = true;
        o.dataTarget = resolveTarget(o.statement);
      }
      CatalogState.Locks locks = reading.locks();
      Map<Long, Relation> now = reading.relations();
      if (now == null) {
        // A row statement: the relations are as they were unless it took a lock that changes a
        // relation (a trigger doing DDL), read then.
        now =
            takesRelationChangingLock(locks)
                ? catalog.of(locks.modes().keySet())
                : unchanged(locks.modes().keySet());
      }
      o.lockTimeout = locks.lockTimeout();
      Map<Long, List<String>> held = new LinkedHashMap<>();
      for (Map.Entry<Long, List<String>> e : locks.modes().entrySet()) {
        long oid = e.getKey();
        // TOAST, or a relation created and dropped by the statement: remembered, not reported.
        boolean user = now.containsKey(oid) || cache.containsKey(oid);
        if (user) {
          held.put(oid, e.getValue());
        }
        for (String mode : e.getValue()) {
          if (lockedInTransaction.add(oid + ":" + mode) && user) {
            o.newLocks.computeIfAbsent(oid, k -> new ArrayList<>()).add(mode);
          }
        }
      }
      o.held = held;
      if (Statements.isSchemaRename(o.statement)) {
        // its relations were renamed without a lock: read them all
        now = new HashMap<>(now);
        now.putAll(catalog.all());
      }
      compare(o, held.keySet(), now);
      if (o.statement.startsWith("WITH")) {
        // A data-modifying WITH: which tables it writes is read from its locks.
        o.dataTarget = writtenTargetTable(o);
        o.dataUpdate = o.dataTarget != 0;
      }
    }

    /**
     * The largest non-empty table of the target the statement took ROW EXCLUSIVE on (the lock of
     * INSERT, UPDATE, DELETE and MERGE), or 0. When it took none that the transaction did not hold
     * already, one held from before counts if the statement's leading words include one of those.
     */
    private long writtenTargetTable(Observed o) {
      long written = largestWritten(o.newLocks);
      boolean writes =
          o.statement.hasLeadingWord("UPDATE")
              || o.statement.hasLeadingWord("DELETE")
              || o.statement.hasLeadingWord("INSERT")
              || o.statement.hasLeadingWord("MERGE");
      return written == 0 && writes ? largestWritten(o.held) : written;
    }

    private long largestWritten(Map<Long, List<String>> locks) {
      long written = 0;
      long rows = -1;
      for (Map.Entry<Long, List<String>> e : locks.entrySet()) {
        Relation r = cache.get(e.getKey());
        TargetSizes.Table t =
            r == null || r.isIndex() || !e.getValue().contains("RowExclusiveLock")
                ? null
                : nonEmptyTargetTable(e.getKey(), r);
        if (t != null && t.rows() > rows) {
          written = e.getKey();
          rows = t.rows();
        }
      }
      return written;
    }

    /** Lock modes that come with a change of a relation's catalog state (DDL), not with rows. */
    private static final Set<String> RELATION_CHANGING =
        Set.of(
            "ShareUpdateExclusiveLock",
            "ShareLock",
            "ShareRowExclusiveLock",
            "ExclusiveLock",
            "AccessExclusiveLock");

    /** Whether the last statement took such a lock on any relation, TOAST included. */
    private boolean takesRelationChangingLock(CatalogState.Locks locks) {
      for (Map.Entry<Long, List<String>> e : locks.modes().entrySet()) {
        for (String mode : e.getValue()) {
          if (RELATION_CHANGING.contains(mode)
              && !lockedInTransaction.contains(e.getKey() + ":" + mode)) {
            return true;
          }
        }
      }
      return false;
    }

    /** The locked relations as last read: a row statement left them as they were. */
    private Map<Long, Relation> unchanged(Set<Long> locked) {
      Map<Long, Relation> now = new HashMap<>();
      for (long oid : locked) {
        Relation r = cache.get(oid);
        if (r != null) {
          now.put(oid, r);
        }
      }
      return now;
    }

    /** After a statement run in autocommit: the whole schema read again, locks as documented. */
    private void observeStated(Observed o) throws SQLException {
      o.concurrently = o.statement.hasLeadingWord("CONCURRENTLY");
      Map<Long, Relation> now = catalog.all();
      Set<Long> oids = new LinkedHashSet<>(cache.keySet());
      oids.addAll(now.keySet());
      compare(o, oids, now);
      String mode = o.concurrently ? "ShareUpdateExclusiveLock" : "AccessExclusiveLock";
      Set<Long> tables = new LinkedHashSet<>();
      for (long oid : o.after.keySet()) {
        Relation b = o.before.get(oid);
        Relation a = o.after.get(oid);
        if (b != null && a != null && b.equals(a)) {
          continue;
        }
        Relation r = a != null ? a : b;
        tables.add(r.isIndex() ? r.table() : oid);
      }
      for (long oid : o.before.keySet()) {
        if (!o.after.containsKey(oid)) {
          Relation r = o.before.get(oid);
          tables.add(r.isIndex() ? r.table() : oid);
        }
      }
      for (long table : tables) {
        o.newLocks.put(table, List.of(mode + STATED));
      }
      o.held = o.newLocks;
      o.lockTimeout = timeouts.lockTimeoutMs();
    }

    private void compare(Observed o, Set<Long> locked, Map<Long, Relation> now) {
      Set<Long> oids = new LinkedHashSet<>();
      for (long oid : locked) {
        if (cache.containsKey(oid) || now.containsKey(oid)) {
          oids.add(oid);
        }
      }
      oids.addAll(now.keySet());
      for (long oid : oids) {
        Relation before = cache.get(oid);
        Relation after = now.get(oid);
        if (before == null && after == null) {
          continue;
        }
        if (!undo.containsKey(oid) && !created.contains(oid)) {
          if (before != null) {
            undo.put(oid, before);
          } else {
            created.add(oid);
          }
        }
        if (before != null) {
          o.before.put(oid, before);
        }
        if (after != null) {
          o.after.put(oid, after);
          cache.put(oid, after);
        } else {
          cache.remove(oid);
        }
      }
    }

    private long resolveTarget(SqlStatement s) throws SQLException {
      String name = Statements.dataTargetName(s);
      if (name == null) {
        return 0;
      }
      if (resolve == null) {
        resolve =
            connection.prepareStatement("SELECT COALESCE(pg_catalog.to_regclass(?)::int8, 0)");
      }
      resolve.setString(1, name);
      try (ResultSet row = resolve.executeQuery()) {
        return row.next() ? row.getLong(1) : 0;
      } catch (SQLException e) {
        return 0;
      }
    }

    // ---- what the rules need to know about relations

    /** The relation as named on the target, or null when the plan created it. */
    String targetName(long oid) {
      return targetNames.get(oid);
    }

    /**
     * Tables and views of the target the plan dropped, by the name they had when dropped, and the
     * relations the plan created again under such a name: the running application uses them by that
     * name, so dropping one again breaks it (PS109) although the plan created it.
     */
    final Map<String, String> droppedTargets = new HashMap<>();

    final Map<Long, String> recreated = new HashMap<>();

    /** The name to show: as on the target, else the current one. */
    String display(long oid, Relation known) {
      String target = targetNames.get(oid);
      if (target != null) {
        return target;
      }
      Relation r = cache.get(oid);
      if (r == null) {
        r = known;
      }
      return r == null ? "relation " + oid : r.qualified();
    }

    /** The target's table (the table of an index), when it exists there and has rows. */
    TargetSizes.Table nonEmptyTargetTable(long oid, Relation known) {
      Relation r = known != null ? known : cache.get(oid);
      long table = r != null && r.isIndex() ? r.table() : oid;
      TargetSizes.Table t = sizes.table(targetNames.get(table));
      return t != null && t.nonEmpty() ? t : null;
    }

    TargetSizes sizes() {
      return sizes;
    }

    /**
     * Whether values of this type have a default of their own (a domain's), which fills a column
     * added without one. Read only for a column added NOT NULL without a default.
     */
    boolean typeHasDefault(long typeId) {
      try (PreparedStatement read =
          connection.prepareStatement(
              "SELECT t.typdefaultbin IS NOT NULL FROM pg_catalog.pg_type t"
                  + " WHERE t.oid = ?::pg_catalog.oid")) {
        read.setLong(1, typeId);
        try (ResultSet row = read.executeQuery()) {
          return row.next() && row.getBoolean(1);
        }
      } catch (SQLException e) {
        return true; // unknown: no finding rather than a wrong one
      }
    }

    /**
     * Whether type {@code typeId} is the domain named {@code domain} (as a statement wrote it) or a
     * domain over it. Read only for the columns an {@code ALTER DOMAIN ... SET NOT NULL} finds
     * unfilled.
     */
    boolean typeIsOrIsOverDomain(long typeId, String domain) {
      try (PreparedStatement read =
          connection.prepareStatement(
              "WITH RECURSIVE chain(oid) AS (SELECT ?::pg_catalog.oid UNION ALL"
                  + " SELECT t.typbasetype FROM pg_catalog.pg_type t JOIN chain c ON t.oid = c.oid"
                  + " WHERE t.typtype = 'd')"
                  + " SELECT EXISTS (SELECT 1 FROM chain"
                  + " WHERE oid = pg_catalog.to_regtype(?)::pg_catalog.oid)")) {
        read.setLong(1, typeId);
        read.setString(2, domain);
        try (ResultSet row = read.executeQuery()) {
          return row.next() && row.getBoolean(1);
        }
      } catch (SQLException e) {
        return false; // unknown: no finding rather than a wrong one
      }
    }

    /** How many of the target's objects the copy lacks. */
    int lacking() {
      return lacking;
    }

    Map<Integer, String> targetColumns(long oid) {
      return targetColumns.getOrDefault(oid, Map.of());
    }

    /** As it was when the current transaction started; null when created in it. */
    Relation atTransactionStart(long oid) {
      if (undo.containsKey(oid)) {
        return undo.get(oid);
      }
      return created.contains(oid) ? null : cache.get(oid);
    }

    StatementImpact impact(
        Observed o,
        List<LockTaken> locks,
        List<String> rewritten,
        List<String> indexes,
        List<String> constraints,
        String error) {
      return new StatementImpact(
          o.index + 1,
          o.statement.line(),
          Statements.display(o.statement.sql()),
          locks,
          rewritten,
          indexes,
          constraints,
          error);
    }
  }
}
