package dev.pitstop.cli;

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
 * operators who drain by hand. {@code enter} writes mode {@code waiting_for_maintenance}, waits
 * (printing progress) until the tasks query returns 0, then writes {@code maintenance}; on timeout
 * it writes {@code running} again and exits 1.
 */
public final class MaintenanceCommand implements Command {
  public static final String NAME = "maintenance";

  /** The mode table when {@code --mode-table} is not given. */
  public static final String DEFAULT_MODE_TABLE = "pitstop_maintenance_mode";

  private static final Set<String> ENTER_OPTIONS =
      Set.of(DatabaseUrl.OPTION, "tasks-query", "mode-table", "timeout", "poll-interval");
  private static final Set<String> OTHER_OPTIONS = Set.of(DatabaseUrl.OPTION, "mode-table");

  @Override
  public String summary() {
    return "enter|status|exit maintenance mode: drain tasks, flip the mode row apps read";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    if (args.isEmpty() || args.get(0).startsWith("--")) {
      throw new UsageException(
          "usage: maintenance enter --tasks-query Q [--mode-table T] [--timeout D]"
              + " | maintenance status [--mode-table T] | maintenance exit [--mode-table T]");
    }
    String verb = args.get(0);
    List<String> rest = args.subList(1, args.size());
    return switch (verb) {
      case "enter" -> enter(Args.parse(rest, ENTER_OPTIONS, Set.of()), out, env);
      case "status" -> status(Args.parse(rest, OTHER_OPTIONS, Set.of()), out, env);
      case "exit" -> exit(Args.parse(rest, OTHER_OPTIONS, Set.of()), out, env);
      default ->
          throw new UsageException(
              "unknown maintenance command '" + verb + "'; use enter, status or exit");
    };
  }

  private int enter(Args args, PrintStream out, Map<String, String> env) {
    Duration timeout = duration(args, "timeout", "15m");
    DrainRequest request =
        fieldChecked(
            () ->
                DrainRequest.builder()
                    .tasksQuery(args.required("tasks-query"))
                    .modeTable(args.value("mode-table").orElse(DEFAULT_MODE_TABLE))
                    .pollInterval(duration(args, "poll-interval", "500ms"))
                    .deadline(Instant.now().plus(timeout))
                    .build());
    try (CommandDatabase database =
        CommandDatabase.open(DatabaseUrl.require(args, env)).requireReachable()) {
      MaintenanceEngine engine = new MaintenanceEngine(database.dataSource());
      fieldChecked(() -> engine.announce(request));
      out.println(
          "mode waiting_for_maintenance written to "
              + request.modeTable()
              + " on "
              + database.describe()
              + "; waiting for tasks to finish");
      AtomicReference<String> last = new AtomicReference<>();
      // Ctrl-C while waiting must not leave the application refusing work.
      Thread interrupted =
          new Thread(() -> engine.setMode(request.modeTable(), Mode.RUNNING), "pitstop-exit");
      Runtime.getRuntime().addShutdownHook(interrupted);
      DrainResult result;
      try {
        result = engine.drain(request, progress(out, last));
      } catch (MaintenanceException e) {
        engine.setMode(request.modeTable(), Mode.RUNNING);
        out.println(
            e.getMessage()
                + (e.code() == ErrorCode.TIMEOUT
                    ? " (timeout " + Durations.format(timeout) + ")"
                    : "")
                + "; mode is running again");
        return FAILED;
      } finally {
        removeHook(interrupted);
      }
      engine.setMode(request.modeTable(), Mode.MAINTENANCE);
      out.println(
          "mode maintenance: drained in "
              + Durations.format(result.took().truncatedTo(ChronoUnit.MILLIS))
              + "; run 'pitstop maintenance exit' when done");
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
      out.println("mode: " + s.rawMode());
      out.println("changed at: " + s.modeChangedAt());
      out.println("pending tasks: " + s.pendingTasksCount());
      out.println("open sessions: " + s.runningTasksCount());
      return OK;
    }
  }

  private int exit(Args args, PrintStream out, Map<String, String> env) {
    String table = args.value("mode-table").orElse(DEFAULT_MODE_TABLE);
    DrainRequest request = fieldChecked(() -> DrainRequest.builder().modeTable(table).build());
    try (CommandDatabase database =
        CommandDatabase.open(DatabaseUrl.require(args, env)).requireReachable()) {
      new MaintenanceEngine(database.dataSource()).setMode(request.modeTable(), Mode.RUNNING);
      out.println("mode running written to " + request.modeTable());
      return OK;
    }
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
      public void onRetry(String reason) {
        out.println("database error, retrying: " + reason);
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
      default -> field.name().toLowerCase(java.util.Locale.ROOT) + " ";
    };
  }
}
