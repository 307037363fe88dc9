package dev.pitstop.cleanup;

/**
 * A user's boolean SQL expression, checked on the client before the server sees it: not blank, no
 * semicolon outside literals and comments (so it cannot end the statement), parentheses balanced
 * (so it cannot close the {@code WHERE (...)} it is placed in), every quote and comment closed. The
 * server then checks the rest (names, types, that it is boolean) before anything is deleted.
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
    if (text == null || text.isBlank()) {
      throw invalid(field, "must be a boolean SQL expression such as \"expires_at < now()\"");
    }
    new Scanner(text.strip(), field).check();
    return new WhereExpression(text.strip());
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
    return "(" + text + "\n)";
  }

  @Override
  public String toString() {
    return text;
  }

  private static CleanupException invalid(String field, String what) {
    return new CleanupException(CleanupErrorCode.INVALID_WHERE, field, field + " " + what + ".");
  }

  /** Walks the text the way the server's lexer would, tracking parentheses outside literals. */
  private static final class Scanner {
    private final String text;
    private final String field;
    private int pos;
    private int depth;
    private boolean sawToken;

    Scanner(String text, String field) {
      this.text = text;
      this.field = field;
    }

    void check() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c == '-' && peek(1) == '-') {
          skipLineComment();
        } else if (c == '/' && peek(1) == '*') {
          skipBlockComment();
        } else if (c == '\'') {
          skipQuoted('\'', isEscapeString());
        } else if (c == '"') {
          skipQuoted('"', false);
        } else if (c == '$' && dollarTag() != null) {
          skipDollarQuoted(dollarTag());
        } else {
          if (c == ';') {
            throw invalid(field, "must be one expression: ';' would end the statement, remove it");
          }
          if (c == '(') {
            depth++;
          } else if (c == ')' && --depth < 0) {
            throw invalid(field, "has a ')' without a matching '('");
          }
          if (!Character.isWhitespace(c)) {
            sawToken = true;
          }
          pos++;
        }
      }
      if (depth > 0) {
        throw invalid(field, "has a '(' that is never closed");
      }
      if (!sawToken) {
        throw invalid(field, "holds only comments; write a boolean SQL expression");
      }
    }

    private char peek(int ahead) {
      int i = pos + ahead;
      return i < text.length() ? text.charAt(i) : '\0';
    }

    private boolean isEscapeString() {
      if (pos == 0 || (text.charAt(pos - 1) != 'E' && text.charAt(pos - 1) != 'e')) {
        return false;
      }
      if (pos == 1) {
        return true;
      }
      char before = text.charAt(pos - 2);
      return !(Character.isLetterOrDigit(before) || before == '_' || before == '$');
    }

    private void skipLineComment() {
      while (pos < text.length() && text.charAt(pos) != '\n' && text.charAt(pos) != '\r') {
        pos++;
      }
    }

    private void skipBlockComment() {
      int nesting = 0;
      while (pos < text.length()) {
        if (text.startsWith("/*", pos)) {
          nesting++;
          pos += 2;
        } else if (text.startsWith("*/", pos)) {
          nesting--;
          pos += 2;
          if (nesting == 0) {
            return;
          }
        } else {
          pos++;
        }
      }
      throw invalid(field, "has a /* comment that is never closed");
    }

    private void skipQuoted(char quote, boolean backslashEscapes) {
      sawToken = true;
      pos++;
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (backslashEscapes && c == '\\') {
          pos += 2;
        } else if (c == quote) {
          if (peek(1) == quote) {
            pos += 2;
          } else {
            pos++;
            return;
          }
        } else {
          pos++;
        }
      }
      throw invalid(field, "has a " + quote + " quote that is never closed");
    }

    /** The dollar-quote tag starting at pos ({@code $$} or {@code $tag$}), or null. */
    private String dollarTag() {
      int end = pos + 1;
      while (end < text.length()
          && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
        end++;
      }
      if (end >= text.length() || text.charAt(end) != '$') {
        return null;
      }
      String tag = text.substring(pos, end + 1);
      return tag.length() > 2 && Character.isDigit(tag.charAt(1)) ? null : tag;
    }

    private void skipDollarQuoted(String tag) {
      sawToken = true;
      int close = text.indexOf(tag, pos + tag.length());
      if (close < 0) {
        throw invalid(field, "has a " + tag + " quote that is never closed");
      }
      pos = close + tag.length();
    }
  }
}
