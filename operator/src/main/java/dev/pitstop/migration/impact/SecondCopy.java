package dev.pitstop.migration.impact;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second scratch copy of a plan split over two ({@link PlanSplit}), worked on its own thread:
 * created and dropped like the first, with the same schema and session settings, then the split's
 * second side run on it.
 */
final class SecondCopy {
  private static final Logger LOG = LoggerFactory.getLogger(SecondCopy.class);

  private final Thread thread;
  private volatile ImpactProbe.Result result;
  private volatile Exception failure;

  /** Its session on its copy, while it has one. */
  private volatile Connection session;

  /** The split's second side, run on the copy's session. */
  @FunctionalInterface
  interface Measuring {
    ImpactProbe.Result run(Connection session) throws SQLException;
  }

  private SecondCopy(Runnable work) {
    thread = new Thread(work, "pitstop-plan-second-copy");
    thread.setDaemon(true);
  }

  static SecondCopy start(
      ScratchServer server,
      TargetDatabase database,
      CatalogReader.Schema schema,
      PlanSplit split,
      Measuring measuring) {
    SecondCopy[] self = new SecondCopy[1];
    self[0] =
        new SecondCopy(
            () -> {
              try (ScratchDatabase copy = ScratchDatabase.create(server, database);
                  Connection session = copy.dataSource().getConnection()) {
                self[0].session = session;
                if (!split.secondNeeded()) {
                  return; // the first copy has finished already
                }
                SchemaCopy.copy(schema, session);
                database.apply(session);
                self[0].result = measuring.run(session);
              } catch (SQLException | RuntimeException e) {
                self[0].failure = e;
              } finally {
                self[0].session = null;
              }
            });
    self[0].thread.start();
    return self[0];
  }

  /**
   * Waits for it to end (the first copy has finished).
   *
   * @return the migrations it measured: none unless it took over the rest of the plan
   * @throws SQLException or a runtime exception: why it failed, when it had taken over
   */
  ImpactProbe.Result await(PlanSplit split, int migrations) throws SQLException {
    boolean tookOver = split.end() < migrations;
    if (!tookOver) {
      stop(); // not needed: what it runs now (copying the schema, say) is cancelled
    }
    join();
    if (failure != null) {
      if (tookOver) {
        if (failure instanceof SQLException e) {
          throw e;
        }
        throw (RuntimeException) failure;
      }
      // the first copy measured everything: the plan does not need it
      LOG.debug("The plan's second scratch copy was not used: {}", failure.toString());
    }
    return tookOver ? result : new ImpactProbe.Result(List.of(), List.of());
  }

  /** Cancels the statement it runs, if any; it then ends, dropping its copy. */
  private void stop() {
    Connection running = session;
    if (running == null) {
      return;
    }
    try {
      running.unwrap(PGConnection.class).cancelQuery();
    } catch (SQLException e) {
      LOG.debug("Could not cancel the plan's second scratch copy: {}", e.getMessage());
    }
  }

  /** Stops it and waits for it to end (the plan failed on the first copy). */
  void abandon() {
    stop();
    join();
  }

  private void join() {
    boolean interrupted = false;
    while (true) {
      try {
        thread.join();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
