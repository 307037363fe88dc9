package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.pitstop.testing.PostgresExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Seeds and preserveRows expressions run with the request's search_path. */
class ResetSearchPathTest {

  @RegisterExtension final PostgresExtension pg = new PostgresExtension();

  @Test
  void unqualifiedNamesInSeedsAndWhereResolveThroughTheSearchPath() {
    pg.execute(
        "CREATE SCHEMA \"App\"; CREATE TABLE \"App\".items (id int PRIMARY KEY);"
            + " INSERT INTO \"App\".items VALUES (1), (2), (3);"
            + " CREATE FUNCTION \"App\".is_kept(i int) RETURNS boolean LANGUAGE sql"
            + " AS 'SELECT i = 2'");
    ResetRequest.Builder request =
        ResetRequest.builder(pg.databaseName())
            .schemas(List.of("\"App\""))
            .preserveRows("items", "is_kept(id)")
            .seeds(List.of(new SeedScript("items.sql", "INSERT INTO items VALUES (10);")));

    ResetException withoutPath =
        catchThrowableOfType(
            ResetException.class, () -> new ResetEngine(pg.dataSource()).reset(request.build()));
    assertThat(withoutPath.getMessage()).contains("is_kept");
    assertThat(pg.queryLong("SELECT count(*) FROM \"App\".items")).isEqualTo(3);

    new ResetEngine(pg.dataSource()).reset(request.searchPath(List.of("\"App\"")).build());

    assertThat(pg.queryStrings("SELECT i.id::text FROM \"App\".items i ORDER BY i.id"))
        .containsExactly("2", "10");
    assertThat(pg.queryStrings("SHOW search_path")).doesNotContain("\"App\"");
  }

  @Test
  void searchPathEntryMustBeASchemaName() {
    ResetException e =
        catchThrowableOfType(
            ResetException.class,
            () ->
                ResetRequest.builder("db")
                    .fieldNames(f -> "spec." + f)
                    .searchPath(List.of("public", "a.b"))
                    .build());

    assertThat(e.getMessage()).startsWith("spec.searchPath[1] must be a schema name, not 'a.b'");
  }
}
