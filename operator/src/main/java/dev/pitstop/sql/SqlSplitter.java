package dev.pitstop.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a PostgreSQL script into statements, the way the server's lexer would see them: semicolons
 * inside string literals ({@code '...'} with {@code ''}, {@code E'...'} with backslash escapes),
 * quoted identifiers, dollar-quoted bodies ({@code $$}, {@code $tag$}, but not {@code $1}), line
 * and nested block comments, and {@code BEGIN ATOMIC ... END} function bodies do not end a
 * statement. Empty statements are dropped; the last statement needs no semicolon. Client-side
 * commands such as psql's {@code \copy} or {@code COPY ... FROM stdin} data are not supported.
 */
public final class SqlSplitter {

  /** How many leading tokens each statement keeps for classification. */
  public static final int MAX_LEADING_TOKENS = 32;

  private final String text;
  private int pos;
  private int line = 1;

  private final List<SqlStatement> statements = new ArrayList<>();
  private int statementStart = -1;
  private int statementLine;
  private List<String> tokens = new ArrayList<>();
  private String previousWord = "";
  private int atomicDepth;

  private SqlSplitter(String text) {
    this.text = text;
  }

  /** Splits the script; never returns empty statements. */
  public static List<SqlStatement> split(String script) {
    SqlSplitter splitter = new SqlSplitter(script);
    splitter.run();
    return List.copyOf(splitter.statements);
  }

  private void run() {
    if (text.startsWith("\uFEFF")) {
      pos = 1; // a byte order mark is not part of the first statement
    }
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '\n' || c == '\r' || Character.isWhitespace(c)) {
        advanceTo(pos + 1);
      } else if (c == '-' && peek(1) == '-') {
        int end = pos;
        while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
          end++;
        }
        pos = end;
      } else if (c == '/' && peek(1) == '*') {
        skipBlockComment();
      } else if (c == ';' && atomicDepth == 0) {
        finishStatement(pos);
        pos++;
      } else {
        startStatementIfNeeded();
        readToken(c);
      }
    }
    finishStatement(text.length());
  }

  private void readToken(char c) {
    if (c == '\'') {
      skipQuoted('\'', false);
      addToken("'");
    } else if (c == '"') {
      int start = pos;
      skipQuoted('"', false);
      addToken(text.substring(start, pos));
    } else if (c == '$' && dollarTagLength() > 0) {
      skipDollarQuoted();
      addToken("'");
    } else if (SqlIdentifiers.isIdentifierPart(c)) {
      int start = pos;
      while (pos < text.length() && SqlIdentifiers.isIdentifierPart(text.charAt(pos))) {
        pos++;
      }
      String word = text.substring(start, pos);
      if (word.equalsIgnoreCase("E") && peek(0) == '\'') {
        skipQuoted('\'', true);
        addToken("'");
      } else {
        onWord(word);
        addToken(word);
      }
    } else {
      addToken(String.valueOf(c));
      pos++;
    }
  }

  /** Tracks SQL-standard function bodies, whose inner semicolons do not end the statement. */
  private void onWord(String word) {
    if (atomicDepth == 0) {
      if (word.equalsIgnoreCase("ATOMIC") && previousWord.equalsIgnoreCase("BEGIN")) {
        atomicDepth = 1;
      }
    } else if (word.equalsIgnoreCase("CASE")) {
      atomicDepth++;
    } else if (word.equalsIgnoreCase("END")) {
      atomicDepth--;
    }
    previousWord = word;
  }

  private void addToken(String token) {
    if (tokens.size() < MAX_LEADING_TOKENS) {
      tokens.add(token);
    }
  }

  private void startStatementIfNeeded() {
    if (statementStart < 0) {
      statementStart = pos;
      statementLine = line;
    }
  }

  private void finishStatement(int end) {
    if (statementStart >= 0) {
      String sql = text.substring(statementStart, end).stripTrailing();
      statements.add(new SqlStatement(sql, statementLine, tokens));
    }
    statementStart = -1;
    tokens = new ArrayList<>();
    previousWord = "";
    atomicDepth = 0;
  }

  /** Skips a quoted literal starting at pos; a doubled quote is an escaped quote. */
  private void skipQuoted(char quote, boolean backslashEscapes) {
    int i = pos + 1;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (i + 1 < text.length() && text.charAt(i + 1) == quote) {
          i += 2;
        } else {
          advanceTo(i + 1);
          return;
        }
      } else {
        i++;
      }
    }
    advanceTo(text.length());
  }

  /**
   * Returns the length of a dollar-quote opening tag at pos ({@code $$} or {@code $tag$}), or 0.
   */
  private int dollarTagLength() {
    if (pos > 0 && SqlIdentifiers.isIdentifierPart(text.charAt(pos - 1))) {
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

  private void skipDollarQuoted() {
    String tag = text.substring(pos, pos + dollarTagLength());
    int close = text.indexOf(tag, pos + tag.length());
    advanceTo(close < 0 ? text.length() : close + tag.length());
  }

  private void skipBlockComment() {
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
          break;
        }
      } else {
        i++;
      }
    }
    advanceTo(Math.min(i, text.length()));
  }

  /** Moves pos forward, counting line breaks ({@code \n}, {@code \r\n} or a lone {@code \r}). */
  private void advanceTo(int target) {
    while (pos < target) {
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
