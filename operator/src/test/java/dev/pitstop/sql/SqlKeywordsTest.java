package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SqlIdentifiers#quoteIfNeeded} against the server's own key words. */
class SqlKeywordsTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @Test
  void everyKeyWordTheServerQuotesIsQuotedAndReadsBackAsTheSameName() throws Exception {
    List<String> wrong = new ArrayList<>();
    try (Connection session = pg.dataSource().getConnection();
        Statement statement = session.createStatement();
        ResultSet words =
            statement.executeQuery("SELECT word, quote_ident(word) FROM pg_get_keywords()")) {
      while (words.next()) {
        String word = words.getString(1);
        if (!SqlIdentifiers.quoteIfNeeded(word).equals(words.getString(2))) {
          wrong.add(word + " (server: " + words.getString(2) + ")");
        }
      }
    }
    assertThat(wrong).isEmpty();
    try (Connection session = pg.dataSource().getConnection();
        Statement statement = session.createStatement()) {
      statement.execute(
          "CREATE TABLE "
              + SqlIdentifiers.quoteIfNeeded("select")
              + " ("
              + SqlIdentifiers.quoteIfNeeded("user")
              + " int, "
              + SqlIdentifiers.quoteIfNeeded("name")
              + " int)");
      try (ResultSet columns =
          statement.executeQuery(
              "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute"
                  + " WHERE attrelid = 'public.\"select\"'::regclass AND attnum > 0")) {
        columns.next();
        assertThat(columns.getString(1)).isEqualTo("user,name");
      }
    }
  }
}
