package dev.pitstop.cli;

import dev.pitstop.logging.KnownSecrets;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dispatches {@code pitstop <command>} to its {@link Command}. */
public final class Cli {
  private static final Logger LOG = LoggerFactory.getLogger(Cli.class);

  /** Returned by a command that keeps running in background threads (the operator). */
  public static final int KEEP_RUNNING = -1;

  private final String jar;
  private final Map<String, Command> commands;

  public Cli(Map<String, Command> commands) {
    this("pitstop.jar", commands);
  }

  private Cli(String jar, Map<String, Command> commands) {
    this.jar = jar;
    this.commands = new LinkedHashMap<>(commands);
  }

  /** The command-line commands, without the {@code operator} command (which is not the CLI's). */
  public static Cli standard() {
    return withFirst(Map.of());
  }

  /**
   * The operator jar's command line: {@code first} (the {@code operator} command, which the jar's
   * main adds so this package knows nothing of the operator), then the command-line commands.
   */
  public static Cli withFirst(Map<String, Command> first) {
    Map<String, Command> commands = new LinkedHashMap<>(first);
    CommandCatalog.register(commands);
    return new Cli(commands);
  }

  /**
   * The command line of another jar, named in the usage line: these commands, then {@code more}.
   */
  public Cli extendedBy(String jar, Map<String, Command> more) {
    Map<String, Command> all = new LinkedHashMap<>(commands);
    all.putAll(more);
    return new Cli(jar, all);
  }

  /** Runs one command line and returns its exit code. */
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    if (args.isEmpty() || args.get(0).equals("help") || args.get(0).equals("--help")) {
      usage(args.isEmpty() ? err : out);
      return args.isEmpty() ? Command.USAGE : Command.OK;
    }
    Command command = commands.get(args.get(0));
    if (command == null) {
      String elsewhere = CommandCatalog.ELSEWHERE.get(args.get(0));
      err.println(
          elsewhere != null
              ? "pitstop " + args.get(0) + ": " + elsewhere
              : "pitstop: unknown command '" + args.get(0) + "'; run 'pitstop help'");
      return Command.USAGE;
    }
    List<String> rest = args.subList(1, args.size());
    if (rest.size() == 1 && (rest.get(0).equals("--help") || rest.get(0).equals("-h"))) {
      out.println("pitstop " + args.get(0) + ": " + command.summary());
      out.println("Options and exit codes: docs/cli.md; 'pitstop help' lists every command.");
      return Command.OK;
    }
    try {
      return command.run(rest, out, err, env);
    } catch (UsageException e) {
      LOG.debug("pitstop {}: bad usage or input", args.get(0), e);
      err.println("pitstop " + args.get(0) + ": " + usageSentence(e.getMessage()));
      return Command.USAGE;
    } catch (Exception e) {
      // The user reads one sentence; the stack trace is for PITSTOP_LOG_LEVEL=DEBUG.
      LOG.debug("pitstop {} failed", args.get(0), e);
      err.println("pitstop " + args.get(0) + ": " + oneLine(String.valueOf(e.getMessage())));
      return Command.FAILED;
    }
  }

  /**
   * Bad input is refused before anything is changed; the sentence says so unless it already says
   * what was left, or is the usage text.
   */
  private static String usageSentence(String message) {
    String text = oneLine(String.valueOf(message));
    if (text.startsWith("usage:") || text.contains("nothing") || text.contains("not changed")) {
      return text;
    }
    return (text.endsWith(".") ? text.substring(0, text.length() - 1) : text)
        + "; nothing was changed";
  }

  /** Secrets removed, and only the first line of a message that has several. */
  private static String oneLine(String message) {
    return KnownSecrets.redact(message.lines().findFirst().orElse("").strip());
  }

  private void usage(PrintStream out) {
    out.println("usage: java -jar " + jar + " <command> [options]");
    out.println();
    commands.forEach((name, c) -> out.printf("  %-12s %s%n", name, c.summary()));
    out.println();
    out.println(
        "Connection: --database-url (postgresql://... or jdbc:postgresql://...), else"
            + " $PITSTOP_DATABASE_URL, else $DATABASE_URL; a URL without a password takes"
            + " $PGPASSWORD, else the password file ($PGPASSFILE or ~/.pgpass).");
    out.println(
        "Exit codes: 0 success, 1 the operation failed, 2 bad usage or bad input, 3 migrate --plan"
            + " --fail-on found a risk no comment allows.");
  }
}
