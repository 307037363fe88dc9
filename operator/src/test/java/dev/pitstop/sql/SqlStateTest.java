package dev.pitstop.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pitstop.testing.ProjectFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SqlStateTest {

  /** A five-character code of digits and capitals with at least one digit, e.g. "40P01". */
  private static final Pattern LITERAL =
      Pattern.compile("\"(?=[0-9A-Z]{5}\")[A-Z]*[0-9][0-9A-Z]*\"");

  @Test
  void classZeroEightIsAConnectionException() {
    assertThat(SqlState.isConnectionException("08006")).isTrue();
    assertThat(SqlState.isConnectionException("08P01")).isTrue();
    assertThat(SqlState.isConnectionException(SqlState.CANNOT_CONNECT_NOW)).isFalse();
    assertThat(SqlState.isConnectionException(null)).isFalse();
  }

  @Test
  void sqlStatesAreWrittenOutOnlyInSqlState() throws IOException {
    Path sources = ProjectFiles.root().resolve("operator/src/main/java");
    List<String> offenders;
    try (Stream<Path> files = Files.walk(sources)) {
      offenders =
          files
              .filter(f -> f.toString().endsWith(".java"))
              .filter(f -> !f.endsWith(Path.of("dev/pitstop/sql/SqlState.java")))
              .filter(SqlStateTest::hasLiteral)
              .map(f -> sources.relativize(f).toString())
              .toList();
    }
    assertThat(offenders).isEmpty();
  }

  private static boolean hasLiteral(Path file) {
    try {
      return LITERAL.matcher(Files.readString(file)).find();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
