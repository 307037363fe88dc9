package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NonTransactionalStatementsTest {

  private static final int PG16 = 160000;

  private static SqlStatement statement(String sql) {
    return SqlSplitter.split(sql).get(0);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "CREATE INDEX CONCURRENTLY i ON t (a)",
        "create unique index concurrently if not exists i on t (a)",
        "/* c */ CREATE -- x\n INDEX CONCURRENTLY ON t (a)",
        "DROP INDEX CONCURRENTLY IF EXISTS i",
        "REINDEX INDEX CONCURRENTLY i",
        "REINDEX (VERBOSE) TABLE CONCURRENTLY t",
        "REINDEX SCHEMA public",
        "REINDEX DATABASE app",
        "VACUUM",
        "VACUUM (ANALYZE) t",
        "discard all",
        "CREATE DATABASE x",
        "DROP DATABASE x",
        "ALTER SYSTEM SET work_mem = '64MB'",
        "CREATE TABLESPACE ts LOCATION '/x'",
        "ALTER TABLE p DETACH PARTITION c CONCURRENTLY"
      })
  void detectsStatementsThatCannotRunInATransaction(String sql) {
    assertThat(NonTransactionalStatements.requiresAutocommit(statement(sql), PG16)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "CREATE INDEX i ON t (a)",
        "REINDEX INDEX i",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY mv",
        "SELECT 'CREATE INDEX CONCURRENTLY i ON t (a)'",
        "INSERT INTO log VALUES ('VACUUM')",
        "COMMENT ON TABLE t IS 'VACUUM nightly'",
        "CREATE TABLE \"vacuum\" (id int)",
        "ALTER TYPE mood ADD VALUE 'meh'",
        "DO $$ BEGIN EXECUTE 'VACUUM'; END $$"
      })
  void keepsOtherStatementsTransactional(String sql) {
    assertThat(NonTransactionalStatements.requiresAutocommit(statement(sql), PG16)).isFalse();
  }

  @Test
  void addValueIsNonTransactionalOnlyBeforePostgres12() {
    SqlStatement addValue = statement("ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh'");
    assertThat(NonTransactionalStatements.requiresAutocommit(addValue, 110000)).isTrue();
    assertThat(NonTransactionalStatements.requiresAutocommit(addValue, 120000)).isFalse();
  }

  @Test
  void readsIndexAndTableOfConcurrentBuilds() {
    assertThat(
            InvalidIndexes.target(
                statement("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS Idx_A ON ONLY s.t (a)")))
        .isEqualTo(new InvalidIndexes.Target("idx_a", "s.t"));
    assertThat(
            InvalidIndexes.target(
                statement("CREATE INDEX CONCURRENTLY \"My Idx\" ON \"My Schema\".\"T\" (a)")))
        .isEqualTo(new InvalidIndexes.Target("My Idx", "\"My Schema\".\"T\""));
    assertThat(InvalidIndexes.target(statement("CREATE INDEX CONCURRENTLY ON t USING gin (a)")))
        .isEqualTo(new InvalidIndexes.Target(null, "t"));
  }
}
