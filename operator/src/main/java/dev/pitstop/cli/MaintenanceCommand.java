package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.maintenance.DrainListener;
import dev.pitstop.maintenance.DrainRequest;
import dev.pitstop.maintenance.DrainResult;
import dev.pitstop.maintenance.DrainSample;
import dev.pitstop.maintenance.ErrorCode;
import dev.pitstop.maintenance.Field;
import dev.pitstop.maintenance.MaintenanceEngine;
import dev.pitstop.maintenance.MaintenanceException;
import dev.pitstop.maintenance.Mode;
import dev.pitstop.maintenance.ModeState;
import dev.pitstop.time.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code pitstop maintenance enter|status|exit}: the database side of a maintenance window, for
 * operators who drain by hand. {@code enter} registers a holder (by {@code --holder}, or
 * user@host/pid) as waiting, renewing its lease while it waits (printing progress) until the tasks
 * query returns 0, then as in maintenance; on timeout it releases its holder and exits 1. The mode
 * row follows the holders, so a second {@code enter} joins the first instead of overwriting it.
 */
public final class MaintenanceCommand implements Command {
  public static final String NAME = "maintenance";

  /** The mode table when {@code --mode-table} is not given. */
  public static final String DEFAULT_MODE_TABLE = "pitstop_maintenance_mode";

  private static final Set<String> ENTER_OPTIONS =
      Set.of(
          DatabaseUrl.OPTION,
          "tasks-query",
          "mode-table",
          "timeout",
          "poll-interval",
          "holder",
          "lease",
          "hold");
  private static final Set<String> STATUS_OPTIONS = Set.of(DatabaseUrl.OPTION, "mode-table");
  private static final Set<String> EXIT_OPTIONS =
      Set.of(DatabaseUrl.OPTION, "mode-table", "holder");

  @Override
  public String summary() {
    return "enter|status|exit maintenance mode: drain tasks, flip the mode row apps read";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    if (args.isEmpty() || args.get(0).startsWith("--")) {
      throw new UsageException(
          "usage: maintenance enter --tasks-query Q [--mode-table T] [--timeout D] [--holder H]"
              + " [--lease D] [--hold D] | maintenance status [--mode-table T]"
              + " | maintenance exit [--mode-table T] [--holder H | --all]");
    }
    String verb = args.get(0);
    List<String> rest = args.subList(1, args.size());
    return switch (verb) {
      case "enter" ->
          enter(Args.parse(rest, ENTER_OPTIONS, Set.of()).withoutPositional(), out, err, env);
      case "status" ->
          status(Args.parse(rest, STATUS_OPTIONS, Set.of()).withoutPositional(), out, env);
      case "exit" ->
          exit(Args.parse(rest, EXIT_OPTIONS, Set.of("all")).withoutPositional(), out, env);
      default ->
          throw new UsageException(
              "unknown maintenance command '" + verb + "'; use enter, status or exit");
    };
  }

