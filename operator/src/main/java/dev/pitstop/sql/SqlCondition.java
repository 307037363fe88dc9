package dev.pitstop.sql;

/**
 * A boolean SQL expression written by a user (a {@code where} field), checked for its shape before
 * the server ever sees it: it must be one expression that Pitstop can put inside parentheses, so it
 * cannot end the surrounding statement or close the parentheses around it. The text is read through
 * {@link SqlLexer}, so a {@code ;} or a parenthesis inside a literal or a comment counts for
 * nothing, as on the server. Comments are allowed, as PostgreSQL allows them: a {@code --} comment
 * ends at the line break that {@link #parenthesized} puts before the closing parenthesis, and a
 * block comment must be closed. Whether the expression is valid SQL, and boolean, only the server
 * can tell; callers check that with {@code EXPLAIN} or a read-only query before anything changes.
 *
 * <p>Every {@code where} field goes through this one check (each with its own wording of the
 * problems), so all of them accept and refuse the same texts.
 */
public final class SqlCondition {

  /** Why a text is not one expression. */
  public enum Problem {
    /** Null or only whitespace. */
    EMPTY,
    /** Only comments and whitespace. */
    ONLY_COMMENTS,
    /** A {@code ;} outside literals and comments: it would end the statement. */
    SEMICOLON,
    /** A backslash outside literals: psql would take it for a command; the server refuses it. */
    BACKSLASH,
    /** A {@code )} without a matching {@code (}: it would close the surrounding parenthesis. */
    UNOPENED_PARENTHESIS,
    /** A {@code (} that is never closed. */
    UNCLOSED_PARENTHESIS,
    /** A {@code '...'} or {@code E'...'} literal that is never closed. */
    UNCLOSED_STRING,
    /** A {@code "..."} identifier that is never closed. */
    UNCLOSED_QUOTED_IDENTIFIER,
    /** A dollar-quoted literal that is never closed; {@link Invalid#opening()} is its tag. */
    UNCLOSED_DOLLAR_QUOTE,
    /** A block comment that is never closed. */
    UNCLOSED_COMMENT
  }

  /** A text that is not one expression; the message is a reason without field name or period. */
  public static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final Problem problem;
    private final String opening;

    Invalid(Problem problem, String opening) {
      super(message(problem, opening));
      this.problem = problem;
      this.opening = opening;
    }

    /** What is wrong. */
    public Problem problem() {
      return problem;
    }

    /**
     * For something never closed, how it opens ({@code '}, {@code "}, {@code $tag$}, {@code /*});
     * otherwise null.
     */
    public String opening() {
      return opening;
    }
  }

  private SqlCondition() {}

  /**
   * Checks the shape of {@code text}.
   *
   * @return the expression, stripped of surrounding whitespace
   * @throws Invalid with a reason (no field name, no trailing period), e.g. {@code must not contain
   *     ';'}
   */
  public static String check(String text) {
    if (text == null || text.isBlank()) {
      throw new Invalid(Problem.EMPTY, null);
    }
    String sql = text.strip();
    SqlLexer lexer = new SqlLexer(sql);
    int depth = 0;
    boolean sawExpression = false;
    for (SqlLexer.Token token = lexer.next(); token != null; token = lexer.next()) {
      if (!token.closed()) {
        throw unclosed(token);
      }
      switch (token.kind()) {
        case SEMICOLON -> throw new Invalid(Problem.SEMICOLON, null);
        case OPEN_PAREN -> depth++;
        case CLOSE_PAREN -> {
          if (--depth < 0) {
            throw new Invalid(Problem.UNOPENED_PARENTHESIS, null);
          }
        }
        case OTHER -> {
          if (token.text().equals("\\")) {
            throw new Invalid(Problem.BACKSLASH, null);
          }
        }
        default -> {}
      }
      sawExpression |= !token.kind().isBlank();
    }
    if (depth > 0) {
      throw new Invalid(Problem.UNCLOSED_PARENTHESIS, null);
    }
    if (!sawExpression) {
      throw new Invalid(Problem.ONLY_COMMENTS, null);
    }
    return sql;
  }

  /**
   * The checked expression inside parentheses, ready for a WHERE clause; the line break keeps a
   * trailing {@code --} comment from swallowing the closing parenthesis.
   */
  public static String parenthesized(String expression) {
    return "(" + expression + "\n)";
  }

  private static Invalid unclosed(SqlLexer.Token token) {
    return switch (token.kind()) {
      case STRING, ESCAPE_STRING -> new Invalid(Problem.UNCLOSED_STRING, "'");
      case QUOTED_IDENTIFIER -> new Invalid(Problem.UNCLOSED_QUOTED_IDENTIFIER, "\"");
      case DOLLAR_STRING ->
          new Invalid(
              Problem.UNCLOSED_DOLLAR_QUOTE,
              token.text().substring(0, token.text().indexOf('$', 1) + 1));
      case BLOCK_COMMENT -> new Invalid(Problem.UNCLOSED_COMMENT, "/*");
      default -> throw new IllegalStateException("a " + token.kind() + " is always closed");
    };
  }

  private static String message(Problem problem, String opening) {
    return switch (problem) {
      case EMPTY -> "must be a boolean SQL expression, not empty";
      case ONLY_COMMENTS -> "must be a boolean SQL expression, not only comments";
      case SEMICOLON -> "must be one expression and must not contain ';'";
      case BACKSLASH -> "must not contain backslash commands";
      case UNOPENED_PARENTHESIS -> "closes a parenthesis it did not open";
      case UNCLOSED_PARENTHESIS -> "leaves a parenthesis open";
      case UNCLOSED_STRING -> "has a single quote that is not closed";
      case UNCLOSED_QUOTED_IDENTIFIER -> "has a double quote that is not closed";
      case UNCLOSED_DOLLAR_QUOTE -> "has a dollar quote " + opening + " that is not closed";
      case UNCLOSED_COMMENT -> "has a /* comment that is not closed";
    };
  }
}
