package dev.pitstop.migration;

import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Parses script names the way Flyway does by default: {@code V<version>__<description>.sql}, {@code
 * B<version>__<description>.sql} (baseline migrations) and {@code R__<description>.sql}, the suffix
 * in any case ({@code .SQL}). Names that are not migrations ({@code README.sql}, {@code
 * afterMigrate.sql}, {@code U1__undo.sql}, other suffixes) are ignored, as Flyway ignores them;
 * names that look like a migration but are broken ({@code V1_x.sql}, {@code R1__x.sql}) are
 * refused, as Flyway's {@code validateMigrationNaming} does. Returns versioned scripts by version,
 * then repeatables by description.
 */
final class MigrationResolver {

  private static final String SUFFIX = ".sql";
  private static final String SEPARATOR = "__";
  private static final int MAX_DESCRIPTION = 200;
  private static final int MAX_SCRIPT = 1000;
  private static final int MAX_VERSION = 50;

  private MigrationResolver() {}

  static List<ResolvedMigration> resolve(List<MigrationScript> scripts) {
    return resolve(
        scripts,
        problem -> {
          throw problem;
        });
  }

  /**
   * Every problem of the scripts found without a database, in file order: one per badly named file,
   * per duplicate version or description, and per file with a transaction-control statement. Empty
   * when {@link #resolve} would succeed.
   */
  static List<ValidationIssue> problems(List<MigrationScript> scripts) {
    List<ValidationIssue> problems = new ArrayList<>();
    resolve(
        scripts,
        problem ->
            problems.add(
                new ValidationIssue(problem.code(), problem.subject(), problem.getMessage())));
    return problems;
  }

  /**
   * Whether a script is not a migration and is ignored: its file part (after the last {@code /})
   * does not end in {@code .sql} (any case), or does not start with {@code V} or {@code R} followed
   * by a digit, {@code _} or {@code .}, nor contain {@code __} after that letter.
   */
  static boolean ignored(String name) {
    String fileName = name.substring(name.lastIndexOf('/') + 1);
    if (!endsWithSuffix(fileName)) {
      return true;
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

  private static boolean endsWithSuffix(String fileName) {
    return fileName.regionMatches(
        true, fileName.length() - SUFFIX.length(), SUFFIX, 0, SUFFIX.length());
  }

  /** Resolves what it can, passing each problem to {@code onProblem} and skipping that script. */
  private static List<ResolvedMigration> resolve(
      List<MigrationScript> scripts, Consumer<MigrationException> onProblem) {
    List<ResolvedMigration> versioned = new ArrayList<>();
    List<ResolvedMigration> repeatable = new ArrayList<>();
    Map<MigrationVersion, String> versions = new HashMap<>();
    Map<MigrationVersion, String> baselines = new HashMap<>();
    Map<String, String> descriptions = new HashMap<>();
    for (MigrationScript script : scripts) {
      if (ignored(script.name())) {
        continue;
      }
      ResolvedMigration migration;
      try {
        migration = parse(script);
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
    return all;
  }

  private static ResolvedMigration parse(MigrationScript script) {
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
    if (separator < 0 || !(versioned || base.startsWith("R"))) {
      throw badName(
          name,
          "does not look like V<version>__<description>.sql, B<version>__<description>.sql or"
              + " R__<description>.sql");
    }
    String description = base.substring(separator + SEPARATOR.length()).replace('_', ' ');
    if (description.length() > MAX_DESCRIPTION) {
      throw badName(name, "has a description longer than " + MAX_DESCRIPTION + " characters");
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
        throw badName(name, "has no valid version: use numbers separated by dots or underscores");
      }
    } else if (!versionText.isEmpty()) {
      throw badName(name, "is a repeatable script with a version; name it R__<description>.sql");
    }
    List<SqlStatement> statements = SqlSplitter.split(script.sql());
    Optional<SqlStatement> control = TransactionControlStatements.first(statements);
    if (control.isPresent()) {
      throw new MigrationException(
          ErrorCode.TRANSACTION_CONTROL,
          name,
          "Migration script "
              + name
              + " has "
              + TransactionControlStatements.keywords(control.get())
              + " at line "
              + control.get().line()
              + "; Pitstop runs and records each migration in its own transaction, so remove"
              + " transaction-control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, ...) and"
              + " split the file into several migrations instead.");
    }
    return new ResolvedMigration(
        version, description, name, ScriptChecksum.of(script.sql()), statements, baseline);
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
