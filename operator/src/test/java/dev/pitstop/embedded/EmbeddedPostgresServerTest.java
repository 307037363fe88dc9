package dev.pitstop.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two test JVMs extracting the PostgreSQL binaries at once on a fresh machine. */
class EmbeddedPostgresServerTest {
  @TempDir Path home;

  @Test
  void theJvmThatLosesTheRaceToExtractUsesTheWinnersCopy() throws IOException {
    Path target = Files.createDirectories(home.resolve("bin-1234").resolve("bin"));
    Files.writeString(target.resolve("postgres"), "winner");
    Path temp = Files.createDirectories(home.resolve("extracting-2").resolve("bin"));
    Files.writeString(temp.resolve("postgres"), "loser");

    EmbeddedPostgresServer.moveIntoPlace(home.resolve("extracting-2"), home.resolve("bin-1234"));

    assertThat(home.resolve("extracting-2")).doesNotExist();
    assertThat(home.resolve("bin-1234/bin/postgres")).hasContent("winner");
  }

  @Test
  void theFirstToExtractMovesItsCopyIntoPlace() throws IOException {
    Files.createDirectories(home.resolve("extracting-1").resolve("bin"));

    EmbeddedPostgresServer.moveIntoPlace(home.resolve("extracting-1"), home.resolve("bin-1234"));

    assertThat(home.resolve("bin-1234/bin")).isDirectory();
    assertThat(home.resolve("extracting-1")).doesNotExist();
  }

  @Test
  void aMoveThatFailsForAnotherReasonIsReported() {
    assertThatThrownBy(
            () ->
                EmbeddedPostgresServer.moveIntoPlace(
                    home.resolve("extracting-missing"), home.resolve("bin-1234")))
        .isInstanceOf(FileSystemException.class);
  }
}
