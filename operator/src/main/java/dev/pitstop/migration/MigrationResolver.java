package dev.pitstop.migration;

import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BinaryOperator;
import java.util.function.Consumer;

/**
 * Parses script names the way Flyway does by default: {@code V<version>__<description>.sql}, {@code
 * B<version>__<description>.sql} (baseline migrations) and {@code R__<description>.sql}, the suffix
 * in any case ({@code .SQL}), and SQL callbacks named after a {@link CallbackEvent} ({@code
 * afterMigrate.sql}, {@code beforeMigrate__seed.sql}). Other names ({@code README.sql}, {@code
 * U1__undo.sql}, Flyway callbacks Pitstop does not run, other suffixes) are ignored, as Flyway
 * ignores them; names that look like a migration but are broken ({@code V1_x.sql}, {@code
 * R1__x.sql}) are refused, as Flyway's {@code validateMigrationNaming} does. Placeholders are
 * replaced ({@link Placeholders}) before a script is split and checked. Returns versioned scripts
 * by version, then repeatables by description.
 */
final class MigrationResolver {

  private static final String SUFFIX = ".sql";
  private static final String SEPARATOR = "__";
  private static final int MAX_DESCRIPTION = 200;
  private static final int MAX_SCRIPT = 1000;
  private static final int MAX_VERSION = 50;

  private MigrationResolver() {}

  /**
   * The migrations and the callbacks of a set of scripts.
   *
   * @param migrations versioned migrations by version, then repeatables by description
   * @param callbacks callbacks by event, then each event's plain {@code <event>.sql} first and the
   *     others by description, as Flyway orders them
   */
  record Resolved(List<ResolvedMigration> migrations, List<ResolvedCallback> callbacks) {

    /** The callbacks of one event, in the order they run. */
    List<ResolvedCallback> callbacks(CallbackEvent event) {
      return callbacks.stream().filter(callback -> callback.event() == event).toList();
    }
  }

  /** Resolves scripts without placeholder values of a session (built-ins get a stand-in). */
  static List<ResolvedMigration> resolve(List<MigrationScript> scripts) {
    return resolveWithoutSession(scripts, Placeholders.DEFAULT, false).migrations();
  }

  /**
   * Resolves scripts with the user's placeholder values and a stand-in for each built-in: refuses
   * what the files and values alone make impossible, before a database is reached. With {@code
   * skipCallbacks} (Flyway's {@code skipDefaultCallbacks}) callback files are neither read nor run.
   */
  static Resolved resolveWithoutSession(
      List<MigrationScript> scripts, Placeholders placeholders, boolean skipCallbacks) {
    return resolve(scripts, skipCallbacks, placeholders::replaceWithoutSession);
  }

  /**
   * Resolves migrations and callbacks, replacing placeholders with {@code placeholders} (which
   * carry the run's built-ins), throwing the first problem.
   */
  static Resolved resolve(
      List<MigrationScript> scripts, Placeholders placeholders, boolean skipCallbacks) {
    return resolve(scripts, skipCallbacks, placeholders::replace);
  }

  private static Resolved resolve(
      List<MigrationScript> scripts, boolean skipCallbacks, BinaryOperator<String> replace) {
    return resolve(
        scripts,
        skipCallbacks,
        replace,
        problem -> {
          throw problem;
        });
  }

  /**
   * Every problem of the scripts found without a database, in file order: one per badly named file,
   * per duplicate version or description, per file with a placeholder that has no value, and per
   * file with a transaction-control statement. Empty when {@link #resolve} would succeed.
   */
  static List<ValidationIssue> problems(List<MigrationScript> scripts) {
    return problems(scripts, Placeholders.DEFAULT, false);
  }

  /**
   * Like {@link #problems(List)}, with these placeholders (built-ins count as set); with {@code
   * skipCallbacks} callback files are not checked.
   */
  static List<ValidationIssue> problems(
      List<MigrationScript> scripts, Placeholders placeholders, boolean skipCallbacks) {
    return problems(scripts, placeholders, skipCallbacks, true);
  }

