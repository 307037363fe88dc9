package dev.pitstop.sql;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * PostgreSQL advisory locks on a given connection, the key always a bind parameter. A session lock
 * ({@link #tryLock}, {@link #lock}) is held until {@link #close()} or the end of the session; a
 * transaction lock ({@link #tryLockForTransaction}, {@link #lockForTransaction}) until the
 * transaction ends. Advisory locks are per database: the same key on another database does not
 * conflict.
 *
 * <p>Keys must never change from one release to the next: an older operator still running, the CLI
 * and (for migrations) Flyway must keep excluding each other. {@link Key} holds every way the
 * product derives them.
 */
public final class AdvisoryLock implements AutoCloseable {

  /**
   * An advisory lock key: a 64-bit number computed here, or a text the server turns into one with
   * {@code hashtext()}.
   */
  public static final class Key {
    /** Flyway's base key ("Flyway" in ASCII); the history table name's hash is added to it. */
    public static final long FLYWAY_BASE = 77431708279161L;

    private final long number;
    private final String hashedText;

    private Key(long number, String hashedText) {
      this.number = number;
      this.hashedText = hashedText;
    }

    /** The key {@code number}. */
    public static Key of(long number) {
      return new Key(number, null);
    }

    /**
     * The key Flyway takes for a history table, {@code 77431708279161 +
     * "\"schema\".\"table\"".hashCode()}, so that Pitstop and Flyway runners exclude each other.
     */
    public static Key flyway(QualifiedName historyTable) {
      return of(FLYWAY_BASE + historyTable.sql().hashCode());
    }

    /** A 64-bit FNV-1a hash of the text's UTF-8 bytes. */
    public static Key fnv1a(String text) {
      long hash = 0xcbf29ce484222325L;
      for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
        hash ^= b & 0xff;
        hash *= 0x100000001b3L;
      }
      return of(hash);
    }

    /** The server's {@code hashtext(text)}, widened to bigint; computed by the server. */
    public static Key hashtext(String text) {
      return new Key(0, Objects.requireNonNull(text, "text"));
    }

    /**
     * The key's number.
     *
     * @throws IllegalStateException for a {@link #hashtext} key, which only the server computes
     */
    public long number() {
      if (hashedText != null) {
        throw new IllegalStateException("only the server computes " + this);
      }
      return number;
    }

    /** The key as an SQL argument with one bind parameter. */
    private String argument() {
      return hashedText == null ? "?" : "hashtext(?)";
    }

    private void bind(PreparedStatement statement, int index) throws SQLException {
      if (hashedText == null) {
        statement.setLong(index, number);
      } else {
        statement.setString(index, hashedText);
      }
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key key
          && key.number == number
          && Objects.equals(key.hashedText, hashedText);
    }

    @Override
    public int hashCode() {
      return Objects.hash(number, hashedText);
    }

    @Override
    public String toString() {
      return hashedText == null ? Long.toString(number) : "hashtext(" + hashedText + ")";
    }
  }

  /**
   * The session holding a lock.
   *
   * @param pid its backend pid
   * @param applicationName its application_name, or null
   * @param since when its current transaction (else its current state) started, or null
   */
  public record Holder(int pid, String applicationName, OffsetDateTime since) {}

  private final Connection connection;
  private final Key key;
  private final boolean shared;

  private AdvisoryLock(Connection connection, Key key, boolean shared) {
    this.connection = connection;
    this.key = key;
    this.shared = shared;
  }

  /** Takes the session lock if it is free; never waits. */
  public static Optional<AdvisoryLock> tryLock(Connection connection, Key key) throws SQLException {
    return ask(connection, "pg_try_advisory_lock", key)
        ? Optional.of(new AdvisoryLock(connection, key, false))
        : Optional.empty();
  }

  /**
   * Takes the session lock, waiting for it in the server as long as the session's {@code
   * lock_timeout} allows.
   *
   * @throws SQLException {@link SqlState#LOCK_NOT_AVAILABLE} when lock_timeout fires
   */
  public static AdvisoryLock lock(Connection connection, Key key) throws SQLException {
    run(connection, "pg_advisory_lock", key);
    return new AdvisoryLock(connection, key, false);
  }

  /**
   * Takes the session lock in shared mode: any number of sessions hold it together, and none waits
   * unless a session holds it exclusively. Shows others that something is going ({@link #holder}).
   */
  public static AdvisoryLock lockShared(Connection connection, Key key) throws SQLException {
    run(connection, "pg_advisory_lock_shared", key);
    return new AdvisoryLock(connection, key, true);
  }

  /** Takes the lock for the current transaction if it is free; never waits. */
  public static boolean tryLockForTransaction(Connection connection, Key key) throws SQLException {
    return ask(connection, "pg_try_advisory_xact_lock", key);
  }

  /** Takes the lock for the current transaction, waiting for it as lock_timeout allows. */
  public static void lockForTransaction(Connection connection, Key key) throws SQLException {
    run(connection, "pg_advisory_xact_lock", key);
  }

  /**
   * The session holding the lock (in either mode), if any session of the current database does.
   *
   * @param key a key with a {@linkplain Key#number() number}
   */
  public static Optional<Holder> holder(Connection connection, Key key) throws SQLException {
    long number = key.number();
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT l.pid, a.application_name, coalesce(a.xact_start, a.state_change)"
                + " FROM pg_catalog.pg_locks l"
                + " LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
                + " WHERE datname = current_database())"
                + " AND l.classid::bigint = ? AND l.objid::bigint = ? LIMIT 1")) {
      statement.setLong(1, number >>> 32);
      statement.setLong(2, number & 0xFFFFFFFFL);
      try (ResultSet row = statement.executeQuery()) {
        if (!row.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Holder(row.getInt(1), row.getString(2), row.getObject(3, OffsetDateTime.class)));
      }
    }
  }

  /**
   * Tells whether this session lock is still held: asked on the lock's own session, so a session
   * that was ended (terminated by an administrator, an idle timeout, a pooler or the network) or a
   * lock released behind this object's back both answer false. Never throws.
   */
  public boolean isHeld() {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l, (SELECT "
                + key.argument()
                + "::bigint AS n) k"
                + " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                + " AND l.pid = pg_catalog.pg_backend_pid()"
                + " AND l.database = (SELECT oid FROM pg_catalog.pg_database"
                + " WHERE datname = pg_catalog.current_database())"
                + " AND l.classid::bigint = (k.n >> 32) & 4294967295"
                + " AND l.objid::bigint = k.n & 4294967295)")) {
      key.bind(statement, 1);
      try (ResultSet row = statement.executeQuery()) {
        return row.next() && row.getBoolean(1);
      }
    } catch (SQLException e) {
      return false; // the session is broken, and with it the lock
    }
  }

  /**
   * Releases the session lock. Errors are ignored: they mean the session is broken, and PostgreSQL
   * releases a session's locks when it ends.
   */
  @Override
  public void close() {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT "
                + (shared ? "pg_advisory_unlock_shared" : "pg_advisory_unlock")
                + "("
                + key.argument()
                + ")")) {
      key.bind(statement, 1);
      statement.executeQuery().close();
    } catch (SQLException e) {
      // the session is broken; its end releases the lock
    }
  }

  private static boolean ask(Connection connection, String function, Key key) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT " + function + "(" + key.argument() + ")")) {
      key.bind(statement, 1);
      try (ResultSet row = statement.executeQuery()) {
        row.next();
        return row.getBoolean(1);
      }
    }
  }

  private static void run(Connection connection, String function, Key key) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement("SELECT " + function + "(" + key.argument() + ")")) {
      key.bind(statement, 1);
      statement.executeQuery().close();
    }
  }
}
