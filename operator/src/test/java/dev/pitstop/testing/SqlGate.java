package dev.pitstop.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * Holds a script the operator runs (a seed, a migration) at one statement until the test opens the
 * gate, so that a run is still going for exactly as long as the scenario needs instead of for a
 * guessed {@code pg_sleep}. The gate is a session-level advisory lock held by a connection of the
 * test; {@link #statement} waits for it without a lock wait (so no {@code lock_timeout} ends it),
 * checking every few milliseconds. Advisory locks belong to one database: create the gate on the
 * database the script runs in.
 */
public final class SqlGate implements AutoCloseable {
  private static final AtomicLong KEYS = new AtomicLong(7_310_000);

  private final Connection holder;
  private final long key = KEYS.incrementAndGet();
  private boolean open;

  private SqlGate(DataSource database) {
    try {
      holder = database.getConnection();
      try (Statement s = holder.createStatement()) {
        s.execute("SELECT pg_advisory_lock(" + key + ")");
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not close the gate: " + e.getMessage(), e);
    }
  }

  /** A closed gate on {@code database}. */
  public static SqlGate closed(DataSource database) {
    return new SqlGate(database);
  }

  /**
   * The advisory lock's key. The gate shows in {@code pg_locks} as a granted advisory lock with
   * this key ({@code (classid << 32) | objid}) while it is closed.
   */
  public long key() {
    return key;
  }

  /** One SQL statement that returns once the gate is open. */
  public String statement() {
    return "DO $$ BEGIN " + plpgsql() + " END $$;";
  }

  /** PL/pgSQL statements that return once the gate is open, e.g. for a trigger function's body. */
  public String plpgsql() {
    return "WHILE NOT pg_try_advisory_lock("
        + key
        + ") LOOP PERFORM pg_sleep(0.01); END LOOP; PERFORM pg_advisory_unlock("
        + key
        + ");";
  }

  /** Lets every statement waiting at the gate, and every later one, pass. */
  public synchronized void open() {
    if (open) {
      return;
    }
    open = true;
    try (Statement s = holder.createStatement()) {
      s.execute("SELECT pg_advisory_unlock(" + key + ")");
    } catch (SQLException e) {
      throw new IllegalStateException("could not open the gate: " + e.getMessage(), e);
    }
  }

  /** Opens the gate if it is still closed and ends the test's session. */
  @Override
  public synchronized void close() {
    try {
      holder.close();
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    } finally {
      open = true;
    }
  }
}
