package dev.pitstop.reconciler.databasemigration.model;

import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.MigrationPlan;
import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.PlannedScript;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.PendingMigration;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The plan shown in {@code status.plan}: the digest to approve and the pending scripts with their
 * first statements, bounded so the status stays small whatever the scripts hold.
 */
public final class MigrationPlans {
  static final int MAX_SCRIPTS = 20;
  static final int MAX_STATEMENTS = 5;
  static final int MAX_STATEMENT_LENGTH = 300;

  private MigrationPlans() {}

  /**
   * @param info what the engine found pending
   * @param scripts the request's scripts, to show their statements
   * @param digest the run digest the approval must carry
   */
  public static MigrationPlan of(MigrationInfo info, List<MigrationScript> scripts, String digest) {
    Map<String, String> sql =
        scripts.stream()
            .collect(Collectors.toMap(MigrationScript::name, MigrationScript::sql, (a, b) -> a));
    MigrationPlan plan = new MigrationPlan();
    plan.digest = digest;
    List<PendingMigration> pending = info.pending();
    for (PendingMigration p : pending.subList(0, Math.min(MAX_SCRIPTS, pending.size()))) {
      plan.scripts.add(script(p, sql::get));
    }
    plan.moreScripts = pending.size() > MAX_SCRIPTS ? pending.size() - MAX_SCRIPTS : null;
    return plan;
  }

  private static PlannedScript script(PendingMigration p, Function<String, String> sql) {
    PlannedScript s = new PlannedScript();
    s.version = p.version();
    s.description = p.description();
    s.script = p.script();
    s.checksum = p.checksum();
    s.statementCount = p.statements();
    String text = sql.apply(p.script());
    if (text != null) {
      List<SqlStatement> statements = SqlSplitter.split(text);
      for (SqlStatement st : statements.subList(0, Math.min(MAX_STATEMENTS, statements.size()))) {
        s.statements.add(cut(st.sql().strip()));
      }
    }
    return s;
  }

  private static String cut(String sql) {
    return sql.length() <= MAX_STATEMENT_LENGTH
        ? sql
        : sql.substring(0, MAX_STATEMENT_LENGTH - 1) + "…";
  }
}
