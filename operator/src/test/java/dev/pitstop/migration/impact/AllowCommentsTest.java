package dev.pitstop.migration.impact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.sql.SqlSplitter;
import org.junit.jupiter.api.Test;

class AllowCommentsTest {

  private static AllowComments of(String script) {
    return AllowComments.of(SqlSplitter.split(script));
  }

  @Test
  void commentBeforeAStatementAllowsThatStatementOnly() {
    AllowComments allow =
        of(
            "ALTER TABLE a ADD COLUMN x int;\n"
                + "-- pitstop:allow PS104 orders is tiny in every region\n"
                + "ALTER TABLE b ADD FOREIGN KEY (x) REFERENCES a (id);\n"
                + "ALTER TABLE c ADD FOREIGN KEY (x) REFERENCES a (id);\n");
    assertThat(allow.lookup(1, FindingCode.PS104).reason())
        .isEqualTo("orders is tiny in every region");
    assertThat(allow.lookup(0, FindingCode.PS104)).isNull();
    assertThat(allow.lookup(2, FindingCode.PS104)).isNull();
    assertThat(allow.lookup(1, FindingCode.PS103)).isNull();
  }

  @Test
  void commentInsideTheStatementCounts() {
    AllowComments allow =
        of("CREATE INDEX i ON t (x) /* pitstop:allow ps103 built at night */;\nSELECT 1;");
    assertThat(allow.lookup(0, FindingCode.PS103).reason()).isEqualTo("built at night");
    assertThat(allow.lookup(1, FindingCode.PS103)).isNull();
  }

  @Test
  void commentBeforeTheFirstStatementFollowedByABlankLineCoversTheFile() {
    AllowComments allow =
        of(
            "-- pitstop:allow PS109 the application stopped reading legacy in 4.2\n"
                + "\n"
                + "-- pitstop:allow PS102 statement-level only\n"
                + "DROP TABLE legacy;\n"
                + "ALTER TABLE legacy2 RENAME TO legacy3;\n"
                + "VACUUM FULL x;\n");
    assertThat(allow.lookup(1, FindingCode.PS109).reason())
        .isEqualTo("the application stopped reading legacy in 4.2");
    assertThat(allow.lookup(0, FindingCode.PS109)).isNotNull();
    assertThat(allow.lookup(0, FindingCode.PS102).reason()).isEqualTo("statement-level only");
    assertThat(allow.lookup(2, FindingCode.PS102)).isNull();
  }

  @Test
  void commentWithoutAReasonDoesNotAllow() {
    AllowComments allow = of("-- pitstop:allow PS103\nCREATE INDEX i ON t (x);");
    AllowComments.Allowance a = allow.lookup(0, FindingCode.PS103);
    assertThat(a.reason()).isNull();
    assertThat(a.withoutReason()).isTrue();
  }

  @Test
  void unknownCodesAndOtherCommentsAreIgnored() {
    AllowComments allow =
        of(
            "-- pitstop:allow PS999 nothing\n-- allow PS103 not the marker\nCREATE INDEX i ON t (x);");
    assertThat(allow.lookup(0, FindingCode.PS103)).isNull();
  }
}