  /**
   * Like {@link #problems(List, Placeholders, boolean)}; with {@code migrationsText} false, without
   * the problems of a migration's text ({@link ResolvedMigration#problem()}).
   */
  static List<ValidationIssue> problems(
      List<MigrationScript> scripts,
      Placeholders placeholders,
      boolean skipCallbacks,
      boolean migrationsText) {
    List<ValidationIssue> problems = new ArrayList<>();
    Consumer<MigrationException> add =
        problem ->
            problems.add(
                new ValidationIssue(problem.code(), problem.subject(), problem.getMessage()));
    Resolved resolved = resolve(scripts, skipCallbacks, placeholders::replaceWithoutSession, add);
    if (migrationsText) {
      // in file order, among the others
      Map<String, Integer> order = new HashMap<>();
      for (int i = 0; i < scripts.size(); i++) {
        order.put(scripts.get(i).name(), i);
      }
      resolved.migrations().stream()
          .filter(m -> m.problem() != null)
          .forEach(m -> add.accept(m.problem()));
      problems.sort(Comparator.comparing(p -> order.getOrDefault(p.subject(), -1)));
    }
    return problems;
  }

  /**
   * Whether a script is neither a migration nor a callback and is ignored: its file part (after the
   * last {@code /}) does not end in {@code .sql} (any case), or is not a callback and does not
   * start with {@code V} or {@code R} followed by a digit, {@code _} or {@code .}, nor contain
   * {@code __} after that letter. A script's configuration file ({@code V1__x.sql.conf}) is not
   * ignored: it is read with its script (and has no effect without one, as in Flyway).
   */
  static boolean ignored(String name) {
    if (ScriptConfig.isConfigFile(name)) {
      return false; // a script's configuration, read with its script
    }
    String fileName = name.substring(name.lastIndexOf('/') + 1);
    if (!endsWithSuffix(fileName)) {
      return true;
    }
    if (callbackEvent(name) != null) {
      return false;
    }
    String base = fileName.substring(0, fileName.length() - SUFFIX.length());
    if (base.isEmpty()
        || (base.charAt(0) != 'V' && base.charAt(0) != 'R' && base.charAt(0) != 'B')) {
      return true;
    }
    if (base.length() > 1) {
      char next = base.charAt(1);
      if (Character.isDigit(next) || next == '_' || next == '.') {
        return false;
      }
    }
    return !base.contains(SEPARATOR);
  }

  /**
   * The event of a callback script: its file part, without the suffix and any {@code
   * __<description>}, is an event's name in the same case ({@code afterMigrate.sql}, {@code
   * afterMigrate__refresh.SQL}); {@code null} for any other name.
   */
  static CallbackEvent callbackEvent(String name) {
    String fileName = name.substring(name.lastIndexOf('/') + 1);
    if (!endsWithSuffix(fileName)) {
      return null;
    }
    String base = fileName.substring(0, fileName.length() - SUFFIX.length());
    int separator = base.indexOf(SEPARATOR);
    return CallbackEvent.fromId(separator < 0 ? base : base.substring(0, separator));
  }

  private static boolean endsWithSuffix(String fileName) {
    return fileName.regionMatches(
        true, fileName.length() - SUFFIX.length(), SUFFIX, 0, SUFFIX.length());
  }

  /** Resolves what it can, passing each problem to {@code onProblem} and skipping that script. */
  private static Resolved resolve(
      List<MigrationScript> scripts,
      boolean skipCallbacks,
      BinaryOperator<String> replace,
      Consumer<MigrationException> onProblem) {
    List<ResolvedMigration> versioned = new ArrayList<>();
    List<ResolvedMigration> repeatable = new ArrayList<>();
    List<ResolvedCallback> callbacks = new ArrayList<>();
    Map<MigrationVersion, String> versions = new HashMap<>();
    Map<MigrationVersion, String> baselines = new HashMap<>();
    Map<String, String> descriptions = new HashMap<>();
    Map<String, MigrationScript> configs = new HashMap<>();
    for (MigrationScript script : scripts) {
      if (ScriptConfig.isConfigFile(script.name())) {
        configs.put(script.name(), script);
      }
    }
    Map<String, String> callbackNames = new HashMap<>();
    for (MigrationScript script : scripts) {
      CallbackEvent event = callbackEvent(script.name());
      if (event != null) {
        if (skipCallbacks) {
          continue;
        }
        ResolvedCallback callback;
        try {
          callback = parseCallback(script, event, replace);
        } catch (MigrationException e) {
          onProblem.accept(e);
          continue;
        }
        String key =
            event.id() + (callback.description() == null ? "" : SEPARATOR + callback.description());
        String other = callbackNames.putIfAbsent(key, script.name());
        if (other != null) {
          onProblem.accept(
              new MigrationException(
                  ErrorCode.DUPLICATE_VERSION,
                  script.name(),
                  "Callback scripts "
                      + other
                      + " and "
                      + script.name()
                      + " are both "
                      + (callback.description() == null
                          ? "the " + event.id() + " callback without a description"
                          : event.id() + " callbacks described \"" + callback.description() + "\"")
                      + "; rename or remove one of them."));
          continue;
        }
        callbacks.add(callback);
        continue;
      }
      if (ignored(script.name()) || ScriptConfig.isConfigFile(script.name())) {
        continue;
      }
      ResolvedMigration migration;
      try {
        migration = parse(script, configs.get(script.name() + ScriptConfig.SUFFIX), replace);
      } catch (MigrationException e) {
        onProblem.accept(e);
        continue;
      }
      if (migration.repeatable()) {
        String other = descriptions.putIfAbsent(migration.description(), script.name());
        if (other != null) {
          onProblem.accept(duplicate(script.name(), other, "have the same description"));
          continue;
        }
        repeatable.add(migration);
      } else {
        String other =
            (migration.baseline() ? baselines : versions)
                .putIfAbsent(migration.version(), script.name());
        if (other != null) {
          onProblem.accept(
              duplicate(script.name(), other, "have the same version " + migration.version()));
          continue;
        }
        versioned.add(migration);
      }
    }
    // A baseline migration before the versioned migration of the same version, as Flyway sorts.
    versioned.sort(
        Comparator.comparing(ResolvedMigration::version)
            .thenComparing(migration -> !migration.baseline()));
    repeatable.sort(Comparator.comparing(ResolvedMigration::description));
    List<ResolvedMigration> all = new ArrayList<>(versioned);
    all.addAll(repeatable);
    callbacks.sort(
        Comparator.comparing(ResolvedCallback::event)
            .thenComparing(
                ResolvedCallback::description, Comparator.nullsFirst(Comparator.naturalOrder())));
    return new Resolved(List.copyOf(all), List.copyOf(callbacks));
  }

