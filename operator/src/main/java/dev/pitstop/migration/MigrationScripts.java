package dev.pitstop.migration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

/** Loads migration scripts from places the CLI knows about. */
public final class MigrationScripts {

  private MigrationScripts() {}

  /**
   * Reads every {@code *.sql} file (suffix in any case) and every script configuration file ({@code
   * *.sql.conf}) in the directory and its subdirectories as UTF-8, in path order, each named by its
   * path relative to the directory with {@code /} (as Flyway records it). Folders whose name starts
   * with {@code .} (such as the {@code ..data} of a mounted ConfigMap) and symbolic links to
   * folders are not entered. Other files are ignored; naming rules are checked when the scripts are
   * used.
   *
   * @throws UncheckedIOException if the directory cannot be read
   */
  public static List<MigrationScript> fromDirectory(Path directory) {
    return fromDirectory(directory, MigrationScripts::read);
  }

  /**
   * Like {@link #fromDirectory(Path)}, with each file's text read by {@code read} (e.g. one that
   * refuses files beyond a size).
   */
  public static List<MigrationScript> fromDirectory(Path directory, Function<Path, String> read) {
    try (Stream<Path> files = Files.walk(directory)) {
      return files
          .filter(Files::isRegularFile)
          .filter(file -> isScriptOrConfig(file.getFileName().toString()))
          .filter(file -> !inHiddenFolder(directory, file))
          .map(file -> Map.entry(relativeName(directory, file), file))
          .sorted(Map.Entry.comparingByKey())
          .map(entry -> new MigrationScript(entry.getKey(), read.apply(entry.getValue())))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list migration directory " + directory, e);
    }
  }

  /**
   * Checks the scripts without a database: every file not named {@code
   * V<version>__<description>.sql} or {@code R__<description>.sql}, every duplicate version or
   * repeatable description, every two callbacks of the same name, and every migration or callback
   * with a top-level transaction-control statement ({@code COMMIT}, {@code ROLLBACK}, {@code
   * BEGIN}, ..., named with its line), each as one issue naming the file. Empty when all scripts
   * are fine. {@code migrate}, {@code info} and {@code validate} refuse the same names and
   * callbacks before touching the database ({@link #refusedWhateverTheHistory}), and a migration's
   * text (transaction control, a placeholder without a value) once its history shows it is to be
   * applied.
   */
  public static List<ValidationIssue> namingProblems(List<MigrationScript> scripts) {
    return MigrationResolver.problems(scripts);
  }

  /**
   * Like {@link #namingProblems(List)} for a request: with its placeholders replaced first (also
   * one issue per file that uses a placeholder without a value, naming its line and key), and
   * callback files not checked when it skips them ({@link
   * MigrationRequest#skipDefaultCallbacks()}).
   */
  public static List<ValidationIssue> namingProblems(MigrationRequest request) {
    return MigrationResolver.problems(
        request.scripts(), request.placeholders(), request.skipDefaultCallbacks());
  }

  /**
   * The problems of {@link #namingProblems(MigrationRequest)} that refuse a command whatever the
   * database's history: all but those of a migration's text, which matter only if it is to be
   * applied (a script Flyway applied with a {@code COMMIT} in it does not stop the others).
   */
  public static List<ValidationIssue> refusedWhateverTheHistory(MigrationRequest request) {
    return MigrationResolver.problems(
        request.scripts(), request.placeholders(), request.skipDefaultCallbacks(), false);
  }

  /**
   * The names of scripts that are neither migrations nor callbacks Pitstop runs and are ignored
   * (not {@code V<version>__<description>.sql} nor {@code R__<description>.sql}, nor broken names
   * that look like one, nor {@code beforeMigrate.sql}, {@code afterMigrate__x.sql}, ...), in the
   * given order; callers show them as warnings.
   */
  public static List<String> ignored(List<MigrationScript> scripts) {
    return scripts.stream().map(MigrationScript::name).filter(MigrationResolver::ignored).toList();
  }

  /**
   * Why {@code scripts} hold no migration at all (no versioned nor repeatable one, as Flyway's "No
   * migrations found"), as one sentence naming {@code source} and the ignored names; empty when
   * they hold one. A run of such a source is refused before it touches the database: it would only
   * create an empty history table and report the database up to date.
   *
   * @param source where the scripts come from, e.g. {@code spec.source} or {@code --dir migrations}
   */
  public static Optional<String> noMigration(List<MigrationScript> scripts, String source) {
    if (scripts.stream().map(MigrationScript::name).anyMatch(MigrationScripts::isMigration)) {
      return Optional.empty();
    }
    List<String> ignored = ignored(scripts);
    String what;
    if (scripts.isEmpty()) {
      what = "it holds no scripts";
    } else if (ignored.isEmpty()) {
      what = "it holds only callbacks and script configurations";
    } else {
      List<String> shown = ignored.size() <= MAX_NAMED ? ignored : ignored.subList(0, MAX_NAMED);
      what =
          "its "
              + (ignored.size() == 1 ? "script " : ignored.size() + " scripts ")
              + String.join(", ", shown)
              + (ignored.size() > MAX_NAMED ? ", ..." : "")
              + (ignored.size() == 1 ? " is" : " are")
              + " ignored, not being named as migrations";
    }
    return Optional.of(
        source
            + " has no migration: "
            + what
            + "; a migration is named V<version>__<description>.sql or R__<description>.sql (e.g."
            + " V1__init.sql). Nothing was run: nothing was changed, no history table created.");
  }

  private static final int MAX_NAMED = 20;

  /** A versioned or repeatable migration, or a broken name that looks like one (refused later). */
  private static boolean isMigration(String name) {
    return !MigrationResolver.ignored(name)
        && MigrationResolver.callbackEvent(name) == null
        && !ScriptConfig.isConfigFile(name);
  }

  private static boolean isScriptOrConfig(String fileName) {
    return fileName.toLowerCase(Locale.ROOT).endsWith(".sql")
        || ScriptConfig.isConfigFile(fileName);
  }

  /** Whether a folder on the way is hidden, such as the {@code ..data} of a mounted ConfigMap. */
  private static boolean inHiddenFolder(Path directory, Path file) {
    Path folder = directory.relativize(file).getParent();
    if (folder == null) {
      return false;
    }
    for (Path part : folder) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String relativeName(Path directory, Path file) {
    List<String> parts = new ArrayList<>();
    directory.relativize(file).forEach(part -> parts.add(part.toString()));
    return String.join("/", parts);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read migration " + file, e);
    }
  }
}
