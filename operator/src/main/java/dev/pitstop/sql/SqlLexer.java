package dev.pitstop.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts SQL text into tokens the way PostgreSQL's lexer delimits them, so that a semicolon, a
 * parenthesis or a comment marker inside a literal or a comment is never taken for one outside. The
 * one lexer of the product: the script splitter and the checks of user-written expressions both
 * read text through it, so they agree on where every literal and comment starts and ends.
 *
 * <p>Recognised: whitespace (a byte order mark at the very start counts as whitespace), {@code --}
 * line comments (up to, not including, the line break), block comments (which may hold other block
 * comments), string literals {@code '...'} with {@code ''} for a quote, escape strings {@code
 * E'...'} that also take backslash escapes, dollar-quoted strings {@code $$...$$} and {@code
 * $tag$...$tag$} (but not the parameter {@code $1}, nor a {@code $} inside a word such as {@code
 * a$b}), quoted identifiers {@code "..."} with {@code ""} for a quote, semicolons, parentheses,
 * words (letters, digits, {@code _} and {@code $}) and, for anything else, one character at a time.
 * A literal, quoted identifier or block comment that the text ends inside runs to the end and is
 * marked not {@linkplain Token#closed() closed}; what to make of that is the reader's choice.
 *
 * <p>The inline data of a {@code COPY ... FROM STDIN} is not SQL: a reader that has just seen the
 * semicolon ending such a statement reads it with {@link #copyData()}, so that quotes, semicolons
 * and {@code --} in the data are data.
 */
public final class SqlLexer {

  /** What a token is. */
  public enum Kind {
    WHITESPACE,
    /** {@code -- ...} up to the line break. */
    LINE_COMMENT,
    /** A block comment, nested ones included. */
    BLOCK_COMMENT,
    /** {@code '...'}. */
    STRING,
    /** {@code E'...'}, with backslash escapes. */
    ESCAPE_STRING,
    /** {@code $$...$$} or {@code $tag$...$tag$}. */
    DOLLAR_STRING,
    /** {@code "..."}. */
    QUOTED_IDENTIFIER,
    SEMICOLON,
    OPEN_PAREN,
    CLOSE_PAREN,
    /**
     * A run of letters, digits, {@code _} and {@code $}: a keyword, a name, a number, {@code $1}.
     */
    WORD,
    /** Any other single character, such as an operator character or a dot. */
    OTHER,
    /**
     * The inline data lines of a {@code COPY ... FROM STDIN}; only {@link #copyData()} makes it.
     */
    COPY_DATA;

    /** Tells whether the token is whitespace or a comment: nothing the server acts on. */
    public boolean isBlank() {
      return this == WHITESPACE || this == LINE_COMMENT || this == BLOCK_COMMENT;
    }
  }

  /**
   * One token.
   *
   * @param kind what it is
   * @param text the token as written
   * @param start its offset in the text
   * @param line the 1-based line it starts on ({@code \n}, {@code \r\n} and a lone {@code \r} each
   *     end a line)
   * @param closed false for a literal, quoted identifier or block comment that the text ends inside
   */
  public record Token(Kind kind, String text, int start, int line, boolean closed) {
    /** The offset just after the token. */
    public int end() {
      return start + text.length();
    }
  }

  private final String text;
  private int pos;
  private int line = 1;

  /** A lexer at the start of {@code text}. */
  public SqlLexer(String text) {
    this.text = text;
  }

  /** All tokens of {@code text}, whitespace and comments included. */
  public static List<Token> tokens(String text) {
    SqlLexer lexer = new SqlLexer(text);
    List<Token> tokens = new ArrayList<>();
    for (Token token = lexer.next(); token != null; token = lexer.next()) {
      tokens.add(token);
    }
    return tokens;
  }

  /**
   * SQL on one line, for display: whitespace collapsed, and line comments left out, since joined to
   * the next line one would seem to comment out the rest of the statement.
   */
  public static String oneLine(String sql) {
    StringBuilder out = new StringBuilder(sql.length());
    for (Token token : tokens(sql)) {
      out.append(token.kind() == Kind.LINE_COMMENT ? " " : token.text());
    }
    return out.toString().replaceAll("\\s+", " ").strip();
  }

  /** The next token, or null at the end of the text. */
  public Token next() {
    if (pos >= text.length()) {
      return null;
    }
    int start = pos;
    int startLine = line;
    char c = text.charAt(pos);
    Kind kind;
    boolean closed = true;
    if (Character.isWhitespace(c) || (pos == 0 && c == '\uFEFF')) {
      kind = Kind.WHITESPACE;
      int end = pos + 1;
      while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
        end++;
      }
      advanceTo(end);
    } else if (c == '-' && peek(1) == '-') {
      kind = Kind.LINE_COMMENT;
      int end = pos;
      while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
        end++;
      }
      pos = end;
    } else if (c == '/' && peek(1) == '*') {
      kind = Kind.BLOCK_COMMENT;
      closed = skipBlockComment();
    } else if (c == '\'') {
      kind = Kind.STRING;
      closed = skipQuoted(pos, '\'', false);
    } else if (c == '"') {
      kind = Kind.QUOTED_IDENTIFIER;
      closed = skipQuoted(pos, '"', false);
    } else if (c == '$' && dollarTagLength() > 0) {
      kind = Kind.DOLLAR_STRING;
      closed = skipDollarQuoted();
    } else if (SqlIdentifiers.isIdentifierPart(c)) {
      int end = pos;
      while (end < text.length() && SqlIdentifiers.isIdentifierPart(text.charAt(end))) {
        end++;
      }
      if (end == pos + 1 && (c == 'E' || c == 'e') && peek(1) == '\'') {
        kind = Kind.ESCAPE_STRING;
        closed = skipQuoted(end, '\'', true);
      } else {
        kind = Kind.WORD;
        pos = end;
      }
    } else {
      kind =
          switch (c) {
            case ';' -> Kind.SEMICOLON;
            case '(' -> Kind.OPEN_PAREN;
            case ')' -> Kind.CLOSE_PAREN;
            default -> Kind.OTHER;
          };
      pos++;
    }
    return new Token(kind, text.substring(start, pos), start, startLine, closed);
  }

  /**
   * Reads the inline data of a {@code COPY ... FROM STDIN} whose terminating semicolon was the last
   * token, as psql and Flyway do: the rest of the semicolon's line is skipped, then every line up
   * to a line that is {@code \.} (surrounding whitespace allowed) is data. The token holds those
   * lines with their line breaks and starts on the first of them; the terminating line is consumed
   * but belongs to no token. Without a terminating line the data runs to the end of the text and
   * the token is not {@linkplain Token#closed() closed}.
   */
  public Token copyData() {
    advanceTo(afterLineBreak(lineEnd(pos)));
    int start = pos;
    int startLine = line;
    int lineStart = pos;
    while (lineStart < text.length()) {
      int lineEnd = lineEnd(lineStart);
      if (text.substring(lineStart, lineEnd).trim().equals("\\.")) {
        String data = text.substring(start, lineStart);
        advanceTo(afterLineBreak(lineEnd));
        return new Token(Kind.COPY_DATA, data, start, startLine, true);
      }
      lineStart = afterLineBreak(lineEnd);
    }
    advanceTo(text.length());
    return new Token(Kind.COPY_DATA, text.substring(start), start, startLine, false);
  }

  /** The offset of the line break ending the line that {@code from} is on, or the text's end. */
  private int lineEnd(int from) {
    int i = from;
    while (i < text.length() && text.charAt(i) != '\n' && text.charAt(i) != '\r') {
      i++;
    }
    return i;
  }

  /** The offset after the line break at {@code at} ({@code \r\n} counts as one). */
  private int afterLineBreak(int at) {
    if (at >= text.length()) {
      return at;
    }
    if (text.charAt(at) == '\r' && at + 1 < text.length() && text.charAt(at + 1) == '\n') {
      return at + 2;
    }
    return at + 1;
  }

  /**
   * Skips a quoted literal whose opening quote is at {@code quoteAt}; a doubled quote is an escaped
   * quote. Returns whether the closing quote was found.
   */
  private boolean skipQuoted(int quoteAt, char quote, boolean backslashEscapes) {
    int i = quoteAt + 1;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
          i += 2;
        } else {
          advanceTo(i + 1);
          return true;
        }
      } else {
        i++;
      }
    }
    advanceTo(text.length());
    return false;
  }

  /**
   * Returns the length of a dollar-quote opening tag at pos ({@code $$} or {@code $tag$}), or 0.
   */
  private int dollarTagLength() {
    if (pos > 0
        && SqlIdentifiers.isIdentifierPart(text.charAt(pos - 1))
        && !(pos == 1 && text.charAt(0) == '\uFEFF')) {
      return 0; // a $ inside an identifier such as a$b
    }
    int i = pos + 1;
    if (i < text.length() && text.charAt(i) == '$') {
      return 2;
    }
    if (i >= text.length() || !SqlIdentifiers.isIdentifierStart(text.charAt(i))) {
      return 0; // $1 is a parameter, not a tag
    }
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '$') {
        return i + 1 - pos;
      }
      if (!SqlIdentifiers.isIdentifierStart(c) && !Character.isDigit(c)) {
        return 0;
      }
      i++;
    }
    return 0;
  }

  private boolean skipDollarQuoted() {
    String tag = text.substring(pos, pos + dollarTagLength());
    int close = text.indexOf(tag, pos + tag.length());
    advanceTo(close < 0 ? text.length() : close + tag.length());
    return close >= 0;
  }

  private boolean skipBlockComment() {
    int depth = 0;
    int i = pos;
    while (i < text.length()) {
      if (text.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (text.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          advanceTo(i);
          return true;
        }
      } else {
        i++;
      }
    }
    advanceTo(text.length());
    return false;
  }

  /** Moves pos forward, counting line breaks ({@code \n}, {@code \r\n} or a lone {@code \r}). */
  private void advanceTo(int target) {
    int end = Math.min(target, text.length());
    while (pos < end) {
      char c = text.charAt(pos);
      if (c == '\n' || (c == '\r' && (pos + 1 >= text.length() || text.charAt(pos + 1) != '\n'))) {
        line++;
      }
      pos++;
    }
  }

  private char peek(int offset) {
    int i = pos + offset;
    return i < text.length() ? text.charAt(i) : '\0';
  }
}
