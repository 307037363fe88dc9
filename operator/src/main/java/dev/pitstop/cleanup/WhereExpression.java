package dev.pitstop.cleanup;

import dev.pitstop.sql.SqlCondition;

/**
 * A user's boolean SQL expression, checked on the client before the server sees it by {@link
 * SqlCondition} (the same check as every other {@code where} field): not blank, no semicolon
 * outside literals and comments (so it cannot end the statement), parentheses balanced (so it
 * cannot close the {@code WHERE (...)} it is placed in), every quote and comment closed. The server
 * then checks the rest (names, types, that it is boolean) before anything is deleted.
 */
public final class WhereExpression {
  private final String text;

  private WhereExpression(String text) {
    this.text = text;
  }

  /**
   * Checks {@code text}.
   *
   * @param field names the expression in errors, e.g. {@code rules[stale-cache].where}
   * @throws CleanupException {@link CleanupErrorCode#INVALID_WHERE} with one sentence
   */
  public static WhereExpression parse(String text, String field) {
    try {
      return new WhereExpression(SqlCondition.check(text));
    } catch (SqlCondition.Invalid e) {
      throw new CleanupException(
          CleanupErrorCode.INVALID_WHERE, field, field + " " + reason(e) + ".");
    }
  }

  /** The expression as written (without surrounding whitespace). */
  public String text() {
    return text;
  }

  /**
   * The expression inside parentheses, ready for a WHERE clause; the newline keeps a trailing
   * {@code --} comment from swallowing the closing parenthesis.
   */
  String sql() {
    return SqlCondition.parenthesized(text);
  }

  @Override
  public String toString() {
    return text;
  }

  private static String reason(SqlCondition.Invalid e) {
    return switch (e.problem()) {
      case EMPTY -> "must be a boolean SQL expression such as \"expires_at < now()\"";
      case ONLY_COMMENTS -> "holds only comments; write a boolean SQL expression";
      case SEMICOLON -> "must be one expression: ';' would end the statement, remove it";
      case BACKSLASH -> "has a backslash outside a string; backslash commands are not SQL";
      case UNOPENED_PARENTHESIS -> "has a ')' without a matching '('";
      case UNCLOSED_PARENTHESIS -> "has a '(' that is never closed";
      case UNCLOSED_STRING, UNCLOSED_QUOTED_IDENTIFIER, UNCLOSED_DOLLAR_QUOTE ->
          "has a " + e.opening() + " quote that is never closed";
      case UNCLOSED_COMMENT -> "has a /* comment that is never closed";
    };
  }
}
