package dev.pitstop.migration;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A script's configuration file, {@code <script>.conf} beside it ({@code V2__x.sql.conf}), as
 * Flyway reads it: {@code key=value} (or {@code key: value}) lines, blank lines and {@code #} or
 * {@code !} comments. Keys are Flyway's: {@code executeInTransaction} ({@code true} or {@code
 * false}, in any case, as Flyway takes them: overrides whether the script runs in one transaction),
 * {@code encoding} (only UTF-8, the encoding Pitstop reads every script in) and {@code
 * placeholderReplacement} ({@code true} or {@code false}). Any other key is refused, as Flyway
 * refuses it ("Unknown configuration property").
 *
 * @param executeInTransaction the override, or null when the file does not set it
 * @param placeholderReplacement the file's {@code placeholderReplacement}, or null when not set
 */
record ScriptConfig(Boolean executeInTransaction, Boolean placeholderReplacement) {

  /** The suffix of a configuration file after its script's name. */
  static final String SUFFIX = ".conf";

  /** The configuration of a script without a configuration file. */
  static final ScriptConfig NONE = new ScriptConfig(null, null);

  /** Tells whether a file name is a script configuration file ({@code *.sql.conf}, any case). */
  static boolean isConfigFile(String name) {
    return name.toLowerCase(Locale.ROOT).endsWith(".sql" + SUFFIX);
  }

  /**
   * Reads a configuration file.
   *
   * @param name the file's name, for messages
   * @throws MigrationException with {@link ErrorCode#INVALID_SCRIPT} naming the file and line of a
   *     line that is not {@code key=value}, an unknown or repeated key, or an invalid value
   */
  static ScriptConfig parse(String name, String text) {
    Boolean executeInTransaction = null;
    Boolean placeholderReplacement = null;
    Set<String> seen = new HashSet<>();
    String[] lines = text.split("\r\n|\r|\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNumber = i + 1;
      String line = lines[i].strip();
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1).strip();
      }
      if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
        continue;
      }
      int separator = separator(line);
      if (separator < 0) {
        throw invalid(name, lineNumber, "is not key=value");
      }
      String key = line.substring(0, separator).strip();
      String value = line.substring(separator + 1).strip();
      if (!seen.add(key)) {
        throw invalid(name, lineNumber, "sets " + key + " a second time");
      }
      switch (key) {
        case "executeInTransaction" -> executeInTransaction = bool(name, lineNumber, key, value);
        case "placeholderReplacement" ->
            placeholderReplacement = bool(name, lineNumber, key, value);
        case "encoding" -> checkEncoding(name, lineNumber, value);
        default ->
            throw invalid(
                name,
                lineNumber,
                "has the unknown key "
                    + key
                    + " (known: executeInTransaction, encoding, placeholderReplacement)");
      }
    }
    return new ScriptConfig(executeInTransaction, placeholderReplacement);
  }

  /** The first {@code =} or {@code :}, as in a properties file; -1 if there is none. */
  private static int separator(String line) {
    for (int i = 0; i < line.length(); i++) {
      if (line.charAt(i) == '=' || line.charAt(i) == ':') {
        return i;
      }
    }
    return -1;
  }

  private static Boolean bool(String name, int line, String key, String value) {
    if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
      return Boolean.valueOf(value);
    }
    throw invalid(name, line, "sets " + key + " to " + value + ", not true or false");
  }

  private static void checkEncoding(String name, int line, String value) {
    Charset charset;
    try {
      charset = Charset.forName(value);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      throw invalid(name, line, "sets encoding to " + value + ", which is not an encoding");
    }
    if (!charset.equals(StandardCharsets.UTF_8)) {
      throw invalid(
          name,
          line,
          "sets encoding to "
              + value
              + ", but Pitstop reads every script as UTF-8; convert the script to UTF-8 and"
              + " remove the setting");
    }
  }

  private static MigrationException invalid(String name, int line, String problem) {
    return new MigrationException(
        ErrorCode.INVALID_SCRIPT,
        name,
        "Script configuration " + name + " line " + line + " " + problem + ".");
  }
}
