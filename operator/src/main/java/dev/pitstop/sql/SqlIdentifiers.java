package dev.pitstop.sql;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns names into SQL identifiers. Every identifier Pitstop sends to the server
 * goes through {@link #quote(String)}; user-provided names are parsed with {@link
 * #qualified(String)}.
 */
public final class SqlIdentifiers {

  /** PostgreSQL's NAMEDATALEN - 1: longer identifiers would be silently truncated by the server. */
  public static final int MAX_IDENTIFIER_BYTES = 63;

  private SqlIdentifiers() {}

  /**
   * Double-quotes a name, doubling embedded quotes, so the server uses it verbatim.
   *
   * @throws IllegalArgumentException if the name is empty, contains NUL or exceeds 63 bytes
   */
  public static String quote(String name) {
    checkName(name);
    return '"' + name.replace("\"", "\"\"") + '"';
  }

  /**
   * A string constant, for the few statements that take no bind parameters ({@code CREATE DATABASE
   * ... ENCODING}, an enum's labels in {@code CREATE TYPE}): quotes doubled, and written as {@code
   * E'...'} with backslashes doubled when it has any, so it means the same whatever {@code
   * standard_conforming_strings} is.
   */
  public static String literal(String text) {
    if (text.indexOf('\\') >= 0) {
      return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'";
    }
    return "'" + text.replace("'", "''") + "'";
  }

  /**
   * Parses {@code table} or {@code schema.table}; each part is either unquoted (letters, digits,
   * {@code _}, {@code $}; folded to lower case like PostgreSQL does) or double-quoted ({@code "My
   * Table"}, with {@code ""} for a quote).
   *
   * @throws IllegalArgumentException with one sentence naming the problem if the text is not such a
   *     name
   */
  public static QualifiedName qualified(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("A table name is required.");
    }
    List<String> parts = splitParts(text.strip());
    if (parts.size() > 2) {
      throw invalid(text, "use table or schema.table");
    }
    return parts.size() == 1
        ? new QualifiedName(null, parts.get(0))
        : new QualifiedName(parts.get(0), parts.get(1));
  }

  /**
   * Tells whether {@code schema} is one of PostgreSQL's own: {@code information_schema} or a name
   * starting with {@code pg_} ({@code pg_catalog}, {@code pg_toast}, {@code pg_temp_3}, ...), a
   * prefix PostgreSQL reserves for system schemas. No engine changes rows there.
   */
  public static boolean isSystemSchema(String schema) {
    return schema != null && (schema.startsWith("pg_") || schema.equals("information_schema"));
  }

  /** Tells whether the text is a plain identifier that needs no quotes in PostgreSQL. */
  public static boolean isSimpleIdentifier(String text) {
    if (text == null || text.isEmpty() || !isIdentifierStart(text.charAt(0))) {
      return false;
    }
    for (int i = 1; i < text.length(); i++) {
      if (!isIdentifierPart(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * A name as it reads unambiguously: as it is when PostgreSQL would read it back unquoted as the
   * same name (lower-case letters, digits, {@code _}, {@code $}, non-ASCII letters), else
   * double-quoted; so is a key word that cannot stand unquoted as a name ({@code "select"}, {@code
   * "user"}).
   */
  public static String quoteIfNeeded(String name) {
    boolean plain =
        isSimpleIdentifier(name) && foldCase(name).equals(name) && !SqlKeywords.needsQuotes(name);
    return plain ? name : quote(name);
  }

  /** Tells whether the character can start an unquoted identifier. */
  static boolean isIdentifierStart(char c) {
    return Character.isLetter(c) || c == '_' || c >= 0x80;
  }

  /** Tells whether the character can continue an unquoted identifier. */
  static boolean isIdentifierPart(char c) {
    return isIdentifierStart(c) || Character.isDigit(c) || c == '$';
  }

  /** Folds ASCII letters to lower case, as PostgreSQL does for unquoted identifiers. */
  static String foldCase(String word) {
    StringBuilder folded = new StringBuilder(word.length());
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      folded.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
    }
    return folded.toString();
  }

  private static List<String> splitParts(String text) {
    List<String> parts = new ArrayList<>();
    int i = 0;
    while (true) {
      if (i >= text.length()) {
        throw invalid(text, "a name part is missing");
      }
      if (text.charAt(i) == '"') {
        StringBuilder part = new StringBuilder();
        i++;
        while (true) {
          if (i >= text.length()) {
            throw invalid(text, "a double quote is not closed");
          }
          char c = text.charAt(i++);
          if (c == '"') {
            if (i < text.length() && text.charAt(i) == '"') {
              part.append('"');
              i++;
            } else {
              break;
            }
          } else {
            part.append(c);
          }
        }
        parts.add(checkPart(text, part.toString()));
      } else {
        int start = i;
        while (i < text.length() && text.charAt(i) != '.') {
          i++;
        }
        String part = text.substring(start, i);
        if (!isSimpleIdentifier(part)) {
          throw invalid(
              text,
              "use letters, digits and underscores, or double-quote a part that has other"
                  + " characters");
        }
        parts.add(checkPart(text, foldCase(part)));
      }
      if (i == text.length()) {
        return parts;
      }
      if (text.charAt(i) != '.') {
        throw invalid(text, "only a dot may follow a quoted part");
      }
      i++;
    }
  }

  private static String checkPart(String text, String part) {
    try {
      checkName(part);
    } catch (IllegalArgumentException e) {
      throw invalid(text, e.getMessage());
    }
    return part;
  }

  private static void checkName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("an identifier must not be empty");
    }
    if (name.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an identifier must not contain NUL characters");
    }
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_IDENTIFIER_BYTES) {
      throw new IllegalArgumentException(
          "an identifier must not be longer than " + MAX_IDENTIFIER_BYTES + " bytes");
    }
  }

  private static IllegalArgumentException invalid(String text, String reason) {
    return new IllegalArgumentException(
        "\"" + text + "\" is not a valid table name: " + reason + ".");
  }
}
