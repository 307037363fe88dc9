package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AdvisoryLockTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @Test
  void keysNeverChange() {
    // Values of released versions: an older operator, the CLI and Flyway must keep excluding us.
    assertThat(
            AdvisoryLock.Key.flyway(new QualifiedName("public", "pitstop_schema_history")).number())
        .isEqualTo(77432031060856L)
        .isEqualTo(77431708279161L + "\"public\".\"pitstop_schema_history\"".hashCode());
    assertThat(AdvisoryLock.Key.fnv1a("").number()).isEqualTo(0xcbf29ce484222325L);
    assertThat(AdvisoryLock.Key.fnv1a("a").number()).isEqualTo(-5808556873153909620L);
    assertThat(
            AdvisoryLock.Key.fnv1a("pitstop-cleanup\u0000default/nightly\u0000old-logs").number())
        .isEqualTo(-8807632967455540573L);
  }

  @Test
  void aSessionLockExcludesOtherSessionsUntilClosed() throws Exception {
    AdvisoryLock.Key key = AdvisoryLock.Key.of(-42L);
    try (Connection first = pg.dataSource().getConnection();
        Connection second = pg.dataSource().getConnection()) {
      Optional<AdvisoryLock> taken = AdvisoryLock.tryLock(first, key);
      assertThat(taken).isPresent();
      assertThat(AdvisoryLock.tryLock(second, key)).isEmpty();
      assertThat(AdvisoryLock.holder(second, key))
          .map(AdvisoryLock.Holder::pid)
          .contains(pid(first));

      taken.get().close();

      assertThat(AdvisoryLock.holder(second, key)).isEmpty();
      try (AdvisoryLock lock = AdvisoryLock.lock(second, key)) {
        assertThat(AdvisoryLock.holder(first, key))
            .map(AdvisoryLock.Holder::pid)
            .contains(pid(second));
      }
      assertThat(AdvisoryLock.holder(first, key)).isEmpty();
    }
  }

  @Test
  void aTransactionLockEndsWithTheTransaction() throws Exception {
    AdvisoryLock.Key key = AdvisoryLock.Key.of(7L);
    try (Connection first = pg.dataSource().getConnection();
        Connection second = pg.dataSource().getConnection()) {
      first.setAutoCommit(false);
      assertThat(AdvisoryLock.tryLockForTransaction(first, key)).isTrue();
      assertThat(AdvisoryLock.tryLockForTransaction(second, key)).isFalse();
      first.commit();
      assertThat(AdvisoryLock.tryLockForTransaction(second, key)).isTrue();
    }
  }

  @Test
  void aHashtextKeyIsTheServersHashOfTheText() throws Exception {
    String text = "pitstop-mode:\"public\".\"pitstop_mode\"";
    try (Connection connection = pg.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      AdvisoryLock.lockForTransaction(connection, AdvisoryLock.Key.hashtext(text));
      long expected = pg.queryLong("SELECT hashtext(?)::bigint", text);
      assertThat(AdvisoryLock.holder(connection, AdvisoryLock.Key.of(expected)))
          .map(AdvisoryLock.Holder::pid)
          .contains(pid(connection));
      connection.rollback();
    }
  }

  private static int pid(Connection connection) throws Exception {
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT pg_backend_pid()")) {
      row.next();
      return row.getInt(1);
    }
  }
}
