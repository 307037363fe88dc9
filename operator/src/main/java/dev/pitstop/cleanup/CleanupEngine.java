package dev.pitstop.cleanup;

import dev.pitstop.cleanup.CleanupProgress.Activity;
import dev.pitstop.sql.AdvisoryLock;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.ServerMessages;
import dev.pitstop.sql.SqlErrorKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Scheduled data cleanup as three verbs: {@link #plan} (check the rules), {@link #dryRun} (count
 * what they match) and {@link #run} (delete in batches). Plain JDBC; one connection per call.
 *
 * <p>Every rule is checked against the catalog and by the server before anything is deleted; a bad
 * rule throws {@link CleanupException} naming it. Batches of a rule run under an advisory lock per
 * (lock scope, rule), so two runners never delete for the same rule at once. A run that reaches
 * maxDuration stops between batches with {@link CleanupOutcome#INCOMPLETE}, which is not a failure.
 */
public final class CleanupEngine {
  private static final Duration LOCK_POLL = Duration.ofMillis(250);

  private final DataSource dataSource;

  public CleanupEngine(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /** Checks every rule against the database; changes nothing. */
  public CleanupPlan plan(CleanupRequest request) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(true);
      List<CleanupPlan.PlannedRule> planned = new ArrayList<>();
      for (ResolvedRule rule : new RuleValidator(connection).resolve(request)) {
        planned.add(
            new CleanupPlan.PlannedRule(
                rule.name(),
                rule.table().toString(),
                rule.deleteBy(),
                rule.batchSql(rule.keyset() != null, rule.keyset() != null)));
      }
      return new CleanupPlan(planned);
    } catch (SQLException e) {
      throw databaseError(e, null);
    }
  }

  /** Checks the rules and counts the rows each matches; deletes nothing. */
  public CleanupResult dryRun(CleanupRequest request, CleanupListener listener) {
    return execute(request, listener, true);
  }

  /**
   * Checks the rules, then deletes each rule's rows in batches (or only counts them if the request
   * says {@code dryRun}), then runs VACUUM (ANALYZE) on tables that lost rows if asked to.
   *
   * @throws CleanupException for a bad rule (nothing deleted) or a lost database connection (with
   *     {@link CleanupException#partialResult()})
   */
  public CleanupResult run(CleanupRequest request, CleanupListener listener) {
    return execute(request, listener, request.dryRun());
  }

  private CleanupResult execute(CleanupRequest request, CleanupListener listener, boolean dryRun) {
    TimeBudget budget = new TimeBudget(request.maxDuration());
    RunReporter reporter = new RunReporter(listener, budget, request.rules().size());
    List<QualifiedName> lostRows = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(true);
      reporter.progress(Activity.VALIDATING, null, null, 0, 0, request.batchSize(), null);
      RuleValidator validator = new RuleValidator(connection);
      List<ResolvedRule> rules = validator.resolve(request);
      BatchDeleter deleter = new BatchDeleter(connection, request, budget, reporter);
      for (ResolvedRule rule : rules) {
        reporter.starting(rule);
        RuleOutcome outcome = checkLate(validator, request, rule, budget, reporter);
        if (outcome == null) {
          outcome =
              dryRun
                  ? deleter.count(rule)
                  : deleteUnderLock(connection, request, rule, deleter, budget, reporter);
        }
        if (outcome.deleted() > 0) {
          lostRows.add(rule.table());
        }
        reporter.finished(outcome);
      }
      TableVacuum.Report vacuum = new TableVacuum.Report(List.of(), List.of());
      if (request.vacuumAnalyze() && !dryRun) {
        Set<QualifiedName> tables = new LinkedHashSet<>(lostRows);
        vacuum = new TableVacuum(connection, request, budget).vacuum(tables, reporter);
      }
      return result(reporter.finished(), dryRun, budget, vacuum);
    } catch (SQLException e) {
      reporter.lost(
          (ServerErrors.isConnectionProblem(e)
                  ? "the database connection was lost ("
                  : "the database failed (")
              + ServerMessages.describe(e)
              + ")");
      throw databaseError(
          e,
          result(
              reporter.finished(), dryRun, budget, new TableVacuum.Report(List.of(), List.of())));
    }
  }

  private static RuleOutcome deleteUnderLock(
      Connection connection,
      CleanupRequest request,
      ResolvedRule rule,
      BatchDeleter deleter,
      TimeBudget budget,
      RunReporter reporter)
      throws SQLException {
    long start = System.nanoTime();
    AdvisoryLock lock = RuleLock.tryAcquire(connection, request.lockScope(), rule.name());
    while (lock == null) {
      if (budget.isSpent() || Thread.currentThread().isInterrupted()) {
        return notStarted(
            rule,
            budget.isSpent() ? RuleState.LOCK_HELD : RuleState.INTERRUPTED,
            "another runner held this rule's lock until the run stopped",
            start);
      }
      Integer holder = RuleLock.holder(connection, request.lockScope(), rule.name());
      reporter.progress(
          Activity.WAITING_FOR_LOCK,
          rule.name(),
          null,
          0,
          0,
          request.batchSize(),
          "another runner"
              + (holder == null ? "" : " (pid " + holder + ")")
              + " is deleting for this rule; waiting for it to finish");
      budget.pause(LOCK_POLL);
      lock = RuleLock.tryAcquire(connection, request.lockScope(), rule.name());
    }
    try {
      if (budget.isSpent()) {
        return notStarted(
            rule, RuleState.MAX_DURATION, "maxDuration reached before it started", start);
      }
      if (Thread.currentThread().isInterrupted()) {
        return notStarted(rule, RuleState.INTERRUPTED, "the run was interrupted", start);
      }
      return deleter.delete(rule);
    } finally {
      lock.close();
    }
  }

  /**
   * A rule whose table was locked while the rules were checked is checked again at its turn, with
   * the busy-batch retries; nothing of it is deleted unless the server accepts it.
   *
   * @return null to go ahead, else the rule's outcome (busy, or failed when now rejected)
   */
  private static RuleOutcome checkLate(
      RuleValidator validator,
      CleanupRequest request,
      ResolvedRule rule,
      TimeBudget budget,
      RunReporter reporter)
      throws SQLException {
    long start = System.nanoTime();
    for (int attempt = 1; !rule.verified(); attempt++) {
      if (attempt > request.busyRetries() || budget.isSpent()) {
        return notStarted(
            rule,
            RuleState.BUSY,
            "the table stayed locked by other sessions while the rule was to be checked; left for"
                + " the next run",
            start);
      }
      reporter.progress(
          Activity.BUSY,
          rule.name(),
          null,
          0,
          0,
          request.batchSize(),
          "the table is locked by another session; checking the rule again");
      budget.pause(request.busyBackoff().multipliedBy(attempt));
      try {
        rule = rule.withVerified(validator.explain(rule, request));
      } catch (CleanupException e) {
        return notStarted(rule, RuleState.FAILED, e.getMessage(), start);
      }
    }
    return null;
  }

  private static RuleOutcome notStarted(
      ResolvedRule rule, RuleState state, String message, long startNanos) {
    return new RuleOutcome(
        rule.name(),
        rule.table().toString(),
        state,
        null,
        0,
        null,
        0,
        Duration.ofNanos(System.nanoTime() - startNanos),
        Duration.ZERO,
        message);
  }

  private static CleanupResult result(
      List<RuleOutcome> rules, boolean dryRun, TimeBudget budget, TableVacuum.Report vacuum) {
    CleanupOutcome outcome = CleanupOutcome.SUCCEEDED;
    for (RuleOutcome rule : rules) {
      if (rule.state() == RuleState.FAILED) {
        outcome = CleanupOutcome.FAILED;
        break;
      }
      if (!dryRun && rule.leftRows()) {
        outcome = CleanupOutcome.INCOMPLETE;
      }
    }
    return new CleanupResult(
        outcome,
        dryRun,
        budget.started(),
        Instant.now(),
        rules,
        vacuum.vacuumed(),
        vacuum.warnings());
  }

  private static CleanupException databaseError(SQLException e, CleanupResult partial) {
    boolean transientError = SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT;
    return new CleanupException(
        CleanupErrorCode.DATABASE_ERROR,
        "database",
        "The database failed: "
            + ServerMessages.describe(e)
            + (transientError ? "; this may pass, retry later." : "."),
        transientError,
        partial,
        e);
  }
}
