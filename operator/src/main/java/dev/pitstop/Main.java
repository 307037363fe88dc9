package dev.pitstop;

import dev.pitstop.cli.Cli;

/** {@code java -jar pitstop.jar <command> [options]}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // The logging configuration has a name of its own so build tools that load the jar's
    // classes do not pick it up.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "pitstop-logback.xml");
    }
    // The demo draws a live table; only warnings and errors may interrupt it.
    if (args.length > 0 && args[0].equals("demo") && System.getenv("PITSTOP_LOG_LEVEL") == null) {
      System.setProperty("PITSTOP_LOG_LEVEL", "WARN");
    }
    int code = Cli.standard().run(java.util.List.of(args), System.out, System.err, System.getenv());
    if (code != Cli.KEEP_RUNNING) {
      System.exit(code);
    }
  }
}