  private int enter(Args args, PrintStream out, PrintStream err, Map<String, String> env) {
    Duration timeout = duration(args, "timeout", "15m");
    if (timeout.isZero()) {
      throw new UsageException("--timeout must be longer than 0");
    }
    Duration hold = args.value("hold").isPresent() ? duration(args, "hold", null) : null;
    if (hold != null && (hold.isZero() || hold.isNegative())) {
      throw new UsageException("--hold must be longer than 0");
    }
    DrainRequest request =
        fieldChecked(
            () ->
                DrainRequest.builder()
                    .tasksQuery(args.required("tasks-query"))
                    .modeTable(args.value("mode-table").orElse(DEFAULT_MODE_TABLE))
                    .holder(args.value("holder").orElseGet(MaintenanceCommand::defaultHolder))
                    .lease(duration(args, "lease", "30s"))
                    .pollInterval(duration(args, "poll-interval", "500ms"))
                    .deadline(Instant.now().plus(timeout))
                    .build());
    ConnectionSettings settings = DatabaseUrl.require(args, env);
    try (CommandDatabase database = CommandDatabase.open(settings).requireReachable()) {
      MaintenanceEngine engine = new MaintenanceEngine(database.dataSource());
      try {
        fieldChecked(() -> engine.announce(request));
      } catch (MaintenanceException e) {
        err.println(
            "pitstop maintenance: "
                + sentence(e)
                + "; holder "
                + request.holder()
                + " was not registered and "
                + request.modeTable()
                + " was not changed");
        return FAILED;
      }
      out.println(
          "holder "
              + request.holder()
              + " registered as waiting_for_maintenance in "
              + request.modeTable()
              + " on "
              + database.describe()
              + " (lease "
              + Durations.format(request.lease())
              + ", renewed while waiting); waiting for tasks to finish");
      AtomicReference<String> last = new AtomicReference<>();
      // Ctrl-C while waiting must not leave the application refusing work.
      // A release that fails (the database is gone) is one sentence, never a stack trace.
      Thread interrupted =
          new Thread(
              () -> err.println("pitstop maintenance: interrupted; " + released(engine, request)),
              "pitstop-exit");
      Runtime.getRuntime().addShutdownHook(interrupted);
      DrainResult result;
      try {
        result = engine.drain(request, progress(out, last));
      } catch (MaintenanceException e) {
        err.println(
            "pitstop maintenance: "
                + sentence(e)
                + (e.code() == ErrorCode.TIMEOUT
                    ? " (timeout " + Durations.format(timeout) + ")"
                    : "")
                + "; "
                + released(engine, request));
        return e.code() == ErrorCode.TASKS_QUERY_FAILED && !e.isTransient() ? USAGE : FAILED;
      } finally {
        removeHook(interrupted);
      }
      try {
        engine.hold(request.modeTable(), request.holder(), Mode.MAINTENANCE, hold);
      } catch (MaintenanceException e) {
        err.println(
            "pitstop maintenance: drained, but holder "
                + request.holder()
                + " could not be put in maintenance ("
                + sentence(e)
                + "); it stays waiting_for_maintenance until its lease of "
                + Durations.format(request.lease())
                + " ends, then the mode returns to what the other holders keep");
        return FAILED;
      }
      out.println(
          "mode maintenance: drained in "
              + Durations.format(result.took().truncatedTo(ChronoUnit.MILLIS))
              + "; holder "
              + request.holder()
              + (hold == null
                  ? " holds it until"
                  : " holds it for " + Durations.format(hold) + " or until")
              + " 'pitstop maintenance exit --holder "
              + request.holder()
              + "'");
      return OK;
    }
  }

  private int status(Args args, PrintStream out, Map<String, String> env) {
    String table = args.value("mode-table").orElse(DEFAULT_MODE_TABLE);
    DrainRequest request = fieldChecked(() -> DrainRequest.builder().modeTable(table).build());
    try (CommandDatabase database =
        CommandDatabase.open(DatabaseUrl.require(args, env)).requireReachable()) {
      Optional<ModeState> state =
          new MaintenanceEngine(database.dataSource()).status(request.modeTable());
      if (state.isEmpty()) {
        out.println("mode: running (no row in " + request.modeTable() + " yet)");
        return OK;
      }
      ModeState s = state.get();
      List<ModeState.Holder> live = s.holders().stream().filter(h -> !h.expired()).toList();
      List<ModeState.Holder> expired =
          s.holders().stream().filter(ModeState.Holder::expired).toList();
      boolean leasesEnded = live.isEmpty() && !expired.isEmpty();
      if (leasesEnded && !Mode.RUNNING.value().equals(s.rawMode())) {
        // What an application reading mode_expires_at sees: no live holder keeps the mode.
        out.println(
            "mode: running (the row still says "
                + s.rawMode()
                + " until the next write, but every holder's lease has ended)");
      } else {
        out.println("mode: " + s.rawMode());
      }
      out.println("changed at: " + s.modeChangedAt());
      if (s.modeExpiresAt() != null && !leasesEnded) {
        out.println("expires at: " + s.modeExpiresAt() + " (unless a holder renews)");
      }
      out.println("pending tasks: " + s.pendingTasksCount());
      out.println("open sessions: " + s.runningTasksCount());
      if (live.isEmpty()) {
        out.println("holders: none");
      } else {
        out.println("holders:");
        live.forEach(h -> out.println(describe(h)));
      }
      if (!expired.isEmpty()) {
        out.println("expired holders (dropped at the next write):");
        expired.forEach(h -> out.println(describe(h)));
      }
      return OK;
    }
  }

