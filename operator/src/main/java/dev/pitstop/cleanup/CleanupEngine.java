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
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Scheduled data cleanup as three verbs: {@link #plan} (check the rules), {@link #dryRun} (count
 * what they match) and {@link #run} (delete in batches). Plain JDBC; one connection per call.
 *
 * <p>Every rule is checked against the catalog and by the server before anything is deleted; a bad
 * rule throws {@link CleanupException} naming it. Batches of a rule run under an advisory lock per
 * (lock scope, rule), so two runners never delete for the same rule at once; a shared one per lock
 * scope marks the run as going from start to end ({@link #runGoing}). A run that reaches
 * maxDuration stops between batches with {@link CleanupOutcome#INCOMPLETE}, which is not a failure.
 */
public final class CleanupEngine {
  private static final Duration LOCK_POLL = Duration.ofMillis(250);

  private final DataSource dataSource;

  public CleanupEngine(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Checks every rule against the database, a {@code where} also on the table's rows (read-only);
   * changes nothing.
   */
  public CleanupPlan plan(CleanupRequest request) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(true);
      List<CleanupPlan.PlannedRule> planned = new ArrayList<>();
      RuleValidator validator = new RuleValidator(connection);
      List<ResolvedRule> rules = validator.resolve(request);
      checkData(validator, request, rules, false);
      for (ResolvedRule rule : rules) {
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
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(true);
      try (AdvisoryLock mark = RuleLock.markRun(connection, request.lockScope())) {
        return execute(connection, request, reporter, budget, dryRun);
      }
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

  /**
   * Whether a run of {@code lockScope} is going on this database, started by this process or by
   * another one (a second operator): a run's session marks it until the run ends, and a run whose
   * process or session ended leaves no mark.
   */
  public boolean runGoing(String lockScope) {
    try (Connection connection = dataSource.getConnection()) {
      return RuleLock.runGoing(connection, lockScope);
    } catch (SQLException e) {
      throw databaseError(e, null);
    }
  }

  private CleanupResult execute(
      Connection connection,
      CleanupRequest request,
      RunReporter reporter,
      TimeBudget budget,
      boolean dryRun)
      throws SQLException {
    List<QualifiedName> lostRows = new ArrayList<>();
    reporter.progress(Activity.VALIDATING, null, null, 0, 0, request.batchSize(), null);
    RuleValidator validator = new RuleValidator(connection);
    List<ResolvedRule> rules = validator.resolve(request);
    Map<String, RuleValidator.Counted> counted = checkData(validator, request, rules, dryRun);
    BatchDeleter deleter = new BatchDeleter(connection, request, budget, reporter);
    for (ResolvedRule rule : rules) {
      reporter.starting(rule);
      boolean late = !rule.verified();
      RuleOutcome outcome = checkLate(validator, request, rule, budget, reporter);
      if (outcome == null && late && !dryRun) {
        outcome = checkDataLate(validator, request, rule);
      }
      if (outcome == null) {
        outcome =
            dryRun
                ? deleter.count(
                    rule, validator, counted.containsKey(rule.name()), counted.get(rule.name()))
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
  }

  /**
   * Runs the selection of every rule that can fail on the data once, read-only, before anything is
   * deleted: in a dry run every rule (the counts are the result), else the {@code where} rules (the
   * other criteria compare columns the server already type-checked). Rules whose table was locked
   * while they were checked are left for their turn.
   *
   * @return the counts by rule name; null where counting hit a timeout
   * @throws CleanupException for the first rule the server fails on the data
   */
  private static Map<String, RuleValidator.Counted> checkData(
      RuleValidator validator, CleanupRequest request, List<ResolvedRule> rules, boolean dryRun)
      throws SQLException {
    Map<String, RuleValidator.Counted> counted = new HashMap<>();
    for (ResolvedRule rule : rules) {
      if (rule.verified() && (dryRun || rule.rule().criterion() instanceof DeletionRule.Where)) {
        counted.put(rule.name(), validator.countReadOnly(rule, request, dryRun));
      }
    }
    return counted;
  }

  /** The data check of a {@code where} rule that could only be checked at its turn. */
  private static RuleOutcome checkDataLate(
      RuleValidator validator, CleanupRequest request, ResolvedRule rule) throws SQLException {
    if (!(rule.rule().criterion() instanceof DeletionRule.Where)) {
      return null;
    }
    long start = System.nanoTime();
    try {
      validator.countReadOnly(rule, request, false);
      return null;
    } catch (CleanupException e) {
      return notStarted(rule, RuleState.FAILED, e.getMessage(), start);
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
      try {
        return deleter.delete(rule);
      } catch (SQLException e) {
        if (ServerErrors.isConnectionProblem(e)) {
          throw e;
        }
        // A statement of the rule failed outside its batches: the rule stops, the others run.
        if (!connection.getAutoCommit()) {
          connection.rollback();
          connection.setAutoCommit(true);
        }
        return reporter.stopped("the rule failed: " + ServerMessages.describe(e));
      }
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
