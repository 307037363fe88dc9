package dev.pitstop.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus's promtool, built from the Prometheus Go module by {@code e2e/build-promtool.sh} (the
 * command a person runs) on first use and cached outside the work tree.
 *
 * <p>Like the end-to-end tests, {@value #SKIP_PROPERTY}{@code =true} skips the tests that need it;
 * without it, a machine without the cached binary and without Go fails them with the build script's
 * instructions.
 */
public final class Promtool {
  static final String SKIP_PROPERTY = "pitstop.e2e.skip";

  private static Path binary;

  private final Path path;

  private Promtool(Path path) {
    this.path = path;
  }

  /** promtool, built on first use. */
  public static synchronized Promtool shared() {
    Assumptions.assumeFalse(
        Boolean.getBoolean(SKIP_PROPERTY), "promtool tests skipped (-D" + SKIP_PROPERTY + "=true)");
    if (binary == null) {
      Path log = Path.of("target", "e2e", "build-promtool.log").toAbsolutePath();
      Result built =
          exec(
              List.of(ProjectFiles.root().resolve("e2e/build-promtool.sh").toString()),
              log,
              // A first build on this machine: every core, the tests wait for it.
              System.getenv()
                  .getOrDefault(
                      "PITSTOP_E2E_BUILD_JOBS",
                      String.valueOf(Runtime.getRuntime().availableProcessors())),
              TimeUnit.MINUTES.toMillis(30));
      if (built.exit() != 0) {
        throw new IllegalStateException(
            "could not build promtool for the alert-rule tests:\n"
                + built.messages()
                + "\nTo run the build without them, add -D"
                + SKIP_PROPERTY
                + "=true (README.md).");
      }
      binary = Path.of(built.out().strip());
    }
    return new Promtool(binary);
  }

  /**
   * Runs {@code promtool ARGS} in {@code dir}.
   *
   * @return what it printed
   * @throws AssertionError when it exits non-zero, with what it printed
   */
  public String run(Path dir, String... args) {
    List<String> command = new ArrayList<>();
    command.add(path.toString());
    command.addAll(List.of(args));
    Path log = dir.resolve("promtool.log");
    Result r = exec(command, dir, log);
    if (r.exit() != 0) {
      throw new AssertionError(
          String.join(" ", command) + " failed (" + r.exit() + "):\n" + r.out() + r.messages());
    }
    return r.out() + r.messages();
  }

  private record Result(int exit, String out, String messages) {}

  private static Result exec(List<String> command, Path log, String jobs, long timeoutMillis) {
    return exec(command, null, log, jobs, timeoutMillis);
  }

  private static Result exec(List<String> command, Path dir, Path log) {
    return exec(command, dir, log, null, TimeUnit.MINUTES.toMillis(2));
  }

  private static Result exec(
      List<String> command, Path dir, Path log, String jobs, long timeoutMillis) {
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectError(log.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (dir != null) {
        builder.directory(dir.toFile());
      }
      if (jobs != null) {
        builder.environment().put("PITSTOP_E2E_BUILD_JOBS", jobs);
      }
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " took too long:\n" + Files.readString(log));
      }
      return new Result(process.exitValue(), out, Files.readString(log));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