  private static ResolvedCallback parseCallback(
      MigrationScript script, CallbackEvent event, BinaryOperator<String> replace) {
    String name = script.name();
    if (name.length() > MAX_SCRIPT) {
      throw new MigrationException(
          ErrorCode.INVALID_SCRIPT_NAME,
          name,
          "Callback script " + name + " is longer than " + MAX_SCRIPT + " characters.");
    }
    String fileName = name.substring(name.lastIndexOf('/') + 1);
    String base = fileName.substring(0, fileName.length() - SUFFIX.length());
    int separator = base.indexOf(SEPARATOR);
    String description =
        separator < 0 ? null : base.substring(separator + SEPARATOR.length()).replace('_', ' ');
    if (description != null && description.isEmpty()) {
      description = null; // beforeMigrate__.sql is beforeMigrate.sql to Flyway
    }
    List<SqlStatement> statements =
        statements(
            script,
            replace.apply(name, script.sql()),
            "Callback script ",
            "; Pitstop runs each callback in a transaction (or in its migration's transaction), so"
                + " remove transaction-control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...).");
    return new ResolvedCallback(event, description, name, statements);
  }

  /**
   * The statements of a migration or callback file, refusing transaction-control statements: the
   * one place where a script's text is turned into statements.
   */
  private static List<SqlStatement> statements(
      MigrationScript script, String sql, String kind, String transactionControlAdvice) {
    List<SqlStatement> statements = SqlSplitter.split(sql);
    Optional<SqlStatement> control = TransactionControlStatements.first(statements);
    if (control.isPresent()) {
      throw new MigrationException(
          ErrorCode.TRANSACTION_CONTROL,
          script.name(),
          kind
              + script.name()
              + " has "
              + TransactionControlStatements.keywords(control.get())
              + " at line "
              + control.get().line()
              + transactionControlAdvice);
    }
    for (SqlStatement statement : statements) {
      if (statement.lacksCopyData()) {
        throw new MigrationException(
            ErrorCode.INVALID_SCRIPT,
            script.name(),
            kind
                + script.name()
                + " has COPY ... FROM STDIN at line "
                + statement.line()
                + " without its inline data: the rows must follow on the lines after it, ended by a"
                + " line \\. as pg_dump writes them.");
      }
    }
    return statements;
  }

