package dev.pitstop.migration.impact;

import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.PendingWork;
import dev.pitstop.sql.SqlErrorKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Makes lock-impact plans: finds the pending migrations on the target, copies the target's schema
 * (no data) into a scratch database, runs the pending migrations there measuring every statement,
 * sizes the findings with the target's statistics, and drops the scratch database. The target is
 * only read: its catalogs, statistics and history table; no lock is taken on its tables.
 */
public final class ImpactPlanner {
  private final DataSource target;
  private final ScratchServer scratch;

  /**
   * @param target sessions on the target database
   * @param scratch where to create the scratch database
   */
  public ImpactPlanner(DataSource target, ScratchServer scratch) {
    this.target = target;
    this.scratch = scratch;
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
    notCopied.addAll(SchemaCopy.copy(onTarget, onCopy));
    // As a session of migrate starts: with the database's and the role's settings.
    notCopied.addAll(database.apply(onCopy));
    TargetSizes sizes = TargetSizes.read(onTarget);
    ImpactProbe.Result measured =
        ImpactProbe.run(onCopy, sizes, work.scripts(), request, notCopied.size());
    return new ImpactPlan(
        work.info(),
        measured.scripts(),
        measured.findings(),
        scratch.describe(),
        notCopied,
        otherVersion);
  }
}
