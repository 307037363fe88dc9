package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SqlConditionTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "role = 'admin'",
        "  email LIKE '%@example.com' AND (id < 10 OR name = 'a;b')  ",
        "note = 'it''s (fine'",
        "\"Weird ) Column\" IS NOT NULL",
        "body = $$ -- not a comment; ( $$",
        "body = $tag$ ) $tag$",
        "path = E'a\\'b;c'",
        "created_at > now() - interval '7 days'",
        "amount::numeric > 1"
      })
  void acceptsOneExpression(String text) {
    assertThat(SqlCondition.check(text)).isEqualTo(text.strip());
  }

  @Test
  void refusesASemicolon() {
    assertThatThrownBy(() -> SqlCondition.check("true; DROP TABLE users"))
        .hasMessage("must be one expression and must not contain ';'");
  }

  @Test
  void acceptsClosedCommentsAsPostgresqlDoes() {
    assertThat(SqlCondition.check("true -- and the rest")).isEqualTo("true -- and the rest");
    assertThat(SqlCondition.check("true /* x */")).isEqualTo("true /* x */");
    assertThatThrownBy(() -> SqlCondition.check("true /* x"))
        .hasMessage("has a /* comment that is not closed");
  }

  @Test
  void aTrailingLineCommentCannotSwallowTheClosingParenthesis() {
    assertThat(SqlCondition.parenthesized(SqlCondition.check("true -- why")))
        .isEqualTo("(true -- why\n)");
  }

  @Test
  void refusesEscapingTheParentheses() {
    assertThatThrownBy(() -> SqlCondition.check("true) OR (true"))
        .hasMessage("closes a parenthesis it did not open");
    assertThatThrownBy(() -> SqlCondition.check("(true")).hasMessage("leaves a parenthesis open");
  }

  @Test
  void refusesUnclosedQuotes() {
    assertThatThrownBy(() -> SqlCondition.check("name = 'abc"))
        .hasMessage("has a single quote that is not closed");
    assertThatThrownBy(() -> SqlCondition.check("\"abc = 1"))
        .hasMessage("has a double quote that is not closed");
    assertThatThrownBy(() -> SqlCondition.check("x = $$abc"))
        .hasMessageContaining("dollar quote $$");
  }

  @Test
  void aWordEndingInEBeforeAQuoteIsNotAnEscapeString() {
    // LIKE'a\' is a plain string ending in a backslash, so the expression is complete.
    assertThat(SqlCondition.check("name LIKE'a\\'")).isEqualTo("name LIKE'a\\'");
  }

  @Test
  void refusesEmpty() {
    assertThatThrownBy(() -> SqlCondition.check("  "))
        .hasMessage("must be a boolean SQL expression, not empty");
  }
}
