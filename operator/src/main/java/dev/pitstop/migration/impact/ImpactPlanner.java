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
   * Plans of this many migrations or more share the measuring with a second scratch copy ({@link
   * PlanSplit}); below, creating it costs more than it saves.
   */
  static final int SECOND_COPY_FROM = 10;

  private final DataSource target;
  private final ScratchServer scratch;
  private final int secondCopyFrom;
  private final IntFunction<PlanSplit> splits;

  /**
   * @param target sessions on the target database
   * @param scratch where to create the scratch database
   */
  public ImpactPlanner(DataSource target, ScratchServer scratch) {
    this(target, scratch, SECOND_COPY_FROM, PlanSplit::new);
  }

  /**
   * @param secondCopyFrom plans of this many migrations or more use a second copy
   * @param splits how a plan of so many migrations is split
   */
  ImpactPlanner(
      DataSource target, ScratchServer scratch, int secondCopyFrom, IntFunction<PlanSplit> splits) {
    this.target = target;
    this.scratch = scratch;
    this.secondCopyFrom = secondCopyFrom;
    this.splits = splits;
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
      try (ScratchDatabase copy = ScratchDatabase.create(scratch, database);
          Connection onCopy = copy.dataSource().getConnection()) {
        return plan(request, work, onTarget, database, copy, onCopy);
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

  private ImpactPlan plan(
      MigrationRequest request,
      PendingWork work,
      Connection onTarget,
      TargetDatabase database,
      ScratchDatabase copy,
      Connection onCopy)
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
    List<PendingScript> scripts = work.scripts();
    ImpactProbe.Result measured;
    if (scripts.size() < secondCopyFrom) {
      measured = ImpactProbe.run(onCopy, sizes, scripts, request, notCopied.size());
    } else {
      PlanSplit split = splits.apply(scripts.size());
      SecondCopy second =
          SecondCopy.start(
              scratch, database, schema, sizes, scripts, request, notCopied.size(), split);
      ImpactProbe.Result first = null;
      try {
        first = ImpactProbe.run(onCopy, sizes, scripts, request, notCopied.size(), split.first());
      } finally {
        split.firstFinished();
        if (first == null) {
          second.abandon(); // the plan failed on the first copy
        }
      }
      ImpactProbe.Result rest = second.await(split, scripts.size());
      List<ScriptImpact> impacts = new ArrayList<>(first.scripts());
      impacts.addAll(rest.scripts());
      List<Finding> findings = new ArrayList<>(first.findings());
      findings.addAll(rest.findings());
      measured = new ImpactProbe.Result(impacts, findings);
    }
    return new ImpactPlan(
        work.info(),
        measured.scripts(),
        measured.findings(),
        scratch.describe(),
        notCopied,
        otherVersion);
  }
}
