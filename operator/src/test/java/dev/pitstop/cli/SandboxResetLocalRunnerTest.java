package dev.pitstop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.api.v1alpha1.DatabaseRef;
import dev.pitstop.api.v1alpha1.LocalObjectRef;
import dev.pitstop.api.v1alpha1.ResetPhase;
import dev.pitstop.api.v1alpha1.RunResult;
import dev.pitstop.api.v1alpha1.SandboxReset;
import dev.pitstop.api.v1alpha1.SandboxResetSpec;
import dev.pitstop.api.v1alpha1.ScriptSource;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.testing.PostgresExtension;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code run -f} with a SandboxReset manifest: engine, seeds from the file's ConfigMaps, status.
 */
class SandboxResetLocalRunnerTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void schema() {
    pg.execute(
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text);"
            + " INSERT INTO users (email) VALUES ('a'), ('b');");
  }

  private LocalContext context(Map<String, ConfigMap> configMaps) {
    return new LocalContext(
        pg.dataSource(),
        ConnectionSettings.fromUrl(pg.jdbcUrl() + "?user=" + pg.user()),
        name -> Optional.ofNullable(configMaps.get(name)),
        name -> Optional.empty(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        false);
  }

  private SandboxReset manifest(String confirm) {
    SandboxReset sbr = new SandboxReset();
    sbr.setMetadata(new ObjectMetaBuilder().withName("sandbox").build());
    SandboxResetSpec spec = new SandboxResetSpec();
    spec.database = new DatabaseRef("sandbox-db");
    spec.confirmDatabaseName = confirm;
    spec.seed = new ScriptSource();
    spec.seed.configMapRefs.add(new LocalObjectRef("seed"));
    sbr.setSpec(spec);
    return sbr;
  }

  private static ConfigMap seed() {
    return new ConfigMapBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("seed").build())
        .withData(Map.of("01-users.sql", "INSERT INTO users (email) VALUES ('demo');"))
        .build();
  }

  @Test
  void resetsOnceAndFillsTheStatus() {
    SandboxReset sbr = manifest(pg.databaseName());

    int code = new SandboxResetLocalRunner().run(sbr, context(Map.of("seed", seed())));

    assertThat(code).isEqualTo(Command.OK);
    assertThat(sbr.getStatus().phase).isEqualTo(ResetPhase.Succeeded);
    assertThat(sbr.getStatus().lastRun.result).isEqualTo(RunResult.Succeeded);
    assertThat(sbr.getStatus().lastRun.rowsDeleted).isEqualTo(2L);
    assertThat(sbr.getStatus().plan.seeds).containsExactly("01-users.sql");
    assertThat(pg.queryStrings("SELECT id || email FROM users")).containsExactly("1demo");
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("Deleted 2 row(s) from 1 table(s)");
  }

  @Test
  void dryRunPlansOnly() {
    SandboxReset sbr = manifest(pg.databaseName());
    sbr.getSpec().dryRun = true;

    int code = new SandboxResetLocalRunner().run(sbr, context(Map.of("seed", seed())));

    assertThat(code).isEqualTo(Command.OK);
    assertThat(sbr.getStatus().phase).isEqualTo(ResetPhase.Planned);
    assertThat(sbr.getStatus().plan.rowCounts).containsEntry("public.users", 2L);
    assertThat(pg.rowCount("users")).isEqualTo(2);
  }

  @Test
  void missingSeedConfigMapAndWrongDatabaseAreBadInput() {
    assertThatThrownBy(
            () -> new SandboxResetLocalRunner().run(manifest(pg.databaseName()), context(Map.of())))
        .isInstanceOf(UsageException.class)
        .hasMessage("spec.seed.configMapRefs[0]: ConfigMap 'seed' does not exist");
    assertThatThrownBy(
            () ->
                new SandboxResetLocalRunner()
                    .run(manifest("prod"), context(Map.of("seed", seed()))))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("spec.confirmDatabaseName is 'prod'");
    assertThat(pg.rowCount("users")).isEqualTo(2);
  }

  @Test
  void failedResetFillsTheStatusAndReturnsFailed() {
    SandboxReset sbr = manifest(pg.databaseName());
    ConfigMap broken =
        new ConfigMapBuilder()
            .withMetadata(new ObjectMetaBuilder().withName("seed").build())
            .withData(Map.of("01-users.sql", "INSERT INTO nowhere VALUES (1);"))
            .build();

    int code = new SandboxResetLocalRunner().run(sbr, context(Map.of("seed", broken)));

    assertThat(code).isEqualTo(Command.FAILED);
    assertThat(sbr.getStatus().phase).isEqualTo(ResetPhase.Failed);
    assertThat(sbr.getStatus().failure.seed).isEqualTo("01-users.sql");
    assertThat(sbr.getStatus().failure.sqlState).isEqualTo("42P01");
    assertThat(pg.rowCount("users")).isEqualTo(2);
  }
}
