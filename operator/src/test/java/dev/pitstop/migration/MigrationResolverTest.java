package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationResolverTest {

  private static MigrationScript script(String name) {
    return new MigrationScript(name, "SELECT 1;");
  }

  @Test
  void ordersVersionedNumericallyThenRepeatablesByDescription() {
    List<ResolvedMigration> resolved =
        MigrationResolver.resolve(
            List.of(
                script("R__views.sql"),
                script("V10__ten.sql"),
                script("V2__two.sql"),
                script("V1_1__one_one.sql"),
                script("R__a_functions.sql"),
                script("V1__init.sql")));
    assertThat(resolved)
        .extracting(ResolvedMigration::script)
        .containsExactly(
            "V1__init.sql",
            "V1_1__one_one.sql",
            "V2__two.sql",
            "V10__ten.sql",
            "R__a_functions.sql",
            "R__views.sql");
    assertThat(resolved.get(1).versionText()).isEqualTo("1.1");
    assertThat(resolved.get(1).description()).isEqualTo("one one");
    assertThat(resolved.get(4).version()).isNull();
    assertThat(resolved.get(4).description()).isEqualTo("a functions");
  }

  @Test
  void acceptsDotsInVersionsAndEmptyDescriptions() {
    ResolvedMigration m = MigrationResolver.resolve(List.of(script("V1.2.3__.sql"))).get(0);
    assertThat(m.versionText()).isEqualTo("1.2.3");
    assertThat(m.description()).isEmpty();
  }

  /** Eclipse Tractus-X EDC shipped this name; Flyway skipped the data migration without a word. */
  @Test
  void aVersionRunningIntoItsDescriptionIsRefusedSayingWhereTheUnderscoresGo() {
    assertThatThrownBy(
            () -> MigrationResolver.resolve(List.of(script("V1_5_0_SetParticipantContextId.sql"))))
        .hasMessageContaining("has no valid version")
        .hasMessageContaining(
            "separate it from the description with two underscores"
                + " (V1_5_0__SetParticipantContextId)");
    assertThatThrownBy(() -> MigrationResolver.resolve(List.of(script("Vx__init.sql"))))
        .hasMessageNotContaining("two underscores");
  }

  @Test
  void rejectsBadNamesNamingTheFile() {
    for (String bad :
        new String[] {
          "V1_init.sql", "Vx__init.sql", "V__init.sql", "R1__views.sql", "V1.__x.sql", "R_x.sql"
        }) {
      assertThatThrownBy(() -> MigrationResolver.resolve(List.of(script(bad))))
          .as(bad)
          .isInstanceOfSatisfying(
              MigrationException.class,
              e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_SCRIPT_NAME);
                assertThat(e.subject()).isEqualTo(bad);
                assertThat(e.getMessage()).contains(bad).endsWith(".");
              });
    }
  }

  @Test
  void ignoresNamesThatAreNotMigrationsAndAcceptsAnyCaseSuffix() {
    List<MigrationScript> scripts =
        List.of(
            script("README.sql"),
            script("afterValidate.sql"),
            script("AfterMigrate.sql"),
            script("U1__undo.sql"),
            script("B1__base.sql"),
            script("v1__lower.sql"),
            script("V1__init.txt"),
            script("sub/V2__seed.SQL"),
            script("R__views.Sql"));

    assertThat(MigrationResolver.resolve(scripts))
        .extracting(ResolvedMigration::script)
        .containsExactly("B1__base.sql", "sub/V2__seed.SQL", "R__views.Sql");
    assertThat(MigrationScripts.namingProblems(scripts)).isEmpty();
    assertThat(MigrationScripts.ignored(scripts))
        .containsExactly(
            "README.sql",
            "afterValidate.sql",
            "AfterMigrate.sql",
            "U1__undo.sql",
            "v1__lower.sql",
            "V1__init.txt");
  }

  @Test
  void callbacksAreNeitherMigrationsNorIgnoredAndRunInFlywaysOrder() {
    List<MigrationScript> scripts =
        List.of(
            script("afterMigrate__z.sql"),
            script("V1__init.sql"),
            script("sub/afterMigrate__a_b.SQL"),
            script("afterMigrate.sql"),
            script("beforeMigrate__.sql"),
            script("beforeEachMigrate.sql"));

    MigrationResolver.Resolved resolved =
        MigrationResolver.resolveWithoutSession(scripts, Placeholders.DEFAULT, false);

    assertThat(resolved.migrations())
        .extracting(ResolvedMigration::script)
        .containsExactly("V1__init.sql");
    assertThat(resolved.callbacks())
        .extracting(c -> c.event().id() + ":" + c.description() + ":" + c.script())
        .containsExactly(
            "beforeMigrate:null:beforeMigrate__.sql",
            "beforeEachMigrate:null:beforeEachMigrate.sql",
            "afterMigrate:null:afterMigrate.sql",
            "afterMigrate:a b:sub/afterMigrate__a_b.SQL",
            "afterMigrate:z:afterMigrate__z.sql");
    assertThat(MigrationScripts.ignored(scripts)).isEmpty();
    assertThat(MigrationScripts.namingProblems(scripts)).isEmpty();
    assertThat(
            MigrationResolver.resolveWithoutSession(scripts, Placeholders.DEFAULT, true)
                .callbacks())
        .isEmpty();
  }

  @Test
  void refusesTwoCallbacksOfTheSameNameAsFlywayDoes() {
    List<MigrationScript> scripts =
        List.of(
            script("beforeMigrate.sql"),
            script("a/afterMigrate__x.sql"),
            script("b/afterMigrate__x.sql"),
            script("beforeMigrate__.sql"));

    assertThat(MigrationScripts.namingProblems(scripts))
        .extracting(ValidationIssue::message)
        .containsExactly(
            "Callback scripts a/afterMigrate__x.sql and b/afterMigrate__x.sql are both"
                + " afterMigrate callbacks described \"x\"; rename or remove one of them.",
            "Callback scripts beforeMigrate.sql and beforeMigrate__.sql are both the beforeMigrate"
                + " callback without a description; rename or remove one of them.");
  }

  @Test
  void refusesTransactionControlInACallbackNamingFileAndLine() {
    List<MigrationScript> scripts =
        List.of(new MigrationScript("afterMigrate.sql", "SELECT 1;\nROLLBACK;\n"));

    assertThat(MigrationScripts.namingProblems(scripts))
        .singleElement()
        .satisfies(
            issue -> {
              assertThat(issue.code()).isEqualTo(ErrorCode.TRANSACTION_CONTROL);
              assertThat(issue.subject()).isEqualTo("afterMigrate.sql");
              assertThat(issue.message())
                  .startsWith("Callback script afterMigrate.sql has ROLLBACK at line 2;");
            });
    assertThat(MigrationResolver.problems(scripts, Placeholders.DEFAULT, true)).isEmpty();
  }

  @Test
  void rejectsDuplicateVersionsNamingBothFiles() {
    assertThatThrownBy(
            () -> MigrationResolver.resolve(List.of(script("V1__a.sql"), script("V1.0__b.sql"))))
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.DUPLICATE_VERSION);
              assertThat(e.getMessage()).contains("V1__a.sql", "V1.0__b.sql");
            });
    assertThatThrownBy(
            () -> MigrationResolver.resolve(List.of(script("R__v.sql"), script("R__v.sql"))))
        .isInstanceOf(MigrationException.class)
        .hasMessageContaining("R__v.sql");
  }

  @Test
  void namingProblemsListsEveryBadNameAndDuplicateInFileOrder() {
    List<ValidationIssue> problems =
        MigrationScripts.namingProblems(
            List.of(
                script("V1__a.sql"),
                script("V1_b.sql"),
                script("V1.0__c.sql"),
                script("R1__d.sql"),
                script("V2__e.sql")));
    assertThat(problems)
        .extracting(ValidationIssue::code)
        .containsExactly(
            ErrorCode.INVALID_SCRIPT_NAME,
            ErrorCode.DUPLICATE_VERSION,
            ErrorCode.INVALID_SCRIPT_NAME);
    assertThat(problems)
        .extracting(ValidationIssue::subject)
        .containsExactly("V1_b.sql", "V1.0__c.sql", "R1__d.sql");
    assertThat(problems.get(1).message()).contains("V1__a.sql", "V1.0__c.sql");
    assertThat(MigrationScripts.namingProblems(List.of(script("V1__a.sql"), script("R__v.sql"))))
        .isEmpty();
  }

  @Test
  void loadsSqlFilesFromDirectory(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("V2__b.sql"), "SELECT 2;");
    Files.writeString(dir.resolve("V1__a.sql"), "SELECT 1;");
    Files.writeString(dir.resolve("README.md"), "ignored");
    Files.createDirectory(dir.resolve("sub.sql"));
    List<MigrationScript> scripts = MigrationScripts.fromDirectory(dir);
    assertThat(scripts).extracting(MigrationScript::name).containsExactly("V1__a.sql", "V2__b.sql");
    assertThat(scripts.get(1).sql()).isEqualTo("SELECT 2;");
  }
}