  private static ResolvedMigration parse(
      MigrationScript script, MigrationScript configFile, BinaryOperator<String> replace) {
    String name = script.name();
    String fileName = name.substring(name.lastIndexOf('/') + 1);
    if (name.length() > MAX_SCRIPT) {
      throw badName(name, "is longer than " + MAX_SCRIPT + " characters");
    }
    if (!endsWithSuffix(fileName)) {
      throw badName(name, "does not end in .sql");
    }
    String base = fileName.substring(0, fileName.length() - SUFFIX.length());
    int separator = base.indexOf(SEPARATOR);
    boolean baseline = base.startsWith("B");
    boolean versioned = base.startsWith("V") || baseline;
    if (separator < 0 && versioned) {
      // V1.sql, V1_1.sql: a version without a description, as Flyway allows (description "")
      separator = base.length();
    }
    if (separator < 0 || !(versioned || base.startsWith("R"))) {
      throw badName(
          name,
          "does not look like V<version>__<description>.sql, B<version>__<description>.sql or"
              + " R__<description>.sql");
    }
    String description =
        separator == base.length()
            ? ""
            : base.substring(separator + SEPARATOR.length()).replace('_', ' ');
    if (description.length() > MAX_DESCRIPTION) {
      // the history's column holds 200 characters: shortened as Flyway records it
      description = description.substring(0, MAX_DESCRIPTION - 3) + "...";
    }
    String versionText = base.substring(1, separator);
    MigrationVersion version = null;
    if (versioned) {
      if (versionText.length() > MAX_VERSION) {
        throw badName(name, "has a version longer than " + MAX_VERSION + " characters");
      }
      try {
        version = MigrationVersion.parse(versionText);
      } catch (IllegalArgumentException e) {
        throw badName(
            name,
            "has no valid version: use numbers separated by dots or underscores"
                + missingSeparator(versionText));
      }
    } else if (!versionText.isEmpty()) {
      throw badName(name, "is a repeatable script with a version; name it R__<description>.sql");
    }
    ScriptConfig config =
        configFile == null
            ? ScriptConfig.NONE
            : ScriptConfig.parse(configFile.name(), configFile.sql());
    // What keeps a script from running is its problem, refused only if it is to be applied: a
    // script an earlier tool applied is compared by its checksum alone.
    MigrationException problem = null;
    String sql = script.sql();
    List<SqlStatement> statements = List.of();
    try {
      if (!Boolean.FALSE.equals(config.placeholderReplacement())) {
        sql = replace.apply(name, script.sql());
      }
      statements =
          statements(
              script,
              sql,
              "Migration script ",
              "; Pitstop runs and records each migration in its own transaction, so remove"
                  + " transaction-control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...)"
                  + " and split the file into several migrations instead.");
    } catch (MigrationException e) {
      problem = e;
    }
    if (Boolean.TRUE.equals(config.executeInTransaction())) {
      for (SqlStatement statement : statements) {
        if (NonTransactionalStatements.requiresAutocommit(statement, Integer.MAX_VALUE)) {
          throw new MigrationException(
              ErrorCode.INVALID_SCRIPT,
              configFile.name(),
              "Script configuration "
                  + configFile.name()
                  + " sets executeInTransaction=true, but "
                  + name
                  + " has a statement at line "
                  + statement.line()
                  + " that PostgreSQL cannot run in a transaction ("
                  + String.join(
                      " ",
                      statement
                          .leadingTokens()
                          .subList(0, Math.min(3, statement.leadingTokens().size())))
                  + " ...); set executeInTransaction=false or remove the setting.");
        }
      }
    }
    // As Flyway: a versioned script's checksum is of its file, a repeatable's of its text after
    // replacement (so a new placeholder value applies it again), which also matches the file's.
    int fileChecksum = ScriptChecksum.of(script.sql());
    int checksum = versioned ? fileChecksum : ScriptChecksum.of(sql);
    return new ResolvedMigration(
        version,
        description,
        name,
        checksum,
        fileChecksum,
        statements,
        config.executeInTransaction(),
        baseline,
        problem);
  }

  /**
   * A hint when the version runs into the description through a single underscore ({@code
   * V1_5_0_SetId}, which Flyway skips): where the two underscores go, else nothing.
   */
  private static String missingSeparator(String versionText) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("^([0-9]+(?:[._][0-9]+)*)_([^0-9_.].*)$")
            .matcher(versionText);
    return m.matches()
        ? ", and separate it from the description with two underscores (V"
            + m.group(1)
            + "__"
            + m.group(2)
            + ")"
        : "";
  }

  private static MigrationException badName(String name, String problem) {
    return new MigrationException(
        ErrorCode.INVALID_SCRIPT_NAME, name, "Migration script " + name + " " + problem + ".");
  }

  private static MigrationException duplicate(String name, String other, String problem) {
    return new MigrationException(
        ErrorCode.DUPLICATE_VERSION,
        name,
        "Migration scripts " + other + " and " + name + " " + problem + "; rename one of them.");
  }
}
