package dev.pitstop.sql;

import java.io.IOException;
import java.io.StringReader;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.PGConnection;

/**
 * One statement of a script, as {@link SqlSplitter} found it.
 *
 * @param sql the statement text without leading comments and without the terminating semicolon
 * @param line the 1-based line of the file on which the statement starts
 * @param leadingTokens up to the first {@value SqlSplitter#MAX_LEADING_TOKENS} tokens outside
 *     comments: words as written, quoted identifiers with their quotes, punctuation as single
 *     characters, and every string or dollar-quoted literal as {@code '}
 * @param copyFromStdin whether it is a {@code COPY ... FROM STDIN}, whose rows follow it in the
 *     script
 * @param copyData for a {@code COPY ... FROM STDIN}, the inline data lines after it (with their
 *     line breaks, without the terminating {@code \.} line), or null when the script has none or
 *     does not end them with a {@code \.} line; null for any other statement
 * @param leadingComments the script's text between the end of the previous statement (or the start
 *     of the script) and this statement: whitespace and comments, never executed; empty when none
 */
public record SqlStatement(
    String sql,
    int line,
    List<String> leadingTokens,
    boolean copyFromStdin,
    String copyData,
    String leadingComments) {

  public SqlStatement {
    leadingTokens = List.copyOf(leadingTokens);
    leadingComments = leadingComments == null ? "" : leadingComments;
  }

  /** A statement without leading comments. */
  public SqlStatement(
      String sql, int line, List<String> leadingTokens, boolean copyFromStdin, String copyData) {
    this(sql, line, leadingTokens, copyFromStdin, copyData, "");
  }

  /** A statement that is not a {@code COPY ... FROM STDIN}. */
  public SqlStatement(String sql, int line, List<String> leadingTokens) {
    this(sql, line, leadingTokens, false, null, "");
  }

  /**
   * Tells whether it is a {@code COPY ... FROM STDIN} without its data: the script ends before a
   * line {@code \.} closes the data, or has no line after the statement at all.
   */
  public boolean lacksCopyData() {
    return copyFromStdin && copyData == null;
  }

  /**
   * Runs the statement on {@code statement}'s session: a {@code COPY ... FROM STDIN} through the
   * driver's copy protocol, fed with its inline data; anything else as it is.
   *
   * @throws IllegalStateException for a {@code COPY ... FROM STDIN} that {@linkplain
   *     #lacksCopyData() lacks its data}, which callers refuse before running anything
   */
  public void execute(Statement statement) throws SQLException {
    if (!copyFromStdin) {
      statement.execute(sql);
      return;
    }
    if (copyData == null) {
      throw new IllegalStateException("COPY ... FROM STDIN at line " + line + " has no data");
    }
    try {
      statement
          .getConnection()
          .unwrap(PGConnection.class)
          .getCopyAPI()
          .copyIn(sql, new StringReader(copyData));
    } catch (IOException e) {
      throw new SQLException("Cannot read the inline data of COPY at line " + line, e);
    }
  }

  /**
   * Tells whether the leading tokens are these words, ignoring case (quoted tokens never match).
   */
  public boolean startsWith(String... words) {
    if (leadingTokens.size() < words.length) {
      return false;
    }
    for (int i = 0; i < words.length; i++) {
      if (!leadingTokens.get(i).equalsIgnoreCase(words[i])) {
        return false;
      }
    }
    return true;
  }

  /** Tells whether one of the leading tokens is this word, ignoring case. */
  public boolean hasLeadingWord(String word) {
    for (String token : leadingTokens) {
      if (token.equalsIgnoreCase(word)) {
        return true;
      }
    }
    return false;
  }
}
