package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlErrorKind;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import dev.pitstop.sql.Transactions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Versioned SQL migrations with a Flyway-compatible history table, as five verbs: {@link #info},
 * {@link #validate}, {@link #migrate}, {@link #repair} and {@link #baseline}. Plain JDBC, safe to
 * call from several threads and processes at once: runs on one database serialise on an advisory
 * lock per history table. Each call uses at most two connections from the data source (a work
 * session and, for {@code migrate}, {@code repair} and {@code baseline}, a lock session), so a pool
 * needs room for two.
 *
 * <p>Every verb throws {@link MigrationException} on failure; {@link
 * MigrationException#isTransient()} tells whether retrying later may help.
 */
public final class MigrationEngine {

  /** Problems of a pending script's text: refused once the script is known to be pending. */
  private static final java.util.Set<ErrorCode> SCRIPT_PROBLEMS =
      java.util.Set.of(
          ErrorCode.TRANSACTION_CONTROL, ErrorCode.INVALID_SCRIPT, ErrorCode.UNSET_PLACEHOLDER);

  private final DataSource dataSource;

  /** Creates an engine on a data source; connections are opened per call and closed after it. */
  public MigrationEngine(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Shows applied and pending migrations and any problems; changes nothing, takes no lock, and does
   * not create the history table. Used for validate-only runs and approval plans.
   */
  public MigrationInfo info(MigrationRequest request) {
    MigrationResolver.Resolved checked = resolveWithoutSession(request);
    try (Connection work = dataSource.getConnection()) {
      SessionInfo session = SessionInfo.read(work);
      List<ResolvedMigration> scripts = resolve(request, session, checked).migrations();
      return plan(
              work, request, scripts, session, new MigrationHistory(historyTable(request, session)))
          .info();
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /**
   * The plan of {@link #info} with the pending scripts themselves, as {@code migrate} would run
   * them now; changes nothing and takes no lock. Used by lock-impact plans.
   */
  public PendingWork pendingWork(MigrationRequest request) {
    MigrationResolver.Resolved checked = resolveWithoutSession(request);
    try (Connection work = dataSource.getConnection()) {
      SessionInfo session = SessionInfo.read(work);
      List<ResolvedMigration> scripts = resolve(request, session, checked).migrations();
      MigrationPlan plan =
          plan(
              work,
              request,
              scripts,
              session,
              new MigrationHistory(historyTable(request, session)));
      List<PendingScript> pending = new ArrayList<>();
      for (ResolvedMigration m : plan.toApply()) {
        if (m.problem() != null) {
          throw m.problem();
        }
        pending.add(
            new PendingScript(
                m.versionText(),
                m.description(),
                m.script(),
                m.transactional(session.serverVersionNum()),
                m.statements()));
      }
      return new PendingWork(plan.info(), pending);
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /**
   * Checks applied scripts against the given ones (missing scripts, changed checksums or names,
   * failed rows, out-of-order versions, unknown target); changes nothing. Pending scripts are not
   * problems.
   */
  public ValidateResult validate(MigrationRequest request) {
    return new ValidateResult(info(request).issues());
  }

  /** Applies pending migrations; see {@link #migrate(MigrationRequest, MigrationListener)}. */
  public MigrateResult migrate(MigrationRequest request) {
    return migrate(request, MigrationListener.NONE);
  }

  /**
   * Takes the lock (waiting for another runner, reported to the listener), creates the history
   * table if missing (only in an empty schema, or with a baseline row under {@link
   * MigrationRequest#baselineOnMigrate()}; otherwise {@link ErrorCode#NON_EMPTY_SCHEMA}),
   * validates, realigns checksums if the request says {@code REPAIR}, then applies each pending
   * migration in its own transaction (or statement by statement when it cannot run in one) and
   * records it. SQL callbacks run as Flyway runs them: {@code beforeMigrate} and {@code
   * afterMigrate} (also when nothing is pending) each in its own transaction, {@code
   * beforeEachMigrate} and {@code afterEachMigrate} in each migration's transaction, {@code
   * afterMigrateApplied} when something was applied, and {@code afterMigrateError} after a failed
   * migration was rolled back. A refused request runs none.
   *
   * @throws MigrationException for validation problems (nothing applied), a failed script ({@link
   *     ErrorCode#SCRIPT_FAILED} with {@link MigrationException#failure()} and {@link
   *     MigrationException#partialResult()}), a lock wait timeout or a database error
   */
  public MigrateResult migrate(MigrationRequest request, MigrationListener listener) {
    long start = System.nanoTime();
    return underLock(
        request,
        listener,
        locked -> {
          Connection work = locked.work();
          SessionInfo session = locked.session();
          MigrationHistory history = locked.history();
          List<ResolvedMigration> scripts = locked.scripts().migrations();
          if (!history.exists(work)) {
            refuseNewHistory(work, history, session, scripts);
            // What the files alone make impossible (e.g. a target version no file has) and a
            // non-empty schema are refused before the history table is created: a refused request
            // changes nothing.
            MigrationPlan first = plan(work, request, scripts, session, history);
            throwIfBlocked(first, ChecksumMismatchPolicy.FAIL);
            if (baselinesOnMigrate(first)) {
              history.createWithBaseline(
                  work,
                  request.baselineVersion(),
                  request.baselineDescription(),
                  installedBy(request, session));
            } else {
              history.create(work, installedBy(request, session));
            }
          }
          MigrationPlan plan = plan(work, request, scripts, session, history);
          throwIfBlocked(plan, request.onChecksumMismatch());
          List<String> repaired = List.of();
          if (request.onChecksumMismatch() == ChecksumMismatchPolicy.REPAIR) {
            repaired = realign(work, history, plan.corrections());
          }
          List<ExecutedMigration> applied = new ArrayList<>();
          List<ResolvedMigration> toApply = plan.toApply();
          try (ScriptRunner runner =
              new ScriptRunner(
                  work,
                  locked.lockSession(),
                  history,
                  locked.lock(),
                  session,
                  request,
                  listener,
                  start,
                  locked.scripts())) {
            try {
              runner.runCallbacks(CallbackEvent.BEFORE_MIGRATE);
              for (int i = 0; i < toApply.size(); i++) {
                ExecutedMigration done;
                try {
                  done = runner.apply(toApply.get(i), i + 1, toApply.size());
                } catch (MigrationException e) {
                  throw afterMigrateError(runner, locked.lock(), e);
                }
                applied.add(done);
                listener.onApplied(done, i + 1, toApply.size());
              }
              if (!applied.isEmpty()) {
                runner.runCallbacks(CallbackEvent.AFTER_MIGRATE_APPLIED);
              }
              runner.runCallbacks(CallbackEvent.AFTER_MIGRATE);
            } catch (MigrationException e) {
              MigrateResult partial = null;
              try {
                partial = result(work, request, scripts, session, history, applied, repaired);
              } catch (SQLException | RuntimeException resultError) {
                // The session is gone (e.g. terminated): what this call applied is still known.
                e.addSuppressed(resultError);
                partial = resultWithoutDatabase(plan.info(), history, applied, repaired);
              }
              throw withPartialResult(e, partial);
            }
          }
          return result(work, request, scripts, session, history, applied, repaired);
        });
  }

  /**
   * Removes rows of failed migrations, realigns recorded checksums and descriptions of applied
   * scripts with the given ones and marks applied migrations whose script is gone as deleted, as
   * Flyway's repair does. Never runs a script.
   */
  public RepairResult repair(MigrationRequest request) {
    return underLock(
        request,
        MigrationListener.NONE,
        locked -> {
          Connection work = locked.work();
          MigrationHistory history = locked.history();
          if (!history.exists(work)) {
            return new RepairResult(List.of(), List.of(), List.of());
          }
          MigrationPlan plan =
              plan(work, request, locked.scripts().migrations(), locked.session(), history);
          List<String> removed =
              plan.info().applied().stream()
                  .filter(row -> !row.success())
                  .map(AppliedMigration::script)
                  .toList();
          List<String> realigned = new ArrayList<>();
          List<String> deleted = new ArrayList<>();
          String installedBy = installedBy(request, locked.session());
          Transactions.commit(
              work,
              () -> {
                history.deleteFailed(work);
                realigned.addAll(realignRows(work, history, plan.corrections()));
                for (AppliedMigration missing : plan.missing()) {
                  history.insertDeleted(work, missing, installedBy);
                  deleted.add(missing.script());
                }
              });
          return new RepairResult(removed, realigned, deleted);
        });
  }

  /**
   * What a call that writes the history works with, in this order: the scripts as the files and
   * placeholder values alone allow (refused before a database is reached), a lock session and a
   * work session, the scripts with this session's placeholders, the history table, and the lock on
   * it (waiting reported to {@code listener}). Database errors become {@link
   * ErrorCode#DATABASE_ERROR}.
   */
  private <T> T underLock(
      MigrationRequest request, MigrationListener listener, LockedWork<T> body) {
    MigrationResolver.Resolved checked = resolveWithoutSession(request);
    try (Connection lockSession = dataSource.getConnection();
        Connection work = dataSource.getConnection()) {
      SessionInfo session = SessionInfo.read(work);
      MigrationResolver.Resolved scripts = resolve(request, session, checked);
      MigrationHistory history = new MigrationHistory(historyTable(request, session));
      try (MigrationLock lock =
          MigrationLock.acquire(
              lockSession, history.table(), request.lockWaitTimeout(), listener)) {
        return body.run(new Locked(work, lockSession, session, scripts, history, lock));
      }
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /** The sessions, scripts, history and lock of {@link #underLock}. */
  private record Locked(
      Connection work,
      Connection lockSession,
      SessionInfo session,
      MigrationResolver.Resolved scripts,
      MigrationHistory history,
      MigrationLock lock) {}

  @FunctionalInterface
  private interface LockedWork<T> {
    T run(Locked locked) throws SQLException;
  }

  /**
   * The scripts as the files and placeholder values alone allow; refuses them if they cannot run.
   */
  private static MigrationResolver.Resolved resolveWithoutSession(MigrationRequest request) {
    return MigrationResolver.resolveWithoutSession(
        request.scripts(), request.placeholders(), request.skipDefaultCallbacks());
  }

  /**
   * The scripts with their placeholders replaced, built-ins with this session's values ({@code
   * checked} as it is when no script has a placeholder).
   */
  private static MigrationResolver.Resolved resolve(
      MigrationRequest request, SessionInfo session, MigrationResolver.Resolved checked) {
    Placeholders placeholders = request.placeholders();
    if (!placeholders.enabled()
        || request.scripts().stream().noneMatch(s -> s.sql().contains(placeholders.prefix()))) {
      return checked;
    }
    return MigrationResolver.resolve(
        request.scripts(), placeholders(request, session), request.skipDefaultCallbacks());
  }

  /**
   * The request's placeholders with the built-ins of this session: the step any SQL file of the run
   * goes through ({@link Placeholders#replace}) before it is split.
   */
  static Placeholders placeholders(MigrationRequest request, SessionInfo session) {
    return request
        .placeholders()
        .withBuiltIns(
            session.schema(), session.user(), session.database(), request.historyTable().name());
  }

  /**
   * Records a baseline as Flyway's {@code baseline} does: creates the history table with one row of
   * type {@code BASELINE} for {@link MigrationRequest#baselineVersion()}, so {@code migrate}
   * applies only later versions. Runs no script. Does nothing when the history already records the
   * same baseline (whatever was applied after it); refuses when it records another baseline, or
   * migrations without a baseline (an empty history table gets the row).
   */
  public BaselineResult baseline(MigrationRequest request) {
    String version = request.baselineVersion().toString();
    return underLock(
        request,
        MigrationListener.NONE,
        locked -> {
          Connection work = locked.work();
          SessionInfo session = locked.session();
          MigrationHistory history = locked.history();
          List<ResolvedMigration> scripts = locked.scripts().migrations();
          if (!history.exists(work)) {
            refuseNewHistory(work, history, session, scripts);
            history.createWithBaseline(
                work,
                request.baselineVersion(),
                request.baselineDescription(),
                installedBy(request, session));
            return new BaselineResult(
                history.table().toString(), version, request.baselineDescription(), true);
          }
          List<AppliedMigration> rows =
              plan(work, request, scripts, session, history).info().applied();
          if (rows.isEmpty()) {
            history.insertBaseline(
                work,
                request.baselineVersion(),
                request.baselineDescription(),
                installedBy(request, session));
            return new BaselineResult(
                history.table().toString(), version, request.baselineDescription(), true);
          }
          AppliedMigration marker =
              rows.stream().filter(AppliedMigration::isBaselineMarker).findFirst().orElse(null);
          // The same baseline, with or without migrations after it, is left as it is, as
          // Flyway's baseline does (an application may call baseline before every migrate).
          if (marker != null
              && request.baselineVersion().equals(MigrationVersion.parse(marker.version()))
              && request.baselineDescription().equals(marker.description())) {
            return new BaselineResult(
                history.table().toString(), marker.version(), marker.description(), false);
          }
          throw new MigrationException(
              ErrorCode.BASELINE_REFUSED,
              "baselineVersion",
              "History table "
                  + history.table()
                  + (marker != null
                      ? " is already baselined at version "
                          + marker.version()
                          + " (\""
                          + marker.description()
                          + "\")"
                      : " already records " + rows.size() + " row(s)")
                  + ", so it cannot be baselined at version "
                  + version
                  + " (\""
                  + request.baselineDescription()
                  + "\"); a baseline goes only into a new or empty history table, or one"
                  + " already baselined the same way.");
        });
  }

  private static MigrationPlan plan(
      Connection work,
      MigrationRequest request,
      List<ResolvedMigration> scripts,
      SessionInfo session,
      MigrationHistory history)
      throws SQLException {
    boolean exists = history.exists(work);
    List<AppliedMigration> rows = List.of();
    List<ValidationIssue> refusals = List.of();
    if (!exists) {
      // Without a history, a schema that already holds objects is refused, or baselined first.
      SchemaContents contents = SchemaContents.of(work, history.table().schema());
      if (!contents.empty() && request.baselineOnMigrate()) {
        rows = List.of(assumedBaseline(request, session));
      } else if (!contents.empty()) {
        // a Flyway history beside it is the one to name, not a baseline over what it applied
        Optional<MigrationException> other = otherHistory(work, history, session, scripts);
        refusals =
            List.of(
                other
                    .map(e -> new ValidationIssue(e.code(), e.subject(), e.getMessage()))
                    .orElseGet(() -> nonEmptySchema(history, contents)));
      }
    }
    if (exists) {
      try {
        rows = history.read(work);
      } catch (SQLException e) {
        if (SqlState.UNDEFINED_COLUMN.equals(e.getSQLState())) {
          throw new MigrationException(
              ErrorCode.HISTORY_TABLE_INVALID,
              "historyTable",
              "Table "
                  + history.table()
                  + " exists but is not a Flyway-style history table; choose another"
                  + " historyTable.");
        }
        throw e;
      }
    }
    MigrationPlan plan =
        MigrationPlanner.plan(
            history.table().toString(),
            exists,
            scripts,
            rows,
            request.targetVersion(),
            request.outOfOrder(),
            session.serverVersionNum());
    return refusals.isEmpty() ? plan : plan.withIssuesFirst(refusals);
  }

  /** Whether a plan made without a history table starts with the baseline it assumes. */
  private static boolean baselinesOnMigrate(MigrationPlan plan) {
    return !plan.info().applied().isEmpty();
  }

  /** The baseline row {@code baselineOnMigrate} will write, for plans made before it is. */
  private static AppliedMigration assumedBaseline(MigrationRequest request, SessionInfo session) {
    return new AppliedMigration(
        1,
        request.baselineVersion().toString(),
        request.baselineDescription(),
        "BASELINE",
        request.baselineDescription(),
        null,
        installedBy(request, session),
        null,
        0,
        true);
  }

  private static ValidationIssue nonEmptySchema(MigrationHistory history, SchemaContents contents) {
    return new ValidationIssue(
        ErrorCode.NON_EMPTY_SCHEMA,
        "baselineOnMigrate",
        "Schema "
            + history.table().schema()
            + " already holds "
            + contents.count()
            + (contents.count() == 1 ? " object (" : " objects (")
            + contents.describe()
            + ") but has no history table "
            + history.table()
            + ", so the migrations would run over what exists; record the version it is at with"
            + " `pitstop baseline --baseline-version V`, or set baselineOnMigrate with"
            + " baselineVersion V, or migrate into an empty schema.");
  }

  private static String installedBy(MigrationRequest request, SessionInfo session) {
    return request.installedBy() == null ? session.user() : request.installedBy();
  }

  private static MigrateResult result(
      Connection work,
      MigrationRequest request,
      List<ResolvedMigration> scripts,
      SessionInfo session,
      MigrationHistory history,
      List<ExecutedMigration> applied,
      List<String> repaired)
      throws SQLException {
    if (!work.getAutoCommit()) {
      work.rollback(); // nothing is open after a commit; this only ends a failed transaction
      work.setAutoCommit(true); // as a pooled session is expected to be returned
    }
    MigrationInfo after = plan(work, request, scripts, session, history).info();
    return new MigrateResult(
        after.historyTable(),
        applied,
        repaired,
        after.currentVersion(),
        after.appliedCount(),
        after.pending());
  }

  /**
   * The result of a run whose session can no longer be read: the plan it started from plus the
   * migrations it applied and recorded.
   */
  private static MigrateResult resultWithoutDatabase(
      MigrationInfo before,
      MigrationHistory history,
      List<ExecutedMigration> applied,
      List<String> repaired) {
    String current = before.currentVersion();
    for (ExecutedMigration done : applied) {
      if (done.version() != null) {
        current = done.version();
      }
    }
    List<String> done = applied.stream().map(ExecutedMigration::script).toList();
    return new MigrateResult(
        history.table().toString(),
        applied,
        repaired,
        current,
        before.appliedCount() + applied.size(),
        before.pending().stream().filter(p -> !done.contains(p.script())).toList());
  }

  private static List<String> realign(
      Connection work, MigrationHistory history, List<MigrationPlan.Correction> corrections)
      throws SQLException {
    if (corrections.isEmpty()) {
      return List.of();
    }
    List<String> realigned = new ArrayList<>();
    Transactions.commit(work, () -> realigned.addAll(realignRows(work, history, corrections)));
    return realigned;
  }

  private static List<String> realignRows(
      Connection work, MigrationHistory history, List<MigrationPlan.Correction> corrections)
      throws SQLException {
    List<String> realigned = new ArrayList<>();
    for (MigrationPlan.Correction correction : corrections) {
      history.realign(
          work, correction.installedRank(), correction.checksum(), correction.description());
      realigned.add(correction.script());
    }
    return realigned;
  }

  /**
   * Before creating a history table: refuses when Flyway's {@code flyway_schema_history} (if no
   * other history table was named), or another history table that already records one of the given
   * scripts (same name and checksum), exists in the history table's schema or the session's schema,
   * since every migration would run again. A second history with scripts of its own beside an
   * existing one stays possible.
   */
  private static void refuseNewHistory(
      Connection work,
      MigrationHistory history,
      SessionInfo session,
      List<ResolvedMigration> scripts)
      throws SQLException {
    Optional<MigrationException> other = otherHistory(work, history, session, scripts);
    if (other.isPresent()) {
      throw other.get();
    }
  }

  /**
   * When the history table does not exist: Flyway's history table, or another one that records some
   * of these migrations, in its schema or the session's, which is then the one to continue from.
   */
  private static Optional<MigrationException> otherHistory(
      Connection work,
      MigrationHistory history,
      SessionInfo session,
      List<ResolvedMigration> scripts)
      throws SQLException {
    List<String> schemas = new ArrayList<>();
    schemas.add(history.table().schema());
    if (session.schema() != null && !schemas.contains(session.schema())) {
      schemas.add(session.schema());
    }
    List<QualifiedName> others = history.otherHistories(work, schemas);
    List<String> names = scripts.stream().map(ResolvedMigration::script).toList();
    List<Integer> checksums = scripts.stream().map(ResolvedMigration::checksum).toList();
    // Flyway's table is taken to be this history when none was named (the default one does not
    // exist); a table named on purpose goes beside it, as with Flyway, unless it records them.
    boolean defaultTable = history.table().name().equals(MigrationRequest.DEFAULT_HISTORY_TABLE);
    for (QualifiedName other : others) {
      if ((defaultTable && other.name().equals(MigrationHistory.FLYWAY_DEFAULT))
          || recordsAny(work, history, session, other, names, checksums)) {
        return Optional.of(
            continueFrom(
                history,
                other,
                other.name().equals(MigrationHistory.FLYWAY_DEFAULT)
                    ? " is Flyway's history table"
                    : " already records some of these migrations",
                ""));
      }
    }
    // Flyway run with defaultSchema or schemas keeps its history in that schema and runs the
    // scripts there.
    for (QualifiedName other : history.historiesElsewhere(work, schemas)) {
      if (MigrationHistory.recordsAny(work, other, names, checksums)) {
        return Optional.of(
            continueFrom(
                history,
                other,
                " already records some of these migrations",
                ", with "
                    + SqlIdentifiers.quoteIfNeeded(other.schema())
                    + " as the session's schema (first in its search_path), where Flyway"
                    + " (defaultSchema or schemas) ran them"));
      }
    }
    return Optional.empty();
  }

  /**
   * The refusal to create {@code history} beside {@code other}, which {@code is} (Flyway's table,
   * or one recording these migrations), with the advice to continue from it and {@code how}.
   */
  private static MigrationException continueFrom(
      MigrationHistory history, QualifiedName other, String is, String how) {
    return new MigrationException(
        ErrorCode.OTHER_HISTORY_TABLE,
        "historyTable",
        "History table "
            + history.table()
            + " does not exist but "
            + other
            + is
            + ", so they would run again; set historyTable (pitstop --history-table,"
            + " spec.historyTable) to "
            + other.readable()
            + " to continue from it"
            + how
            + ".");
  }

  /**
   * Whether {@code other} records one of these migrations. A table the role may not read is refused
   * rather than skipped: the check exists so that migrations recorded there do not run again, and
   * skipping it would let them.
   */
  private static boolean recordsAny(
      Connection work,
      MigrationHistory history,
      SessionInfo session,
      QualifiedName other,
      List<String> names,
      List<Integer> checksums)
      throws SQLException {
    try {
      return MigrationHistory.recordsAny(work, other, names, checksums);
    } catch (SQLException e) {
      if (!SqlState.INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
        throw e;
      }
      String role = session.user() == null ? "the role" : "role \"" + session.user() + "\"";
      throw new MigrationException(
          ErrorCode.OTHER_HISTORY_TABLE,
          "historyTable",
          "History table "
              + history.table()
              + " does not exist yet, so Pitstop reads "
              + other
              + ", another history table in its schema, to make sure it does not already record"
              + " these migrations (they would run again), but "
              + role
              + " may not read it (permission denied, SQLSTATE 42501). Grant it: GRANT SELECT ON "
              + other.sql()
              + " TO "
              + (session.user() == null
                  ? "the role"
                  : dev.pitstop.sql.SqlIdentifiers.quote(session.user()))
              + "; or set historyTable (pitstop --history-table, spec.historyTable) to "
              + other.readable()
              + " if that is the history to continue from. Nothing was run.",
          false,
          null,
          null,
          List.of(),
          e);
    }
  }

  private static QualifiedName historyTable(MigrationRequest request, SessionInfo session) {
    QualifiedName table = request.historyTable();
    if (table.schema() == null && session.schema() == null) {
      throw new MigrationException(
          ErrorCode.INVALID_REQUEST,
          "historyTable",
          "The session has no current schema (check search_path), so give historyTable as"
              + " schema.table.");
    }
    return table.withDefaultSchema(session.schema());
  }

  private static void throwIfBlocked(MigrationPlan plan, ChecksumMismatchPolicy policy) {
    List<ValidationIssue> blocking = plan.blockingIssues(policy);
    // A pending script that cannot run is to be fixed first, as when it was refused before the
    // database was read; the other issues may well follow from it.
    List<ValidationIssue> scripts =
        blocking.stream().filter(issue -> SCRIPT_PROBLEMS.contains(issue.code())).toList();
    if (!scripts.isEmpty()) {
      throw MigrationException.of(scripts.get(0), scripts);
    }
    if (!blocking.isEmpty()) {
      throw MigrationException.of(blocking.get(0), plan.info().issues());
    }
  }

  /**
   * Runs the {@code afterMigrateError} callbacks after a migration failed (and was rolled back),
   * unless the run was interrupted or lost its lock; a failure of these callbacks is added to the
   * migration's failure, which stays the error.
   */
  private static MigrationException afterMigrateError(
      ScriptRunner runner, MigrationLock lock, MigrationException failure) {
    if (failure.code() == ErrorCode.INTERRUPTED || failure.code() == ErrorCode.LOCK_LOST) {
      return failure;
    }
    try {
      if (lock.isHeld()) {
        runner.runCallbacks(CallbackEvent.AFTER_MIGRATE_ERROR);
      }
      return failure;
    } catch (MigrationException callbackError) {
      MigrationException both =
          new MigrationException(
              failure.code(),
              failure.subject(),
              failure.getMessage() + " Then " + lowerFirst(callbackError.getMessage()),
              failure.isTransient(),
              failure.failure(),
              null,
              failure.issues(),
              failure.getCause());
      both.addSuppressed(callbackError);
      return both;
    } catch (SQLException | RuntimeException callbackError) {
      failure.addSuppressed(callbackError);
      return failure;
    }
  }

  private static String lowerFirst(String text) {
    return text.isEmpty() ? text : Character.toLowerCase(text.charAt(0)) + text.substring(1);
  }

  private static MigrationException withPartialResult(MigrationException e, MigrateResult partial) {
    MigrationException copy =
        new MigrationException(
            e.code(),
            e.subject(),
            e.getMessage(),
            e.isTransient(),
            e.failure(),
            partial,
            e.issues(),
            e.getCause());
    copy.setStackTrace(e.getStackTrace());
    for (Throwable suppressed : e.getSuppressed()) {
      copy.addSuppressed(suppressed);
    }
    return copy;
  }

  private static MigrationException databaseError(SQLException e) {
    boolean transientError = SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT;
    return new MigrationException(
        ErrorCode.DATABASE_ERROR,
        "database",
        "The database failed: "
            + e.getMessage()
            + (transientError ? "; this may pass, retry later." : "."),
        transientError,
        null,
        null,
        List.of(),
        e);
  }
}
