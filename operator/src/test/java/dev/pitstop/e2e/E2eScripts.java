package dev.pitstop.e2e;

import dev.pitstop.testing.ProjectFiles;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The scripts in {@code e2e/}, run as a person runs them. */
final class E2eScripts {
  private E2eScripts() {}

  /**
   * Runs {@code e2e/SCRIPT ARGS} with {@code env} added to this process's environment and no
   * standard input; its messages (standard error) go to {@code log}.
   *
   * @return what it printed on standard output
   * @throws IllegalStateException if it failed or took longer than {@code timeout}, with {@code
   *     log}
   */
  static String run(
      Path log, Map<String, String> env, Duration timeout, String script, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ProjectFiles.root().resolve("e2e").resolve(script).toString());
    command.addAll(List.of(args));
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectError(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().putAll(env);
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command)
                + " took longer than "
                + timeout
                + ":\n"
                + Files.readString(log));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed:\n" + Files.readString(log));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
