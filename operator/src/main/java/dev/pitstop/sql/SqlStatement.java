package dev.pitstop.sql;

import java.util.List;

/**
 * One statement of a script, as {@link SqlSplitter} found it.
 *
 * @param sql the statement text without leading comments and without the terminating semicolon
 * @param line the 1-based line of the file on which the statement starts
 * @param leadingTokens up to the first {@value SqlSplitter#MAX_LEADING_TOKENS} tokens outside
 *     comments: words as written, quoted identifiers with their quotes, punctuation as single
 *     characters, and every string or dollar-quoted literal as {@code '}
 */
public record SqlStatement(String sql, int line, List<String> leadingTokens) {

  public SqlStatement {
    leadingTokens = List.copyOf(leadingTokens);
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
