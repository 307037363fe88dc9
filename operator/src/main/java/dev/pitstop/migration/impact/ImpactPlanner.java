package dev.pitstop.migration.impact;

import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingScript;
import dev.pitstop.migration.PendingWork;
import dev.pitstop.sql.SqlErrorKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import javax.sql.DataSource;

/**
 * Makes lock-impact plans: finds the pending migrations on the target, copies the target's schema
 * (no data) into a scratch database, runs the pending migrations there measuring every statement
 * (each migration in a transaction that is rolled back, then applied again for the next), sizes the
 * findings with the target's statistics, and drops the scratch database. A plan of many migrations
 * shares the work with a second scratch database ({@link PlanSplit}). The target is only read: its
 * catalogs, statistics and history table; no lock is taken on its tables.
 */
public final class ImpactPlanner {
  /**
   * Plans of this many migrations or more may share the measuring with a second scratch copy
   * ({@link PlanSplit}). A shorter plan takes a second or two on one copy: a second one would save
   * little and costs a database, a session and its files on the plan server, and on a plan server
   * with one free core it makes the plan slower (measured: 50 migrations in 1.7 s instead of 1.1
   * s).
   */
  static final int SECOND_COPY_FROM = 100;

  /** How many times its own making the first copy's work left must take to start a second. */
  static final int WORTH_A_SECOND_COPY = 3;

  private final DataSource target;
  private final ScratchServer scratch;
  private final int secondCopyFrom;
  private final IntFunction<PlanSplit> splits;
  private final boolean whenWorthIt;

  /**
   * @param target sessions on the target database
   * @param scratch where to create the scratch database
   */
  public ImpactPlanner(DataSource target, ScratchServer scratch) {
    this(target, scratch, SECOND_COPY_FROM, PlanSplit::new, true);
  }

  /**
   * @param secondCopyFrom plans of this many migrations or more use a second copy
   * @param splits how a plan of so many migrations is split
   * @param whenWorthIt whether the second copy is made only once the work left looks worth it (else
   *     at once)
   */
  ImpactPlanner(
      DataSource target,
      ScratchServer scratch,
      int secondCopyFrom,
      IntFunction<PlanSplit> splits,
      boolean whenWorthIt) {
    this.target = target;
    this.scratch = scratch;
    this.secondCopyFrom = secondCopyFrom;
    this.splits = splits;
    this.whenWorthIt = whenWorthIt;
  }

  /**
   * Plans the request's pending migrations.
   *
   * @throws MigrationException {@link ErrorCode#PLAN_SCRATCH_UNAVAILABLE} when no scratch database
   *     can be created, or what {@link MigrationEngine#pendingWork} throws
   */
  public ImpactPlan plan(MigrationRequest request) {
    PendingWork work = new MigrationEngine(target).pendingWork(request);
    if (work.scripts().isEmpty()) {
      return new ImpactPlan(work.info(), List.of(), List.of(), scratch.describe(), List.of());
    }
    try (Connection onTarget = target.getConnection()) {
      TargetDatabase database = TargetDatabase.read(onTarget);
      long setupStarted = System.nanoTime();
      try (ScratchDatabase copy = ScratchDatabase.create(scratch, database);
          Connection onCopy = copy.dataSource().getConnection()) {
        return plan(request, work, onTarget, database, copy, onCopy, setupStarted);
      }
    } catch (SQLException e) {
      throw MigrationException.of(
          ErrorCode.DATABASE_ERROR,
          "database",
          "Planning failed: " + e.getMessage() + "; nothing was changed.",
          SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT,
          e);
    }
  }

  /**
   * Measures on the first copy, with a second one ({@link PlanSplit}) once the work left looks
   * worth it: more than {@link #WORTH_A_SECOND_COPY} times what making the first copy took, at the
   * pace of the migrations measured so far (a copy of a large schema takes long to make, and on a
   * plan server with one free core the two copies share it).
   */
  private ImpactProbe.Result measureOnTwo(
      Connection onCopy,
      TargetDatabase database,
      CatalogReader.Schema schema,
      TargetSizes sizes,
      List<PendingScript> scripts,
      MigrationRequest request,
      int lacking,
      long setup)
      throws SQLException {
    int migrations = scripts.size();
    PlanSplit split = splits.apply(migrations);
    SecondCopy[] second = new SecondCopy[1];
    Runnable start =
        () ->
            second[0] =
                SecondCopy.start(
                    scratch,
                    database,
                    schema,
                    split,
                    session ->
                        ImpactProbe.run(session, sizes, scripts, request, lacking, split.second()));
    if (!whenWorthIt) {
      start.run();
    }
    long started = System.nanoTime();
    PlanSplit.Side firstSide = split.first();
    PlanSplit.Side first =
        i -> {
          if (second[0] == null
              && worthASecondCopy(i, migrations, System.nanoTime() - started, setup)) {
            start.run();
          }
          return firstSide.step(i);
        };
    ImpactProbe.Result measured = null;
    try {
      measured = ImpactProbe.run(onCopy, sizes, scripts, request, lacking, first);
    } finally {
      split.firstFinished();
      if (measured == null && second[0] != null) {
        second[0].abandon(); // the plan failed on the first copy
      }
    }
    if (second[0] == null) {
      return measured;
    }
    ImpactProbe.Result rest = second[0].await(split, migrations);
    List<ScriptImpact> impacts = new ArrayList<>(measured.scripts());
    impacts.addAll(rest.scripts());
    List<Finding> findings = new ArrayList<>(measured.findings());
    findings.addAll(rest.findings());
    return new ImpactProbe.Result(impacts, findings);
  }

  /**
   * Whether the first copy's work left, at the pace of the {@code measured} migrations so far,
   * takes more than {@link #WORTH_A_SECOND_COPY} times what making it took ({@code setup}).
   */
  static boolean worthASecondCopy(int measured, int migrations, long elapsed, long setup) {
    return measured > 0
        && elapsed / measured * (migrations - measured) > WORTH_A_SECOND_COPY * setup;
  }

  private ImpactPlan plan(
      MigrationRequest request,
      PendingWork work,
      Connection onTarget,
      TargetDatabase database,
      ScratchDatabase copy,
      Connection onCopy,
      long setupStarted)
      throws SQLException {
    List<String> notCopied = new ArrayList<>();
    // first: it is the likeliest cause of anything else the plan gets wrong
    String otherVersion = database.versionDifference(onCopy).orElse(null);
    if (otherVersion != null) {
      notCopied.add(otherVersion);
    }
    notCopied.addAll(copy.notCopied());
    // Read once: a second copy gets exactly the same schema.
    CatalogReader.Schema schema = SchemaCopy.read(onTarget, onCopy);
    notCopied.addAll(SchemaCopy.copy(schema, onCopy));
    // As a session of migrate starts: with the database's and the role's settings.
    notCopied.addAll(database.apply(onCopy));
    TargetSizes sizes = TargetSizes.read(onTarget);
    long setup = System.nanoTime() - setupStarted;
    List<PendingScript> scripts = work.scripts();
    ImpactProbe.Result measured =
        scripts.size() < secondCopyFrom
            ? ImpactProbe.run(onCopy, sizes, scripts, request, notCopied.size())
            : measureOnTwo(
                onCopy, database, schema, sizes, scripts, request, notCopied.size(), setup);
    return new ImpactPlan(
        work.info(),
        measured.scripts(),
        measured.findings(),
        scratch.describe(),
        notCopied,
        otherVersion);
  }
}
