package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every bad field is refused before a connection is opened, named the way the caller names it. */
class ResetRequestTest {

  private static ResetException refused(ResetRequest.Builder builder) {
    try {
      builder.build();
    } catch (ResetException e) {
      return e;
    }
    throw new AssertionError("the request was accepted");
  }

  @Test
  void defaultsAreThoseOfTheSpec() {
    ResetRequest request = ResetRequest.builder("sandbox").build();
    assertThat(request.schemas()).containsExactly("public");
    assertThat(request.strategy()).isEqualTo(DeletionStrategy.DELETE);
    assertThat(request.lockTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(request.seedNames()).isEmpty();
  }

  @Test
  void confirmDatabaseNameIsRequired() {
    ResetException e = refused(ResetRequest.builder(" ").fieldNames(f -> "spec." + f));
    assertThat(e.code()).isEqualTo(ResetErrorCode.INVALID_REQUEST);
    assertThat(e.subject()).isEqualTo("spec.confirmDatabaseName");
    assertThat(e.getMessage()).startsWith("spec.confirmDatabaseName is required");
  }

  @Test
  void seedsRunInNameOrder() {
    ResetRequest request =
        ResetRequest.builder("sandbox")
            .seeds(
                List.of(
                    new SeedScript("20-courses.sql", "SELECT 1;"),
                    new SeedScript("10-users.sql", "SELECT 1;")))
            .build();
    assertThat(request.seedNames()).containsExactly("10-users.sql", "20-courses.sql");
  }

  @Test
  void seedThatCommitsIsRefusedWithItsLine() {
    ResetException e =
        refused(
            ResetRequest.builder("sandbox")
                .seeds(
                    List.of(
                        new SeedScript(
                            "01-users.sql",
                            "INSERT INTO users VALUES (1);\nCOMMIT;\nINSERT INTO users VALUES (2);"))));
    assertThat(e.code()).isEqualTo(ResetErrorCode.INVALID_SEED);
    assertThat(e.getMessage()).contains("01-users.sql", "line 2", "COMMIT");
  }

  @Test
  void seedWithCopyFromStdinWithoutItsDataIsRefusedWithItsFileAndLine() {
    ResetException e =
        refused(
            ResetRequest.builder("sandbox")
                .seeds(
                    List.of(
                        new SeedScript("01-users.sql", "COPY users FROM stdin;\n1\n\\.\n"),
                        new SeedScript(
                            "02-roles.sql",
                            "-- roles\nCOPY public.roles (id, name) FROM stdin;\n1\tadmin\n"))));
    assertThat(e.code()).isEqualTo(ResetErrorCode.INVALID_SEED);
    assertThat(e.getMessage())
        .startsWith(
            "seed script 02-roles.sql has COPY ... FROM stdin at line 2 without its inline data,")
        .endsWith("; nothing was changed.");
    assertThat(e.getMessage().replace("...", "")).doesNotContain(". ");
  }

  @Test
  void savepointsAndFunctionBodiesAreFineInSeeds() {
    ResetRequest request =
        ResetRequest.builder("sandbox")
            .seeds(
                List.of(
                    new SeedScript(
                        "01.sql",
                        "SAVEPOINT a;\nROLLBACK TO SAVEPOINT a;\n"
                            + "DO $$ BEGIN PERFORM 1; END $$;")))
            .build();
    assertThat(request.seedNames()).containsExactly("01.sql");
  }

  @Test
  void duplicateSeedNamesAreRefused() {
    ResetException e =
        refused(
            ResetRequest.builder("sandbox")
                .seeds(List.of(new SeedScript("a.sql", ""), new SeedScript("a.sql", ""))));
    assertThat(e.getMessage()).contains("two scripts named a.sql");
  }

  @Test
  void badWhereIsRefusedNamingTheEntry() {
    ResetException e =
        refused(
            ResetRequest.builder("sandbox")
                .fieldNames(f -> "spec." + f)
                .preserveRows("users", "role = 'admin'")
                .preserveRows("courses", "true; DELETE FROM users"));
    assertThat(e.code()).isEqualTo(ResetErrorCode.INVALID_WHERE);
    assertThat(e.subject()).isEqualTo("spec.preserveRows[1].where");
    assertThat(e.getMessage())
        .isEqualTo(
            "spec.preserveRows[1].where must be one expression and must not contain ';';"
                + " nothing was changed.");
  }

  @Test
  void badTableNamesAreRefused() {
    assertThat(refused(ResetRequest.builder("s").preserveRows("a.b.c", "true")).subject())
        .isEqualTo("preserveRows[0].table");
    assertThat(refused(ResetRequest.builder("s").preserveTables(List.of("x", "a.b.c"))).subject())
        .isEqualTo("preserveTables[1]");
  }

  @Test
  void schemasMustBeNamesAndNotSystemSchemas() {
    assertThat(refused(ResetRequest.builder("s").schemas(List.of())).subject())
        .isEqualTo("schemas");
    assertThat(refused(ResetRequest.builder("s").schemas(List.of("public", "a.b"))).subject())
        .isEqualTo("schemas[1]");
    ResetException system = refused(ResetRequest.builder("s").schemas(List.of("pg_catalog")));
    assertThat(system.getMessage()).contains("system schema pg_catalog");
    assertThat(refused(ResetRequest.builder("s").schemas(List.of("information_schema"))).subject())
        .isEqualTo("schemas[0]");
  }

  @Test
  void schemaNamesFoldLikeIdentifiersAndDuplicatesCollapse() {
    ResetRequest request =
        ResetRequest.builder("s").schemas(List.of("Public", "public", "\"Sales\"")).build();
    assertThat(request.schemas()).containsExactly("public", "Sales");
  }

  @Test
  void negativeLockTimeoutIsRefused() {
    assertThat(refused(ResetRequest.builder("s").lockTimeout(Duration.ofSeconds(-1))).subject())
        .isEqualTo("lockTimeout");
  }
}
