package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TransactionControlStatementsTest {

  private static SqlStatement statement(String sql) {
    return SqlSplitter.split(sql).get(0);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "BEGIN|BEGIN",
        "begin transaction isolation level serializable|BEGIN",
        "START TRANSACTION|START TRANSACTION",
        "COMMIT|COMMIT",
        "commit and chain|COMMIT",
        "END|END",
        "ROLLBACK|ROLLBACK",
        "ROLLBACK TO SAVEPOINT s|ROLLBACK TO",
        "ABORT|ABORT",
        "SAVEPOINT s|SAVEPOINT",
        "RELEASE SAVEPOINT s|RELEASE",
        "PREPARE TRANSACTION 'x'|PREPARE TRANSACTION",
        "COMMIT PREPARED 'x'|COMMIT PREPARED",
        "ROLLBACK PREPARED 'x'|ROLLBACK PREPARED",
        "/* c */ Commit|COMMIT"
      })
  void detectsTopLevelTransactionControl(String sql, String keywords) {
    SqlStatement s = statement(sql);
    assertThat(TransactionControlStatements.isTransactionControl(s)).isTrue();
    assertThat(TransactionControlStatements.keywords(s)).isEqualTo(keywords);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$",
        "DO $$ BEGIN IF false THEN ROLLBACK; END IF; END $$",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END",
        "PREPARE q AS SELECT 1",
        "SELECT 'COMMIT'",
        "CREATE TABLE \"commit\" (\"begin\" int)",
        "-- COMMIT\nSELECT 1"
      })
  void ignoresLookAlikes(String sql) {
    assertThat(TransactionControlStatements.isTransactionControl(statement(sql))).isFalse();
  }
}
