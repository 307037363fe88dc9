package dev.pitstop.migration;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Flyway's placeholder replacement in SQL text, a step applied to a script's text before it is
 * split into statements (migrations, and any other SQL file run from the migrations folder).
 *
 * <p>As in Flyway: {@code ${key}} (prefix and suffix configurable) is replaced by the value of
 * {@code key} everywhere in the text, in string literals and comments too; keys match whatever
 * their case; a value is inserted as it is, never replaced again; an empty value removes the
 * placeholder. The text is scanned from left to right, and where a partial prefix does not
 * complete, the characters read for it are kept as they are, so {@code $${key}} stays unreplaced.
 * There is no other escape: set {@code placeholderReplacement} to false, or choose another prefix,
 * for text that must keep <code>${</code>. A placeholder without a value is refused, naming the
 * file, the line and the key.
 *
 * <p>Built-in placeholders, given per run by {@link #withBuiltIns}: {@code flyway:defaultSchema},
 * {@code flyway:user}, {@code flyway:database}, {@code flyway:timestamp}, {@code
 * flyway:workingDirectory}, {@code flyway:table}, {@code flyway:environment} ({@code default}), and
 * per file {@code flyway:filename}; they take precedence over given values of the same name, as in
 * Flyway.
 */
public final class Placeholders {

  /** The prefix used when none is given. */
  public static final String DEFAULT_PREFIX = "${";

  /** The suffix used when none is given. */
  public static final String DEFAULT_SUFFIX = "}";

  /** Replacement on, no values of the user's, default prefix and suffix. */
  public static final Placeholders DEFAULT =
      new Placeholders(Map.of(), true, DEFAULT_PREFIX, DEFAULT_SUFFIX, Map.of());

  /** The built-in names (without {@code flyway:}); {@code filename} is set per file. */
  static final List<String> BUILT_IN =
      List.of(
          "defaultSchema",
          "user",
          "database",
          "timestamp",
          "filename",
          "workingDirectory",
          "table",
          "environment");

  private static final String BUILT_IN_PREFIX = "flyway:";
  private static final String FILENAME = BUILT_IN_PREFIX + "filename";
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

  private final Map<String, String> values;
  private final boolean enabled;
  private final String prefix;
  private final String suffix;
  private final Map<String, String> builtIns;

  private Placeholders(
      Map<String, String> values,
      boolean enabled,
      String prefix,
      String suffix,
      Map<String, String> builtIns) {
    this.values = values;
    this.enabled = enabled;
    this.prefix = prefix;
    this.suffix = suffix;
    this.builtIns = builtIns;
  }

  /**
   * Placeholders with the user's values.
   *
   * @param values keys and values; keys match placeholders whatever their case
   * @param enabled whether placeholders are replaced at all (Flyway's placeholderReplacement)
   * @param prefix what starts a placeholder, default {@value #DEFAULT_PREFIX}
   * @param suffix what ends it, default {@value #DEFAULT_SUFFIX}
   * @throws IllegalArgumentException if a key, the prefix or the suffix is empty, or a value null
   */
  public static Placeholders of(
      Map<String, String> values, boolean enabled, String prefix, String suffix) {
    if (prefix == null || prefix.isEmpty()) {
      throw new IllegalArgumentException("placeholderPrefix must not be empty");
    }
    if (suffix == null || suffix.isEmpty()) {
      throw new IllegalArgumentException("placeholderSuffix must not be empty");
    }
    Map<String, String> lower = new LinkedHashMap<>();
    values.forEach(
        (key, value) -> {
          if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("placeholders must not have an empty key");
          }
          if (value == null) {
            throw new IllegalArgumentException(
                "placeholders must give a value for " + key + " (\"\" for an empty one)");
          }
          lower.put(lowerCase(key), value);
        });
    return new Placeholders(Map.copyOf(lower), enabled, prefix, suffix, Map.of());
  }

  /** Whether placeholders are replaced. */
  public boolean enabled() {
    return enabled;
  }

  /** The user's values, keys in lower case. */
  public Map<String, String> values() {
    return values;
  }

  /** What starts a placeholder. */
  public String prefix() {
    return prefix;
  }

  /** What ends a placeholder. */
  public String suffix() {
    return suffix;
  }

  /**
   * These placeholders with the built-ins of one run; the timestamp is taken now, in the local time
   * zone, as {@code yyyy-MM-dd HH:mm:ss}, as Flyway does once per command.
   *
   * @param defaultSchema the session's current schema, {@code null} if it has none
   * @param user the session's current_user
   * @param database the session's current database
   * @param table the history table's name, without schema
   */
  public Placeholders withBuiltIns(
      String defaultSchema, String user, String database, String table) {
    Map<String, String> run = new LinkedHashMap<>();
    if (defaultSchema != null) {
      run.put(lowerCase(BUILT_IN_PREFIX + "defaultSchema"), defaultSchema);
    }
    run.put(lowerCase(BUILT_IN_PREFIX + "user"), user);
    run.put(lowerCase(BUILT_IN_PREFIX + "database"), database);
    run.put(
        lowerCase(BUILT_IN_PREFIX + "timestamp"),
        ZonedDateTime.now(ZoneId.systemDefault()).format(TIMESTAMP));
    run.put(
        lowerCase(BUILT_IN_PREFIX + "workingDirectory"),
        Objects.requireNonNullElse(System.getProperty("user.dir"), ""));
    run.put(lowerCase(BUILT_IN_PREFIX + "table"), table);
    // Pitstop has no Flyway environments: the one Flyway uses when none is chosen
    run.put(lowerCase(BUILT_IN_PREFIX + "environment"), "default");
    run.values().removeIf(Objects::isNull);
    return new Placeholders(values, enabled, prefix, suffix, Map.copyOf(run));
  }

  /**
   * The script's text with its placeholders replaced, or as it is when replacement is off.
   *
   * @param script the file's name as given, e.g. {@code sub/V1__init.sql}; its last part is {@code
   *     flyway:filename}
   * @throws MigrationException with {@link ErrorCode#UNSET_PLACEHOLDER} naming the file, line and
   *     key of the first placeholder that has no value
   */
  public String replace(String script, String sql) {
    if (!enabled) {
      return sql;
    }
    String fileName = script.substring(script.lastIndexOf('/') + 1);
    return scan(
        script,
        sql,
        key -> {
          String lower = lowerCase(key);
          if (lower.equals(lowerCase(FILENAME))) {
            return fileName;
          }
          String builtIn = builtIns.get(lower);
          return builtIn != null ? builtIn : values.get(lower);
        });
  }

  /**
   * Checks the script's placeholders without a database: like {@link #replace}, with every built-in
   * counted as set whether or not {@link #withBuiltIns} gave its value.
   *
   * @return the text with the user's values and a stand-in for each built-in
   * @throws MigrationException as {@link #replace} does
   */
  String replaceWithoutSession(String script, String sql) {
    if (!enabled) {
      return sql;
    }
    return scan(
        script,
        sql,
        key -> {
          String lower = lowerCase(key);
          for (String name : BUILT_IN) {
            if (lower.equals(lowerCase(BUILT_IN_PREFIX + name))) {
              return "x";
            }
          }
          return values.get(lower);
        });
  }

  private String scan(String script, String sql, UnaryOperator<String> lookup) {
    if (!sql.contains(prefix)) {
      return sql;
    }
    StringBuilder out = new StringBuilder(sql.length());
    int length = sql.length();
    int i = 0;
    while (i < length) {
      int matched = 0;
      while (matched < prefix.length()
          && i + matched < length
          && sql.charAt(i + matched) == prefix.charAt(matched)) {
        matched++;
      }
      if (matched < prefix.length()) {
        // As Flyway reads it: the characters read while looking for the prefix are kept as they
        // are, including the one that broke the match.
        int read = Math.min(matched + 1, length - i);
        out.append(sql, i, i + read);
        i += read;
        continue;
      }
      int start = i + prefix.length();
      int end = sql.indexOf(suffix, start);
      if (end < 0) {
        throw new MigrationException(
            ErrorCode.UNSET_PLACEHOLDER,
            script,
            "Migration script "
                + script
                + " has "
                + prefix
                + " at line "
                + line(sql, i)
                + " without a closing "
                + suffix
                + "; close the placeholder, or turn placeholder replacement off.");
      }
      String key = sql.substring(start, end);
      String value = lookup.apply(key);
      if (value == null) {
        throw new MigrationException(
            ErrorCode.UNSET_PLACEHOLDER,
            script,
            "Migration script "
                + script
                + " uses placeholder "
                + prefix
                + key
                + suffix
                + " at line "
                + line(sql, i)
                + " but no value is set for "
                + key
                + (lowerCase(key).startsWith(BUILT_IN_PREFIX)
                    ? " (built-ins are flyway:" + String.join(", flyway:", BUILT_IN) + ")"
                    : "; give it a value (pitstop --placeholder "
                        + key
                        + "=VALUE, spec.placeholders)")
                + ".");
      }
      out.append(value);
      i = end + suffix.length();
    }
    return out.toString();
  }

  /** The 1-based line of {@code index}, counting {@code \n}, {@code \r\n} and {@code \r}. */
  private static int line(String sql, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      char c = sql.charAt(i);
      if (c == '\n' || (c == '\r' && (i + 1 >= sql.length() || sql.charAt(i + 1) != '\n'))) {
        line++;
      }
    }
    return line;
  }

  private static String lowerCase(String key) {
    return key.toLowerCase(Locale.ROOT);
  }
}
