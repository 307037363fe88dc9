package dev.pitstop.sql;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a PostgreSQL script into statements, reading it through {@link SqlLexer}: semicolons
 * inside string literals ({@code '...'} with {@code ''}, {@code E'...'} with backslash escapes),
 * quoted identifiers, dollar-quoted bodies ({@code $$}, {@code $tag$}, but not {@code $1}), line
 * and nested block comments, {@code BEGIN ATOMIC ... END} function bodies, and parentheses (such as
 * the action list of {@code CREATE RULE ... DO ALSO (INSERT ...; UPDATE ...)}) do not end a
 * statement; like psql, a semicolon only ends one outside parentheses. Empty statements are
 * dropped; the last statement needs no semicolon. A {@code COPY ... FROM STDIN} ended by a
 * semicolon takes the lines after it up to a line {@code \.} as its inline data, as psql and Flyway
 * do ({@link SqlLexer#copyData()}): nothing in them is SQL. Other client-side commands such as
 * psql's {@code \copy} are not supported.
 */
public final class SqlSplitter {

  /** How many leading tokens each statement keeps for classification. */
  public static final int MAX_LEADING_TOKENS = 32;

  private final String text;
  private final List<SqlStatement> statements = new ArrayList<>();
  private int statementStart = -1;
  private int statementLine;
  private List<String> tokens = new ArrayList<>();
  private String previousWord = "";
  private int atomicDepth;
  private int parenDepth;
  private boolean copy;
  private boolean copyFromStdin;
  private final StringBuilder leading = new StringBuilder();

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
    SqlLexer lexer = new SqlLexer(text);
    for (SqlLexer.Token token = lexer.next(); token != null; token = lexer.next()) {
      if (token.kind().isBlank()) {
        if (statementStart < 0) {
          leading.append(token.text());
        }
        continue;
      }
      if (token.kind() == SqlLexer.Kind.SEMICOLON && atomicDepth == 0 && parenDepth == 0) {
        if (statementStart >= 0 && copyFromStdin) {
          SqlLexer.Token data = lexer.copyData();
          finishStatement(token.start(), data.closed() ? data.text() : null);
        } else {
          finishStatement(token.start(), null);
        }
        continue;
      }
      if (statementStart < 0) {
        statementStart = token.start();
        statementLine = token.line();
      }
      switch (token.kind()) {
        case STRING, ESCAPE_STRING, DOLLAR_STRING -> addToken("'");
        case OPEN_PAREN -> {
          parenDepth++;
          addToken(token.text());
        }
        case CLOSE_PAREN -> {
          parenDepth = Math.max(0, parenDepth - 1);
          addToken(token.text());
        }
        case WORD -> {
          onWord(token.text());
          addToken(token.text());
        }
        default -> addToken(token.text());
      }
    }
    finishStatement(text.length(), null);
  }

  /** Tracks SQL-standard function bodies, whose inner semicolons do not end the statement. */
  private void onWord(String word) {
    if (tokens.isEmpty()) {
      copy = word.equalsIgnoreCase("COPY");
    } else if (copy
        && parenDepth == 0
        && word.equalsIgnoreCase("STDIN")
        && previousWord.equalsIgnoreCase("FROM")) {
      copyFromStdin = true;
    }
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

  private void finishStatement(int end, String copyData) {
    if (statementStart >= 0) {
      String sql = text.substring(statementStart, end).stripTrailing();
      statements.add(
          new SqlStatement(
              sql, statementLine, tokens, copyFromStdin, copyData, leading.toString()));
      leading.setLength(0);
    }
    copy = false;
    copyFromStdin = false;
    statementStart = -1;
    tokens = new ArrayList<>();
    previousWord = "";
    atomicDepth = 0;
    parenDepth = 0;
  }
}
