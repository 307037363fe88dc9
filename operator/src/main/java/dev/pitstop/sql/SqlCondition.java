package dev.pitstop.sql;

/**
 * A boolean SQL expression written by a user (a {@code where} field), checked for its shape before
 * the server ever sees it: it must be one expression that Pitstop can put inside parentheses, so it
 * cannot end the surrounding statement, comment out what follows it or close the parentheses around
 * it. Whether it is valid SQL, and boolean, only the server can tell; callers check that with
 * {@code EXPLAIN} in a read-only transaction.
 */
public final class SqlCondition {

  private SqlCondition() {}

  /**
   * Checks the shape of {@code text}.
   *
   * @return the expression, stripped of surrounding whitespace
   * @throws IllegalArgumentException with a reason (no field name, no trailing period), e.g. {@code
   *     must not contain ';'}
   */
  public static String check(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("must be a boolean SQL expression, not empty");
    }
    String sql = text.strip();
    int depth = 0;
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\'') {
        i = skipQuoted(sql, i, '\'', isEscapeStringPrefix(sql, i));
      } else if (c == '"') {
        i = skipQuoted(sql, i, '"', false);
      } else if (c == '$' && dollarTag(sql, i) != null) {
        String tag = dollarTag(sql, i);
        int close = sql.indexOf(tag, i + tag.length());
        if (close < 0) {
          throw new IllegalArgumentException("has a dollar quote " + tag + " that is not closed");
        }
        i = close + tag.length();
      } else if (c == ';') {
        throw new IllegalArgumentException("must be one expression and must not contain ';'");
      } else if (c == '-' && i + 1 < sql.length() && sql.charAt(i + 1) == '-') {
        throw new IllegalArgumentException("must not contain comments (--)");
      } else if (c == '/' && i + 1 < sql.length() && sql.charAt(i + 1) == '*') {
        throw new IllegalArgumentException("must not contain comments (/*)");
      } else if (c == '\\') {
        throw new IllegalArgumentException("must not contain backslash commands");
      } else {
        if (c == '(') {
          depth++;
        } else if (c == ')') {
          depth--;
          if (depth < 0) {
            throw new IllegalArgumentException("closes a parenthesis it did not open");
          }
        }
        i++;
      }
    }
    if (depth != 0) {
      throw new IllegalArgumentException("leaves a parenthesis open");
    }
    return sql;
  }

  /** Tells whether the quote at {@code i} opens an E'...' string (backslash escapes). */
  private static boolean isEscapeStringPrefix(String sql, int i) {
    return i > 0
        && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
        && (i < 2 || !SqlIdentifiers.isIdentifierPart(sql.charAt(i - 2)));
  }

  /** Returns the index after the closing quote; a doubled quote is an escaped quote. */
  private static int skipQuoted(String sql, int start, char quote, boolean backslashEscapes) {
    int i = start + 1;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    throw new IllegalArgumentException(
        "has a " + (quote == '"' ? "double" : "single") + " quote that is not closed");
  }

  /** Returns the dollar-quote tag ({@code $$} or {@code $tag$}) starting at {@code i}, or null. */
  private static String dollarTag(String sql, int i) {
    if (i > 0 && SqlIdentifiers.isIdentifierPart(sql.charAt(i - 1))) {
      return null;
    }
    int j = i + 1;
    if (j < sql.length() && sql.charAt(j) == '$') {
      return "$$";
    }
    if (j >= sql.length() || !SqlIdentifiers.isIdentifierStart(sql.charAt(j))) {
      return null;
    }
    while (j < sql.length()) {
      char c = sql.charAt(j);
      if (c == '$') {
        return sql.substring(i, j + 1);
      }
      if (!SqlIdentifiers.isIdentifierStart(c) && !Character.isDigit(c)) {
        return null;
      }
      j++;
    }
    return null;
  }
}
