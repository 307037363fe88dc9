package dev.pitstop.bench;

import dev.pitstop.reset.ResetEngine;
import dev.pitstop.reset.ResetRequest;
import dev.pitstop.reset.SeedScript;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * A hand-written DELETE reset: one transaction of bare statements in the order Pitstop plans
 * (computed before timing), the cycle broken by hand, sequences restarted, the same seeds. No
 * catalog reads, no checks, no progress; PostgreSQL checks every foreign key for every deleted row,
 * which is most of its time.
 */
final class PlainDeletes implements ResetBenchmark.Method {
  private List<String> order;

  @Override
  public void prepare(DataSource dataSource, String database) {
    order =
        new ResetEngine(dataSource)
            .plan(ResetRequest.builder(database).preserveTables(LearningPlatform.PRESERVE).build())
            .order();
  }

  @Override
  public void reset(DataSource dataSource, String database) throws Exception {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      connection.setAutoCommit(false);
      statement.execute("UPDATE courses SET featured_page_id = NULL");
      for (String table : order) {
        statement.execute("DELETE FROM " + SqlIdentifiers.qualified(table).sql());
      }
      for (String table : LearningPlatform.userTables()) {
        statement.execute("ALTER SEQUENCE " + SqlIdentifiers.quote(table + "_id_seq") + " RESTART");
      }
      for (SeedScript seed : LearningPlatform.seeds()) {
        for (SqlStatement sql : SqlSplitter.split(seed.sql())) {
          statement.execute(sql.sql());
        }
      }
      connection.commit();
    }
  }
}
