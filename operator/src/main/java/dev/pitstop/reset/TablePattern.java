package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A {@code preserveTables} entry: a table name or glob ({@code *} any characters, {@code ?} one,
 * {@code [abc]} one of), optionally schema-qualified. An unquoted part matches names in any case,
 * so {@code Users} keeps a table created as {@code "Users"} (the caller refuses a pattern that
 * matches two names differing only in case, see {@link #ignoresCase}); a double-quoted part matches
 * its exact case. Without a schema it matches in every schema.
 */
final class TablePattern {
  private static final int ANY_CASE = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

  private final String text;
  private final Pattern schema;
  private final Pattern table;
  private final boolean ignoresCase;

  private TablePattern(String text, Pattern schema, Pattern table, boolean ignoresCase) {
    this.text = text;
    this.schema = schema;
    this.table = table;
    this.ignoresCase = ignoresCase;
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
    List<Part> parts = split(text.strip());
    if (parts.size() > 2) {
      throw new IllegalArgumentException("must be table or schema.table, not '" + text + "'");
    }
    Pattern schema = parts.size() == 2 ? glob(parts.get(0), text) : null;
    Part table = parts.get(parts.size() - 1);
    return new TablePattern(
        text.strip(), schema, glob(table, text), parts.stream().anyMatch(p -> !p.quoted()));
  }

  /** Tells whether some part is unquoted, so matches in any case. */
  boolean ignoresCase() {
    return ignoresCase;
  }

  boolean matches(QualifiedName name) {
    return (schema == null || schema.matcher(name.schema()).matches())
        && table.matcher(name.name()).matches();
  }

  @Override
  public String toString() {
    return text;
  }

  /** A name part; in a part with quotes, the unquoted characters are folded to lower case. */
  private record Part(String text, boolean quoted) {}

  /** Splits at dots outside double quotes. */
  private static List<Part> split(String text) {
    List<Part> parts = new ArrayList<>();
    StringBuilder part = new StringBuilder();
    StringBuilder folded = new StringBuilder();
    boolean quoted = false;
    boolean hadQuotes = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"') {
        hadQuotes = true;
        if (quoted && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          part.append('"');
          folded.append('"');
          i++;
        } else {
          quoted = !quoted;
        }
      } else if (c == '.' && !quoted) {
        parts.add(finish(hadQuotes ? folded : part, hadQuotes, text));
        part = new StringBuilder();
        folded = new StringBuilder();
        hadQuotes = false;
      } else {
        part.append(c);
        folded.append(quoted ? c : Character.toLowerCase(c));
      }
    }
    if (quoted) {
      throw new IllegalArgumentException("has a double quote that is not closed: '" + text + "'");
    }
    parts.add(finish(hadQuotes ? folded : part, hadQuotes, text));
    return parts;
  }

  private static Part finish(StringBuilder part, boolean quoted, String text) {
    if (part.length() == 0) {
      throw new IllegalArgumentException("has an empty name part: '" + text + "'");
    }
    return new Part(part.toString(), quoted);
  }

  private static Pattern glob(Part given, String text) {
    String part = given.text();
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
    return Pattern.compile(regex.toString(), given.quoted() ? 0 : ANY_CASE);
  }
}