  private int exit(Args args, PrintStream out, Map<String, String> env) {
    String table = args.value("mode-table").orElse(DEFAULT_MODE_TABLE);
    Optional<String> holder = args.value("holder");
    boolean all = args.flag("all");
    if (all && holder.isPresent()) {
      throw new UsageException("use either --holder or --all");
    }
    DrainRequest request =
        fieldChecked(
            () -> {
              DrainRequest.Builder b = DrainRequest.builder().modeTable(table);
              holder.ifPresent(b::holder);
              return b.build();
            });
    try (CommandDatabase database =
        CommandDatabase.open(DatabaseUrl.require(args, env)).requireReachable()) {
      MaintenanceEngine engine = new MaintenanceEngine(database.dataSource());
      String releasing = holder.orElse(null);
      if (!all && releasing == null) {
        List<ModeState.Holder> live =
            engine.status(request.modeTable()).map(ModeState::holders).orElse(List.of()).stream()
                .filter(h -> !h.expired())
                .toList();
        if (live.size() > 1) {
          throw new UsageException(
              "several holders hold "
                  + request.modeTable()
                  + ": "
                  + String.join(", ", live.stream().map(ModeState.Holder::name).toList())
                  + "; name the one to release with --holder, or release all with --all");
        }
        releasing = live.isEmpty() ? null : live.get(0).name();
        if (releasing == null) {
          all = true; // only expired holders, or none: drop them
        }
      }
      String released = all ? null : releasing;
      boolean registered =
          all
              || engine
                  .status(request.modeTable())
                  .map(ModeState::holders)
                  .orElse(List.of())
                  .stream()
                  .anyMatch(h -> h.name().equals(released));
      Optional<ModeState> left = fieldChecked(() -> engine.release(request.modeTable(), released));
      out.println(
          (all
                  ? "every holder released"
                  : registered
                      ? "holder " + releasing + " released"
                      : "holder " + releasing + " was not registered (already released or expired)")
              + "; mode "
              + left.map(ModeState::rawMode).orElse(Mode.RUNNING.value())
              + " written to "
              + request.modeTable()
              + left.map(MaintenanceCommand::otherHolders).orElse(""));
      return OK;
    }
  }

  private static String describe(ModeState.Holder h) {
    return "  "
        + h.name()
        + "  "
        + (h.state() == null ? "?" : h.state().value())
        + "  "
        + (h.expiresAt() == null
            ? "until exit"
            : (h.expired() ? "expired at " : "expires at ") + h.expiresAt())
        + "  since "
        + h.since();
  }

  /** Releases the holder after a failed drain; says what the mode is left as. */
  private static String released(MaintenanceEngine engine, DrainRequest request) {
    try {
      Optional<ModeState> left = engine.release(request.modeTable(), request.holder());
      return "holder "
          + request.holder()
          + " released, mode is "
          + left.map(ModeState::rawMode).orElse(Mode.RUNNING.value())
          + left.map(MaintenanceCommand::otherHolders).orElse("");
    } catch (RuntimeException e) {
      return "holder "
          + request.holder()
          + " could not be released ("
          + sentence(e)
          + ") and stops counting when its lease of "
          + Durations.format(request.lease())
          + " ends";
    }
  }

  /** The exception's message as part of a sentence: no trailing full stop, secrets removed. */
  private static String sentence(RuntimeException e) {
    String message = KnownSecrets.redact(String.valueOf(e.getMessage()));
    return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
  }

  /** user@host/pid: who runs this {@code enter}, on which machine, in which process. */
  static String defaultHolder() {
    String user = System.getProperty("user.name", "unknown");
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = System.getenv().getOrDefault("HOSTNAME", "localhost");
    }
    return user + "@" + host + "/" + ProcessHandle.current().pid();
  }

  private static String otherHolders(ModeState state) {
    return state.holders().isEmpty()
        ? ""
        : " (held by "
            + String.join(", ", state.holders().stream().map(ModeState.Holder::name).toList())
            + ")";
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or about to: it restores the mode.
    }
  }

  private static DrainListener progress(PrintStream out, AtomicReference<String> last) {
    return new DrainListener() {
      @Override
      public void onSample(DrainSample sample) {
        String line = "waiting: " + sample.describe();
        if (!line.equals(last.getAndSet(line))) {
          out.println(line);
        }
      }

      @Override
      public void onRetry(MaintenanceException failure) {
        out.println("retrying: " + flag(failure.field()) + failure.getMessage());
      }
    };
  }

  private static Duration duration(Args args, String flag, String fallback) {
    try {
      return Durations.parse(args.value(flag).orElse(fallback), "--" + flag);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** Runs {@code action}, turning bad input the engine found into a usage error naming the flag. */
  private static <T> T fieldChecked(java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (MaintenanceException e) {
      if (e.isTransient() || e.code() == ErrorCode.DATABASE_ERROR) {
        throw e;
      }
      throw new UsageException(flag(e.field()) + e.getMessage());
    }
  }

  private static String flag(Field field) {
    if (field == null) {
      return "";
    }
    return switch (field) {
      case TASKS_QUERY -> "--tasks-query ";
      case MODE_TABLE -> "--mode-table ";
      case POLL_INTERVAL -> "--poll-interval ";
      case TIMEOUT -> "--timeout ";
      case HOLDER -> "--holder ";
      case LEASE -> "--lease ";
      default -> field.name().toLowerCase(java.util.Locale.ROOT) + " ";
    };
  }
}
