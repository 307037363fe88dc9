package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrationEngine;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.sql.AdvisoryLock;
import dev.pitstop.sql.QualifiedName;
import dev.pitstop.testing.PostgresExtension;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A reset and a migration of one database never run at once. */
class ResetMigrationLockTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private final List<MigrationScript> scripts =
      List.of(new MigrationScript("V1__items.sql", "CREATE TABLE items (id int PRIMARY KEY);"));

  private ResetRequest request() {
    return ResetRequest.builder(pg.databaseName()).lockTimeout(Duration.ofMillis(300)).build();
  }

  @Test
  void resetWaitsForARunningMigrationThenFailsAsTransientNamingTheHolder() throws Exception {
    new MigrationEngine(pg.dataSource()).migrate(MigrationRequest.builder(scripts).build());
    pg.execute("INSERT INTO items VALUES (1), (2)");

    try (Connection migration = pg.dataSource().getConnection()) {
      int pid;
      try (var statement = migration.createStatement();
          var row = statement.executeQuery("SELECT pg_backend_pid()")) {
        row.next();
        pid = row.getInt(1);
      }
      AdvisoryLock held =
          AdvisoryLock.tryLock(
                  migration,
                  AdvisoryLock.Key.flyway(new QualifiedName("public", "pitstop_schema_history")))
              .orElseThrow();

      ResetException e =
          catchThrowableOfType(
              ResetException.class, () -> new ResetEngine(pg.dataSource()).reset(request()));

      assertThat(e.code()).isEqualTo(ResetErrorCode.MIGRATION_RUNNING);
      assertThat(e.isTransient()).isTrue();
      assertThat(e.getMessage())
          .contains("migration lock of public.pitstop_schema_history (pid " + pid)
          .endsWith("Nothing was changed.");
      assertThat(pg.rowCount("items")).isEqualTo(2);
      held.close();
    }

    new ResetEngine(pg.dataSource()).reset(request());

    assertThat(pg.rowCount("items")).isZero();
    assertThat(pg.rowCount("pitstop_schema_history")).isEqualTo(1);
  }

  @Test
  void migrationStartedDuringAResetWaitsForIt() {
    new MigrationEngine(pg.dataSource()).migrate(MigrationRequest.builder(scripts).build());
    List<MigrationScript> more =
        List.of(
            scripts.get(0),
            new MigrationScript("V2__more.sql", "ALTER TABLE items ADD COLUMN note text;"));
    AtomicReference<MigrationException> during = new AtomicReference<>();

    new ResetEngine(pg.dataSource())
        .reset(
            request(),
            new ResetListener() {
              @Override
              public void onPlanned(ResetPlan plan) {
                during.set(
                    catchThrowableOfType(
                        MigrationException.class,
                        () ->
                            new MigrationEngine(pg.dataSource())
                                .migrate(
                                    MigrationRequest.builder(more)
                                        .lockWaitTimeout(Duration.ofMillis(300))
                                        .build())));
              }
            });

    assertThat(during.get()).isNotNull();
    assertThat(during.get().code()).isEqualTo(ErrorCode.LOCK_WAIT_TIMEOUT);
    new MigrationEngine(pg.dataSource()).migrate(MigrationRequest.builder(more).build());
    assertThat(pg.rowCount("pitstop_schema_history")).isEqualTo(2);
  }
}
