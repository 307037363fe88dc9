package dev.pitstop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresExtensionTest {

  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  private static String previousDatabase;

  @Test
  void givesEachTestAFreshEmptyDatabase() throws Exception {
    assertThat(pg.databaseName()).isNotEqualTo(previousDatabase);
    previousDatabase = pg.databaseName();
    assertThat(pg.tableExists("t")).isFalse();
    pg.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)");
    assertThat(pg.rowCount("t")).isEqualTo(2);
    try (Connection connection = pg.dataSource().getConnection()) {
      assertThat(connection.getCatalog()).isEqualTo(pg.databaseName());
    }
  }

  @Test
  void secondTestDoesNotSeeFirstTestsTables() {
    assertThat(pg.databaseName()).isNotEqualTo(previousDatabase);
    previousDatabase = pg.databaseName();
    assertThat(pg.tableExists("t")).isFalse();
    assertThat(
            pg.queryLong("SELECT count(*) FROM pg_database WHERE datname = ?", pg.databaseName()))
        .isEqualTo(1);
  }

  @Test
  void extraDatabasesAreIndependent() {
    TestDatabase other = pg.createDatabase();
    other.execute("CREATE TABLE only_here (id int)");
    assertThat(other.tableExists("only_here")).isTrue();
    assertThat(pg.tableExists("only_here")).isFalse();
    assertThat(pg.queryStrings("SELECT current_user")).containsExactly(pg.user());
  }
}
