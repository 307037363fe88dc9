package dev.pitstop;

import dev.pitstop.cli.Cli;
import dev.pitstop.logging.RedactingThrowableConverter;
import dev.pitstop.operator.OperatorCommand;
import java.util.Map;
import java.util.function.Supplier;

/** {@code java -jar pitstop.jar <command> [options]}. */
public final class Main {
  private static final String LOG_LEVEL = "PITSTOP_LOG_LEVEL";
  private static final String POOL_LOG_LEVEL = "PITSTOP_POOL_LOG_LEVEL";

  private Main() {}

  public static void main(String[] args) {
    run(Main::cli, args);
  }

  /** The jar's command line: {@code operator}, then every command-line command. */
  public static Cli cli() {
    return Cli.withFirst(Map.of("operator", new OperatorCommand()));
  }

  /**
   * Runs one command line as a jar's main does, and exits unless the command keeps running. {@code
   * cli} is called once logging is set up: commands create their loggers when they are built.
   */
  public static void run(Supplier<Cli> cli, String[] args) {
    // The logging configuration has a name of its own so build tools that load the jar's
    // classes do not pick it up.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "pitstop-logback.xml");
    }
    // A command's output is what it prints (the demo draws a live table); the operator's is its
    // log. Library and pool INFO lines would only clutter a terminal: PITSTOP_LOG_LEVEL=INFO shows
    // them.
    boolean longRunning = args.length > 0 && args[0].equals("operator");
    if (!longRunning && System.getProperty(LOG_LEVEL) == null && System.getenv(LOG_LEVEL) == null) {
      System.setProperty(LOG_LEVEL, "WARN");
      // The pool's notice of a broken connection: the command says what failed, in one sentence.
      System.setProperty(POOL_LOG_LEVEL, "ERROR");
    }
    if (!longRunning) {
      // A user of the command line reads sentences; stack traces only with PITSTOP_LOG_LEVEL=DEBUG.
      System.setProperty(RedactingThrowableConverter.DEBUG_ONLY, "true");
    }
    int code = cli.get().run(java.util.List.of(args), System.out, System.err, System.getenv());
    if (code != Cli.KEEP_RUNNING) {
      System.exit(code);
    }
  }
}
