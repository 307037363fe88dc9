package dev.pitstop.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.sql.QualifiedName;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationRequestTest {

  @Test
  void hasDocumentedDefaults() {
    MigrationRequest request = MigrationRequest.builder(List.of()).build();
    assertThat(request.historyTable()).isEqualTo(new QualifiedName(null, "pitstop_schema_history"));
    assertThat(request.targetVersion()).isNull();
    assertThat(request.outOfOrder()).isFalse();
    assertThat(request.onChecksumMismatch()).isEqualTo(ChecksumMismatchPolicy.FAIL);
    assertThat(request.lockTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(request.statementTimeout()).isZero();
    assertThat(request.installedBy()).isNull();
  }

  @Test
  void reportsTheInvalidField() {
    assertInvalid(MigrationRequest.builder(List.of()).historyTable("bad name"), "historyTable");
    assertInvalid(MigrationRequest.builder(List.of()).targetVersion("five"), "targetVersion");
    assertInvalid(
        MigrationRequest.builder(List.of()).lockTimeout(Duration.ofSeconds(-1)), "lockTimeout");
    assertInvalid(MigrationRequest.builder(List.of()).statementTimeout(null), "statementTimeout");
    assertThatThrownBy(() -> ChecksumMismatchPolicy.parse("ignore"))
        .isInstanceOfSatisfying(
            MigrationException.class, e -> assertThat(e.subject()).isEqualTo("onChecksumMismatch"));
    assertThat(ChecksumMismatchPolicy.parse("Repair")).isEqualTo(ChecksumMismatchPolicy.REPAIR);
  }

  @Test
  void parsesSchemaQualifiedHistoryTableAndTarget() {
    MigrationRequest request =
        MigrationRequest.builder(List.of())
            .historyTable("app.\"History\"")
            .targetVersion("1_2")
            .build();
    assertThat(request.historyTable()).isEqualTo(new QualifiedName("app", "History"));
    assertThat(request.targetVersion()).isEqualTo(MigrationVersion.parse("1.2"));
  }

  private static void assertInvalid(MigrationRequest.Builder builder, String field) {
    assertThatThrownBy(builder::build)
        .isInstanceOfSatisfying(
            MigrationException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
              assertThat(e.subject()).isEqualTo(field);
              assertThat(e.getMessage()).startsWith(field).endsWith(".");
            });
  }
}
