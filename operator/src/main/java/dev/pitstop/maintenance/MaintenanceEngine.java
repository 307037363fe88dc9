package dev.pitstop.maintenance;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlErrorKind;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The database side of a maintenance window, as verbs: {@link #check} (changes nothing), {@link
 * #announce} (register the request's holder as waiting), {@link #drain} (wait for tasks and
 * sessions, terminate and block them, renewing the holder's lease), {@link #hold} (register or
 * renew a holder), {@link #release}, {@link #restore} and {@link #status}; {@link #enter} runs
 * announce, drain and hold. Plain JDBC; each call borrows one connection at a time.
 *
 * <p>Each caller holds the mode under its own name in the holders table, and the mode row
 * applications read is derived from the live holders (see {@link ModeTable}): one caller never
 * writes over another's mode, and a caller that dies stops holding it when its lease ends.
 *
 * <p>Every verb throws {@link MaintenanceException}; {@link MaintenanceException#isTransient()}
 * tells whether retrying later may help.
 */
public final class MaintenanceEngine {
  private static final Duration STOP_CHECK = Duration.ofMillis(25);
  private static final Duration AFTER_TERMINATE = Duration.ofMillis(50);

  private final DataSource dataSource;

  public MaintenanceEngine(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Checks everything the drain will need, changing nothing: the mode table's columns (if it
   * exists), that the roles exist and may be blocked and their sessions terminated, and that the
   * tasks query runs and returns one number.
   *
   * @return the roles' current connection limits, to record before they are changed
   */
  public Preflight check(DrainRequest request) {
    try (Connection connection = dataSource.getConnection()) {
      return check(connection, request);
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /**
   * Checks (see {@link #check}), then registers the request's holder as {@code
   * waiting_for_maintenance} with the request's lease; the mode row becomes {@code
   * waiting_for_maintenance} unless another holder keeps it in {@code maintenance}, and {@code
   * NOTIFY pitstop_maintenance} is sent when it changes. A request that fails the check changes
   * nothing.
   */
  public Preflight announce(DrainRequest request) {
    try (Connection connection = dataSource.getConnection()) {
      Preflight preflight = check(connection, request);
      hold(
          connection,
          request.modeTable(),
          request.holder(),
          Mode.WAITING_FOR_MAINTENANCE,
          request.lease(),
          preflight.sample().pendingTasks(),
          (long) preflight.sample().activeConnections());
      return preflight;
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /**
   * Samples the tasks query and the roles' sessions every {@code pollInterval} until the query
   * returns 0 and no session is left. Sessions may finish on their own until the grace period ends;
   * then, with {@code blockNew}, the roles' connection limits are set to 0 and, with {@code
   * terminate}, the remaining sessions are terminated. Sessions are never terminated while the
   * tasks query is above 0. With a mode table, each sample registers the request's holder as {@code
   * waiting_for_maintenance} again (renewing its lease, at least three times per lease) and writes
   * the counts. Transient database errors are reported to the listener and retried.
   *
   * @throws MaintenanceException {@link ErrorCode#TIMEOUT} at the deadline, {@link
   *     ErrorCode#CANCELLED} when the request's stop signal is raised, or the tasks query's error
   */
  public DrainResult drain(DrainRequest request, DrainListener listener) {
    Clock clock = request.clock();
    Instant started = clock.instant();
    Instant graceEnd =
        (request.graceStart() == null ? started : request.graceStart()).plus(request.gracePeriod());
    RoleSessions sessions = new RoleSessions(request.roles());
    List<String> blocked = new ArrayList<>();
    int terminated = 0;
    DrainSample last = null;
    Instant renewed = null;
    Duration renewEvery = request.lease().dividedBy(3);
    while (true) {
      stopIfRequested(request);
      Duration pause = request.pollInterval();
      try (Connection connection = dataSource.getConnection()) {
        DrainSample sample = sample(connection, request, sessions, clock);
        boolean changed =
            last == null
                || !Objects.equals(last.pendingTasks(), sample.pendingTasks())
                || last.activeConnections() != sample.activeConnections();
        if (request.modeTable() != null
            && (changed
                || renewed == null
                || !clock.instant().isBefore(renewed.plus(renewEvery)))) {
          hold(
              connection,
              request.modeTable(),
              request.holder(),
              Mode.WAITING_FOR_MAINTENANCE,
              request.lease(),
              sample.pendingTasks(),
              (long) sample.activeConnections());
          renewed = clock.instant();
        }
        last = sample;
        listener.onSample(sample);
        boolean graceOver = !clock.instant().isBefore(graceEnd);
        if (sample.tasksDone() && (sample.sessions().isEmpty() || graceOver)) {
          if (request.blockNew() && blocked.isEmpty()) {
            stopIfRequested(request);
            // The limits are recorded on the roles now, in the transaction that blocks them (see
            // ConnectionLimits): a change made since the window was announced is what comes back.
            ConnectionLimits.block(
                connection,
                ConnectionLimits.table(request.modeTable()),
                request.holder(),
                request.roles());
            blocked.addAll(request.roles());
            listener.onBlocked(blocked);
            continue; // look again: a session may have connected just before the block
          }
          if (sample.sessions().isEmpty()) {
            return new DrainResult(
                sample, terminated, blocked, Duration.between(started, clock.instant()));
          }
          if (request.terminate()) {
            stopIfRequested(request);
            List<Session> gone = sessions.terminate(connection);
            terminated += gone.size();
            listener.onTerminated(gone);
            pause = AFTER_TERMINATE;
          }
        }
      } catch (SQLException e) {
        if (SqlErrorKind.of(e) != SqlErrorKind.TRANSIENT) {
          throw databaseError(e);
        }
        listener.onRetry(databaseError(e));
      } catch (MaintenanceException e) {
        if (!e.isTransient()) {
          throw e;
        }
        listener.onRetry(e);
      }
      Instant deadline = request.deadline();
      if (deadline != null && !clock.instant().isBefore(deadline)) {
        throw new MaintenanceException(
            ErrorCode.TIMEOUT,
            Field.TIMEOUT,
            "not drained in time"
                + (last == null ? "; the database could not be sampled" : ": " + last.describe()));
      }
      if (request.modeTable() != null && pause.compareTo(renewEvery) > 0) {
        pause = renewEvery;
      }
      pause(request, clock, deadline, pause);
    }
  }

  /**
   * {@link #announce}, {@link #drain}, then the request's holder in {@code maintenance} with the
   * request's lease (the caller renews it with {@link #hold} while it holds, or releases it). If
   * the drain fails or times out, the holder is released before the error is rethrown: the mode
   * goes back to what the other holders keep, {@code running} if there are none.
   */
  public DrainResult enter(DrainRequest request, DrainListener listener) {
    announce(request);
    DrainResult result;
    try {
      result = drain(request, listener);
    } catch (MaintenanceException e) {
      try {
        release(request.modeTable(), request.holder());
      } catch (MaintenanceException releaseError) {
        e.addSuppressed(releaseError);
      }
      throw e;
    }
    hold(request.modeTable(), request.holder(), Mode.MAINTENANCE, request.lease());
    return result;
  }

  /**
   * Registers {@code holder} in {@code state} ({@code waiting_for_maintenance} or {@code
   * maintenance}), or renews it, with a lease of {@code lease} from now ({@code null}: until
   * released). The mode row is derived from the live holders; holders whose lease ended are
   * dropped. Tables are created if the catalog says they are missing ({@code table} {@code null}:
   * only NOTIFY is sent).
   *
   * @return the row and holders as stored, or empty without a table
   */
  public Optional<ModeState> hold(QualifiedName table, String holder, Mode state, Duration lease) {
    try (Connection connection = dataSource.getConnection()) {
      return Optional.ofNullable(hold(connection, table, holder, state, lease, null, null));
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /**
   * Removes {@code holder} ({@code null}: every holder) and derives the mode row from the holders
   * left: {@code running} once none is left. Releasing a holder that is not registered only drops
   * expired holders.
   *
   * @return the row and holders as stored, or empty without a table
   */
  public Optional<ModeState> release(QualifiedName table, String holder) {
    try (Connection connection = dataSource.getConnection()) {
      return Optional.ofNullable(release(connection, table, holder));
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /**
   * Puts back what a drain changed, then releases {@code holder} (mode {@code running} unless other
   * holders keep it). The connection limits come from the database (see {@link ConnectionLimits},
   * the table beside {@code table}): every role {@code holder} blocked is released; a role another
   * holder still blocks stays at 0, the last holder sets the limit recorded at the block back
   * unless someone changed it meanwhile (reported, left as it is) or it was 0 already. Roles {@code
   * holder} never blocked are left alone. {@code recorded} are the roles the caller recorded: those
   * dropped meanwhile are reported missing; a recorded limit is set back only for a role at 0 that
   * no holder blocks (blocked by an earlier Pitstop version, which kept the limit only in the
   * window's status). Idempotent.
   */
  public RestoreResult restore(QualifiedName table, String holder, List<RoleLimit> recorded) {
    try (Connection connection = dataSource.getConnection()) {
      QualifiedName blocks = ConnectionLimits.table(table);
      ConnectionLimits.Released released = ConnectionLimits.release(connection, blocks, holder);
      List<RoleLimit> restored = new ArrayList<>(released.restored());
      List<String> missing = new ArrayList<>();
      if (!recorded.isEmpty()) {
        Map<String, Integer> current =
            ConnectionLimits.current(connection, recorded.stream().map(RoleLimit::role).toList());
        for (RoleLimit limit : recorded) {
          Integer now = current.get(limit.role());
          if (now == null) {
            missing.add(limit.role());
          } else if (limit.connectionLimit() != null
              && limit.connectionLimit() != 0
              && now == 0
              && ConnectionLimits.recordedLimit(connection, blocks, limit.role()) == null) {
            ConnectionLimits.set(connection, limit.role(), limit.connectionLimit());
            restored.add(limit);
          }
        }
      }
      release(connection, table, holder);
      return new RestoreResult(restored, missing, released.changed());
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  /**
   * The mode row and its holders (expired ones marked), or empty when there is no such table or
   * row. Changes nothing.
   */
  public Optional<ModeState> status(QualifiedName table) {
    try (Connection connection = dataSource.getConnection()) {
      return new ModeTable(table).read(connection);
    } catch (SQLException e) {
      throw databaseError(e);
    }
  }

  private Preflight check(Connection connection, DrainRequest request) throws SQLException {
    new ModeTable(request.modeTable()).check(connection);
    List<RoleLimit> limits =
        request.roles().isEmpty() ? List.of() : ConnectionLimits.read(connection, request.roles());
    if (request.blockNew()) {
      ConnectionLimits.checkCanBlock(
          connection, ConnectionLimits.table(request.modeTable()), limits);
    }
    if (request.terminate()) {
      ConnectionLimits.checkCanTerminate(connection, request.roles());
    }
    DrainSample sample =
        sample(connection, request, new RoleSessions(request.roles()), request.clock());
    return new Preflight(limits, sample);
  }

  private static DrainSample sample(
      Connection connection, DrainRequest request, RoleSessions sessions, Clock clock)
      throws SQLException {
    Long pending =
        request.tasksQuery() == null
            ? null
            : request.tasksQuery().count(connection, request.tasksStatementTimeout());
    return new DrainSample(pending, sessions.list(connection), clock.instant());
  }

  private static ModeState hold(
      Connection connection,
      QualifiedName table,
      String holder,
      Mode state,
      Duration lease,
      Long pending,
      Long sessions)
      throws SQLException {
    try {
      return new ModeTable(table).hold(connection, holder, state, lease, pending, sessions);
    } catch (SQLException e) {
      throw modeTableError(e, table, "register holder '" + holder + "' as " + state.value());
    }
  }

  private static ModeState release(Connection connection, QualifiedName table, String holder)
      throws SQLException {
    try {
      return new ModeTable(table).release(connection, holder);
    } catch (SQLException e) {
      throw modeTableError(
          e, table, holder == null ? "release every holder" : "release holder '" + holder + "'");
    }
  }

  private static SQLException modeTableError(SQLException e, QualifiedName table, String what)
      throws SQLException {
    if (SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT) {
      throw e;
    }
    throw new MaintenanceException(
        ErrorCode.MODE_TABLE_INVALID,
        Field.MODE_TABLE,
        "could not " + what + (table == null ? "" : " in " + table) + ": " + e.getMessage(),
        false,
        e);
  }

  private static void stopIfRequested(DrainRequest request) {
    if (request.stopRequested() || Thread.currentThread().isInterrupted()) {
      throw new MaintenanceException(
          ErrorCode.CANCELLED, null, "the drain was stopped before it finished");
    }
  }

  /** Sleeps up to {@code pause} (not past the deadline), checking the stop signal often. */
  private static void pause(DrainRequest request, Clock clock, Instant deadline, Duration pause) {
    Instant until = clock.instant().plus(pause);
    if (deadline != null && deadline.isBefore(until)) {
      until = deadline;
    }
    while (clock.instant().isBefore(until)) {
      stopIfRequested(request);
      long millis =
          Math.min(STOP_CHECK.toMillis(), Duration.between(clock.instant(), until).toMillis());
      try {
        Thread.sleep(Math.max(1, millis));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopIfRequested(request);
      }
    }
  }

  private static MaintenanceException databaseError(SQLException e) {
    boolean transientError = SqlErrorKind.of(e) == SqlErrorKind.TRANSIENT;
    return new MaintenanceException(
        ErrorCode.DATABASE_ERROR,
        null,
        "database error: "
            + e.getMessage()
            + (e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")"),
        transientError,
        e);
  }
}
