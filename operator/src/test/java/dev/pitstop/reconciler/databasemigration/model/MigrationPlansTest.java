package dev.pitstop.reconciler.databasemigration.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.api.v1alpha1.DatabaseMigrationStatus.MigrationPlan;
import dev.pitstop.migration.MigrationInfo;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.PendingMigration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationPlansTest {

  @Test
  void showsTheDigestAndTheFirstStatementsOfEachPendingScriptWithinBounds() {
    List<MigrationScript> scripts = new ArrayList<>();
    List<PendingMigration> pending = new ArrayList<>();
    for (int v = 1; v <= 25; v++) {
      String name = "V" + v + "__step.sql";
      StringBuilder sql = new StringBuilder();
      for (int i = 0; i < 7; i++) {
        sql.append("INSERT INTO t VALUES (").append(i).append(");\n");
      }
      if (v == 1) {
        sql.append("SELECT '").append("x".repeat(1000)).append("';\n");
      }
      scripts.add(new MigrationScript(name, sql.toString()));
      pending.add(new PendingMigration(String.valueOf(v), "step", name, v, 7, true, false));
    }
    MigrationInfo info =
        new MigrationInfo("pitstop_schema_history", true, null, List.of(), pending, List.of());

    MigrationPlan plan = MigrationPlans.of(info, scripts, "d1g35t");

    assertThat(plan.digest).isEqualTo("d1g35t");
    assertThat(plan.scripts).hasSize(MigrationPlans.MAX_SCRIPTS);
    assertThat(plan.moreScripts).isEqualTo(5);
    assertThat(plan.scripts.get(0).script).isEqualTo("V1__step.sql");
    assertThat(plan.scripts.get(0).statementCount).isEqualTo(7);
    assertThat(plan.scripts.get(0).statements)
        .hasSize(MigrationPlans.MAX_STATEMENTS)
        .startsWith("INSERT INTO t VALUES (0)");
    assertThat(plan.scripts.get(19).version).isEqualTo("20");
  }

  @Test
  void cutsALongStatementAndMarksIt() {
    String name = "V1__big.sql";
    String sql = "SELECT '" + "x".repeat(1000) + "';";
    MigrationInfo info =
        new MigrationInfo(
            "h",
            true,
            null,
            List.of(),
            List.of(new PendingMigration("1", "big", name, 1, 1, true, false)),
            List.of());

    MigrationPlan plan = MigrationPlans.of(info, List.of(new MigrationScript(name, sql)), "d");

    String shown = plan.scripts.get(0).statements.get(0);
    assertThat(shown).hasSize(MigrationPlans.MAX_STATEMENT_LENGTH).endsWith("…");
    assertThat(sql).startsWith(shown.substring(0, shown.length() - 1));
    assertThat(plan.moreScripts).isNull();
  }
}
