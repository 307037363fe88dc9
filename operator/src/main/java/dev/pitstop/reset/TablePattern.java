package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code preserveTables} entry: a table name or glob ({@code *} any characters, {@code ?} one,
 * {@code [abc]} one of), optionally schema-qualified. Unquoted parts fold to lower case like SQL
 * identifiers; double-quoted parts keep their case. Without a schema it matches in every schema.
 */
final class TablePattern {
  private final String text;
  private final Pattern schema;
  private final Pattern table;

  private TablePattern(String text, Pattern schema, Pattern table) {
    this.text = text;
    this.schema = schema;
    this.table = table;
  }

  /**
   * Parses a pattern.
   *
   * @throws IllegalArgumentException with a reason when the text is not a pattern
   */
  static TablePattern parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("must be a table name or pattern, not empty");
    }
    List<String> parts = split(text.strip());
    if (parts.size() > 2) {
      throw new IllegalArgumentException("must be table or schema.table, not '" + text + "'");
    }
    Pattern schema = parts.size() == 2 ? glob(parts.get(0), text) : null;
    return new TablePattern(text.strip(), schema, glob(parts.get(parts.size() - 1), text));
  }

  /** An exact name (no glob characters), matched in every schema. */
  static TablePattern exact(String name) {
    return new TablePattern(name, null, Pattern.compile(Pattern.quote(name)));
  }

  boolean matches(QualifiedName name) {
    return (schema == null || schema.matcher(name.schema()).matches())
        && table.matcher(name.name()).matches();
  }

  @Override
  public String toString() {
    return text;
  }

  /** Splits at dots outside double quotes; unquoted parts are folded to lower case. */
  private static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        if (quoted && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          part.append('"');
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (c == '.' && !quoted) {
        parts.add(finish(part, text));
        part = new StringBuilder();
      } else {
        part.append(quoted ? c : Character.toLowerCase(c));
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("has a double quote that is not closed: '" + text + "'");
    }
    parts.add(finish(part, text));
    return parts;
  }

  private static String finish(StringBuilder part, String text) {
    if (part.length() == 0) {
      throw new IllegalArgumentException("has an empty name part: '" + text + "'");
    }
    return part.toString();
  }

  private static Pattern glob(String part, String text) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        case '[' -> {
          int close = part.indexOf(']', i + 1);
          if (close < 0) {
            throw new IllegalArgumentException("has a '[' without ']': '" + text + "'");
          }
          String members = part.substring(i + 1, close);
          boolean negated = members.startsWith("!") || members.startsWith("^");
          regex.append('[').append(negated ? "^" : "");
          for (char m : (negated ? members.substring(1) : members).toCharArray()) {
            if (m != '-' && !Character.isLetterOrDigit(m)) {
              regex.append('\\');
            }
            regex.append(m);
          }
          regex.append(']');
          i = close;
        }
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString());
  }
}
