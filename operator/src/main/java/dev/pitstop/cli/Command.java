package dev.pitstop.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** One CLI command. */
public interface Command {
  /** Exit code: the operation succeeded. */
  int OK = 0;

  /** Exit code: the operation failed. */
  int FAILED = 1;

  /** Exit code: bad usage or bad input. */
  int USAGE = 2;

  /**
   * Exit code: {@code migrate --plan --fail-on SEVERITY} found a risk at or above that severity
   * that no {@code -- pitstop:allow} comment accepts; nothing was applied.
   */
  int RISK = 3;

  /** One line for {@code pitstop help}. */
  String summary();

  /**
   * Runs the command.
   *
   * @return the exit code; throw {@link UsageException} for bad usage or input
   */
  int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env)
      throws Exception;
}
