package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SqlIdentifiersTest {

  @Test
  void quoteAlwaysQuotesAndDoublesEmbeddedQuotes() {
    assertThat(SqlIdentifiers.quote("users")).isEqualTo("\"users\"");
    assertThat(SqlIdentifiers.quote("My \"odd\" Table")).isEqualTo("\"My \"\"odd\"\" Table\"");
  }

  @Test
  void quoteRejectsEmptyNulAndTooLongNames() {
    assertThatThrownBy(() -> SqlIdentifiers.quote("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SqlIdentifiers.quote("a\0b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(SqlIdentifiers.quote("x".repeat(63))).hasSize(65);
    assertThatThrownBy(() -> SqlIdentifiers.quote("x".repeat(64)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("63 bytes");
    // 32 two-byte characters are 64 bytes
    assertThatThrownBy(() -> SqlIdentifiers.quote("é".repeat(32)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void parsesUnqualifiedAndQualifiedNamesFoldingUnquotedParts() {
    assertThat(SqlIdentifiers.qualified("Flyway_Schema_History"))
        .isEqualTo(new QualifiedName(null, "flyway_schema_history"));
    assertThat(SqlIdentifiers.qualified("App.History"))
        .isEqualTo(new QualifiedName("app", "history"));
    assertThat(SqlIdentifiers.qualified(" public.t ").sql()).isEqualTo("\"public\".\"t\"");
  }

  @Test
  void acceptsQuotedParts() {
    QualifiedName name = SqlIdentifiers.qualified("\"My Schema\".\"My \"\"Table\"\"\"");
    assertThat(name).isEqualTo(new QualifiedName("My Schema", "My \"Table\""));
    assertThat(name.sql()).isEqualTo("\"My Schema\".\"My \"\"Table\"\"\"");
    assertThat(name.toString()).isEqualTo("\"My Schema\".\"My \"\"Table\"\"\"");
    assertThat(SqlIdentifiers.qualified("\"a.b\"")).isEqualTo(new QualifiedName(null, "a.b"));
  }

  @Test
  void rejectsInvalidNamesWithOneSentence() {
    for (String bad :
        new String[] {
          "",
          " ",
          "a.b.c",
          "a b",
          "a;drop table x",
          "1abc",
          "a.",
          ".a",
          "\"open",
          "\"a\"b",
          "a.\"\"",
          "x".repeat(64)
        }) {
      assertThatThrownBy(() -> SqlIdentifiers.qualified(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .message()
          .endsWith(".")
          .doesNotContain("\n");
    }
    assertThatThrownBy(() -> SqlIdentifiers.qualified("a b"))
        .hasMessage(
            "\"a b\" is not a valid table name: use letters, digits and underscores, or"
                + " double-quote a part that has other characters.");
  }

  @Test
  void withDefaultSchemaKeepsExplicitSchema() {
    assertThat(SqlIdentifiers.qualified("t").withDefaultSchema("s"))
        .isEqualTo(new QualifiedName("s", "t"));
    assertThat(SqlIdentifiers.qualified("x.t").withDefaultSchema("s"))
        .isEqualTo(new QualifiedName("x", "t"));
  }

  @Test
  void quoteIfNeededQuotesWhatWouldNotReadBackAsTheSameName() {
    assertThat(SqlIdentifiers.quoteIfNeeded("orders")).isEqualTo("orders");
    assertThat(SqlIdentifiers.quoteIfNeeded("line_items2$")).isEqualTo("line_items2$");
    assertThat(SqlIdentifiers.quoteIfNeeded("café")).isEqualTo("café");
    assertThat(SqlIdentifiers.quoteIfNeeded("Orders")).isEqualTo("\"Orders\"");
    assertThat(SqlIdentifiers.quoteIfNeeded("x.y")).isEqualTo("\"x.y\"");
    assertThat(SqlIdentifiers.quoteIfNeeded("order items")).isEqualTo("\"order items\"");
    assertThat(SqlIdentifiers.quoteIfNeeded("1st")).isEqualTo("\"1st\"");
    assertThat(SqlIdentifiers.quoteIfNeeded("a\"b")).isEqualTo("\"a\"\"b\"");
  }
}
