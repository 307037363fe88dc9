package dev.pitstop.migration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/** Loads migration scripts from places the CLI knows about. */
public final class MigrationScripts {

  private MigrationScripts() {}

  /**
   * Reads every {@code *.sql} file directly in the directory (not in subdirectories) as UTF-8, in
   * name order. Other files are ignored; naming rules are checked when the scripts are used.
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
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(Files::isRegularFile)
          .filter(file -> file.getFileName().toString().endsWith(".sql"))
          .sorted(Comparator.comparing(file -> file.getFileName().toString()))
          .map(file -> new MigrationScript(file.getFileName().toString(), read.apply(file)))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list migration directory " + directory, e);
    }
  }

  /**
   * Checks the scripts without a database: every file not named {@code
   * V<version>__<description>.sql} or {@code R__<description>.sql}, every duplicate version or
   * repeatable description, and every file with a top-level transaction-control statement ({@code
   * COMMIT}, {@code ROLLBACK}, {@code BEGIN}, ..., named with its line), each as one issue naming
   * the file. Empty when all scripts are fine. {@code migrate}, {@code info} and {@code validate}
   * refuse the same scripts before touching the database.
   */
  public static List<ValidationIssue> namingProblems(List<MigrationScript> scripts) {
    return MigrationResolver.problems(scripts);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read migration " + file, e);
    }
  }
}
