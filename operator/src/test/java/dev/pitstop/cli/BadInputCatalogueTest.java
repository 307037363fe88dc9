package dev.pitstop.cli;

import static dev.pitstop.cli.CliRun.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.reliability.AppSchema;
import dev.pitstop.reliability.BadInputCase;
import dev.pitstop.testing.DatabaseDump;
import dev.pitstop.testing.PostgresExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the bad-input catalogue ({@code src/test/resources/bad-input/}) that {@code run -f}
 * can run, given to the CLI as a user would: refused with exit 2 in one line naming the field, and
 * the database unchanged (a seed that fails when it runs exits 1, rolled back). The CLI has no API
 * server in front of it, so it must refuse what the CRD's schema refuses as well as what the
 * operator refuses. (MaintenanceWindow has no local run; its CLI counterpart, {@code maintenance},
 * takes flags and is covered by {@link BadInputTest}.)
 */
class BadInputCatalogueTest {
  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @TempDir Path tmp;

  private static final Set<String> RUNTIME_FAILURES = Set.of("sbr-14-failing-seed.yaml");

  static List<BadInputCase> cases() {
    return BadInputCase.all().stream().filter(c -> !c.file().startsWith("mw-")).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void runRefusesItWithExitTwoNamingTheFieldAndChangesNothing(BadInputCase badInput)
      throws Exception {
    AppSchema.create(pg.dataSource());
    String before = DatabaseDump.of(pg.dataSource());
    Path file = tmp.resolve(badInput.file());
    Files.writeString(
        file,
        badInput.yaml(Map.of("DATABASE", pg.databaseName(), "PASSWORD", PASSWORD))
            + secret(null)
            + secret("other"));

    CliRun run = CliRun.of(Map.of(), "run", "-f", file.toString());

    // A seed that fails when it runs is a failed run (rolled back), not input refused up front.
    int expected = RUNTIME_FAILURES.contains(badInput.file()) ? 1 : 2;
    assertThat(run.exit())
        .as("%s (%s): %s", badInput, badInput.what(), run.all())
        .isEqualTo(expected);
    assertThat(run.err().lines()).as(run.err()).hasSize(1);
    assertThat(run.err()).as(badInput.what()).contains(badInput.expect());
    assertThat(run.all()).doesNotContain(PASSWORD).doesNotContain("\tat ");
    assertThat(DatabaseDump.of(pg.dataSource()))
        .as("%s: the database is unchanged", badInput)
        .isEqualTo(before);
  }

  /** The Secret the cases name, {@code app-db}, pointing at the test database. */
  private String secret(String namespace) {
    URI url = URI.create(pg.jdbcUrl().substring("jdbc:".length()));
    return "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: app-db"
        + (namespace == null ? "" : ", namespace: " + namespace)
        + "}\nstringData:\n  uri: \"postgresql://"
        + pg.user()
        + ":"
        + PASSWORD
        + "@"
        + url.getHost()
        + ":"
        + url.getPort()
        + "/"
        + pg.databaseName()
        + "\"\n";
  }
}
