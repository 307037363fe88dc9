package dev.pitstop.reset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pitstop.sql.QualifiedName;
import org.junit.jupiter.api.Test;

class TablePatternTest {

  private static QualifiedName t(String schema, String name) {
    return new QualifiedName(schema, name);
  }

  @Test
  void plainNameMatchesInEverySchema() {
    TablePattern p = TablePattern.parse("payload_jobs");
    assertThat(p.matches(t("public", "payload_jobs"))).isTrue();
    assertThat(p.matches(t("app", "payload_jobs"))).isTrue();
    assertThat(p.matches(t("public", "payload_jobs_log"))).isFalse();
  }

  @Test
  void globsMatchLikeShellPatterns() {
    assertThat(TablePattern.parse("payload_*").matches(t("public", "payload_jobs_log"))).isTrue();
    assertThat(TablePattern.parse("payload_*").matches(t("public", "payloads"))).isFalse();
    assertThat(TablePattern.parse("log_202?").matches(t("public", "log_2024"))).isTrue();
    assertThat(TablePattern.parse("log_202?").matches(t("public", "log_20245"))).isFalse();
    assertThat(TablePattern.parse("shard_[ab]").matches(t("public", "shard_b"))).isTrue();
    assertThat(TablePattern.parse("shard_[!ab]").matches(t("public", "shard_b"))).isFalse();
    assertThat(TablePattern.parse("shard_[0-9]").matches(t("public", "shard_7"))).isTrue();
  }

  @Test
  void dotsAndOtherRegexCharactersAreLiteral() {
    assertThat(TablePattern.parse("a$b").matches(t("public", "a$b"))).isTrue();
    assertThat(TablePattern.parse("a$b").matches(t("public", "ab"))).isFalse();
  }

  @Test
  void schemaQualifiedPatternMatchesOnlyThatSchema() {
    TablePattern p = TablePattern.parse("audit.*");
    assertThat(p.matches(t("audit", "events"))).isTrue();
    assertThat(p.matches(t("public", "events"))).isFalse();
  }

  @Test
  void unquotedPartsMatchAnyCaseAndQuotedOnesTheirExactCase() {
    assertThat(TablePattern.parse("Users").matches(t("public", "users"))).isTrue();
    assertThat(TablePattern.parse("Users").matches(t("public", "Users"))).isTrue();
    assertThat(TablePattern.parse("users").matches(t("public", "Users"))).isTrue();
    assertThat(TablePattern.parse("Users").ignoresCase()).isTrue();
    assertThat(TablePattern.parse("\"Users\"").matches(t("public", "users"))).isFalse();
    assertThat(TablePattern.parse("\"Users\"").matches(t("public", "Users"))).isTrue();
    assertThat(TablePattern.parse("\"Users\"").ignoresCase()).isFalse();
    assertThat(TablePattern.parse("\"Sales\".Orders").matches(t("Sales", "orders"))).isTrue();
    assertThat(TablePattern.parse("\"Sales\".Orders").matches(t("sales", "orders"))).isFalse();
    assertThat(TablePattern.parse("\"my.schema\".t").matches(t("my.schema", "t"))).isTrue();
  }

  @Test
  void refusesMalformedPatterns() {
    assertThatThrownBy(() -> TablePattern.parse("a.b.c")).hasMessageContaining("schema.table");
    assertThatThrownBy(() -> TablePattern.parse("a.")).hasMessageContaining("empty name part");
    assertThatThrownBy(() -> TablePattern.parse("shard_[ab")).hasMessageContaining("'['");
    assertThatThrownBy(() -> TablePattern.parse("\"open")).hasMessageContaining("double quote");
  }
}
