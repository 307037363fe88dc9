package dev.pitstop.reset;

import dev.pitstop.reset.ResetProgress.Stage;
import dev.pitstop.sql.SqlStatement;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs seed scripts statement by statement inside the reset's transaction; a {@code COPY ... FROM
 * stdin} is fed with its inline data.
 */
final class SeedRunner {
  private SeedRunner() {}

  /**
   * Runs every seed in order.
   *
   * @param progress receives a snapshot before each script
   * @param base the emptying progress the seeding continues from
   * @return the names of the scripts run
   * @throws ResetException {@link ResetErrorCode#SEED_FAILED} naming the script and line
   */
  static List<String> run(
      Connection connection,
      List<ResetRequest.Seed> seeds,
      ResetProgress base,
      Consumer<ResetProgress> progress)
      throws SQLException {
    List<String> done = new ArrayList<>();
    try (Statement statement = connection.createStatement()) {
      statement.setEscapeProcessing(false);
      for (int i = 0; i < seeds.size(); i++) {
        ResetRequest.Seed seed = seeds.get(i);
        progress.accept(
            new ResetProgress(
                Stage.SEEDING,
                null,
                base.tablesDone(),
                base.tablesTotal(),
                base.rowsDeleted(),
                seed.name(),
                i,
                seeds.size(),
                0));
        for (SqlStatement sql : seed.statements()) {
          ResetSession.checkInterrupted(seed.name());
          try {
            sql.execute(statement);
          } catch (SQLException e) {
            ServerError error = ServerError.of(e);
            throw new ResetException(
                ResetErrorCode.SEED_FAILED,
                seed.name(),
                "Seed "
                    + seed.name()
                    + " failed at line "
                    + sql.line()
                    + ": "
                    + error.describe()
                    + "; the reset was rolled back and nothing changed.",
                error.isTransient(),
                new ResetFailure(
                    null,
                    seed.name(),
                    sql.line(),
                    error.constraint(),
                    error.sqlState(),
                    error.message()),
                e);
          }
        }
        done.add(seed.name());
      }
    }
    return done;
  }
}
