package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SqlIdentifiers#literal} read back by PostgreSQL, whatever standard_conforming_strings. */
class SqlLiteralTest {
  @RegisterExtension static PostgresExtension pg = new PostgresExtension();

  @ParameterizedTest
  @ValueSource(strings = {"on", "off"})
  void theServerReadsBackTheSameText(String standardConformingStrings) throws Exception {
    try (Connection session = pg.dataSource().getConnection();
        Statement statement = session.createStatement()) {
      statement.execute("SET standard_conforming_strings = " + standardConformingStrings);
      statement.execute("SET escape_string_warning = off");
      for (String text : new String[] {"en_US.UTF-8", "it's", "back\\slash", "'\\'' \\\\"}) {
        try (ResultSet row = statement.executeQuery("SELECT " + SqlIdentifiers.literal(text))) {
          row.next();
          assertThat(row.getString(1)).as(text).isEqualTo(text);
        }
      }
    }
  }
}
