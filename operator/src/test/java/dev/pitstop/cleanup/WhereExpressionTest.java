package dev.pitstop.cleanup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WhereExpressionTest {
  private static final String FIELD = "rules[stale-cache].where";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "expires_at < now() OR invalid",
        "note LIKE '%;%'",
        "note = 'it''s; fine'",
        "note = E'a\\'; b'",
        "body = $$; ) ($$",
        "body = $tag$ ; $tag$",
        "\"odd;name\" IS NULL",
        "(a = 1 AND (b = 2 OR c = 3))",
        "EXISTS (SELECT 1 FROM sessions s WHERE s.id = session_id)",
        "invalid -- trailing comment ; with semicolon",
        "/* why: ; ( */ invalid",
        "x = $1 IS NULL OR true"
      })
  void acceptsSingleExpressions(String text) {
    assertThat(WhereExpression.parse(text, FIELD).text()).isEqualTo(text);
  }

  @Test
  void wrapsInParenthesesWithANewlineSoATrailingCommentCannotEatTheClosingOne() {
    assertThat(WhereExpression.parse("  invalid -- why  ", FIELD).sql())
        .isEqualTo("(invalid -- why\n)");
  }

  @Test
  void refusesASemicolon() {
    assertThatThrownBy(() -> WhereExpression.parse("true; DROP TABLE users", FIELD))
        .isInstanceOf(CleanupException.class)
        .hasMessage(FIELD + " must be one expression: ';' would end the statement, remove it.")
        .satisfies(
            e -> {
              CleanupException c = (CleanupException) e;
              assertThat(c.code()).isEqualTo(CleanupErrorCode.INVALID_WHERE);
              assertThat(c.subject()).isEqualTo(FIELD);
            });
  }

  @Test
  void refusesATrailingSemicolon() {
    assertThatThrownBy(() -> WhereExpression.parse("invalid;", FIELD))
        .hasMessageContaining("';' would end the statement");
  }

  @Test
  void refusesBreakingOutOfTheParentheses() {
    assertThatThrownBy(() -> WhereExpression.parse("false) OR (true", FIELD))
        .hasMessage(FIELD + " has a ')' without a matching '('.");
    assertThatThrownBy(() -> WhereExpression.parse("(a = 1", FIELD))
        .hasMessage(FIELD + " has a '(' that is never closed.");
  }

  @ParameterizedTest
  @ValueSource(strings = {"note = 'open", "\"open = 1", "body = $$ open", "/* open"})
  void refusesUnclosedQuotesAndComments(String text) {
    assertThatThrownBy(() -> WhereExpression.parse(text, FIELD))
        .isInstanceOf(CleanupException.class)
        .hasMessageContaining("never closed");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "-- only a comment", "/* nothing */"})
  void refusesEmptyExpressions(String text) {
    assertThatThrownBy(() -> WhereExpression.parse(text, FIELD))
        .isInstanceOf(CleanupException.class)
        .hasMessageStartingWith(FIELD);
  }

  @Test
  void refusesNull() {
    assertThatThrownBy(() -> WhereExpression.parse(null, FIELD))
        .hasMessageContaining("must be a boolean SQL expression");
  }
}
