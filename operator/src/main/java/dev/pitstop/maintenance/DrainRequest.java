package dev.pitstop.maintenance;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What to drain on the database side: the mode row to write, the tasks to wait for and the sessions
 * of which roles to wait for, terminate and block. Built with {@link #builder()}; every field is
 * checked there, so a request that exists is well-formed.
 */
public final class DrainRequest {
  /** The default statement timeout of the tasks query. */
  public static final Duration DEFAULT_TASKS_TIMEOUT = Duration.ofSeconds(10);

  /** The holder's lease when none is given. */
  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

  /** The holder's name when none is given. */
  public static final String DEFAULT_HOLDER = "pitstop";

  private final TasksQuery tasksQuery;
  private final Duration tasksStatementTimeout;
  private final QualifiedName modeTable;
  private final String holder;
  private final Duration lease;
  private final List<String> roles;
  private final Duration gracePeriod;
  private final boolean terminate;
  private final boolean blockNew;
  private final Duration pollInterval;
  private final Instant deadline;
  private final Instant graceStart;
  private final BooleanSupplier stopRequested;
  private final Clock clock;

  private DrainRequest(Builder b) {
    this.tasksQuery = b.tasksQuery;
    this.tasksStatementTimeout = b.tasksStatementTimeout;
    this.modeTable = b.modeTable;
    this.holder = b.holder;
    this.lease = b.lease;
    this.roles = List.copyOf(b.roles);
    this.gracePeriod = b.gracePeriod;
    this.terminate = b.terminate;
    this.blockNew = b.blockNew;
    this.pollInterval = b.pollInterval;
    this.clock = b.clock;
    this.deadline = b.deadline;
    this.graceStart = b.graceStart;
    this.stopRequested = b.stopRequested;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The tasks query, or {@code null} when no tasks are waited for. */
  public TasksQuery tasksQuery() {
    return tasksQuery;
  }

  public Duration tasksStatementTimeout() {
    return tasksStatementTimeout;
  }

  /** The mode table, or {@code null}: then the mode is only announced with NOTIFY. */
  public QualifiedName modeTable() {
    return modeTable;
  }

  /** Who holds the mode while this request runs: its row in the holders table. */
  public String holder() {
    return holder;
  }

  /**
   * How long the holder's registration lasts without renewal; {@code drain} renews it at every
   * sample, so a holder that dies stops holding the mode one lease later.
   */
  public Duration lease() {
    return lease;
  }

  /** Roles whose sessions are drained, in the order given, without duplicates. */
  public List<String> roles() {
    return roles;
  }

  public Duration gracePeriod() {
    return gracePeriod;
  }

  public boolean terminate() {
    return terminate;
  }

  public boolean blockNew() {
    return blockNew;
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  /** When {@code drain} gives up with {@link ErrorCode#TIMEOUT}; {@code null}: never. */
  public Instant deadline() {
    return deadline;
  }

  /** When the grace period for sessions began (it ends {@link #gracePeriod()} later). */
  public Instant graceStart() {
    return graceStart;
  }

  /** Whether the caller asked the drain to stop; checked between samples. */
  public boolean stopRequested() {
    return stopRequested.getAsBoolean();
  }

  public Clock clock() {
    return clock;
  }

  /** Builds a {@link DrainRequest}; each setter checks its value. */
  public static final class Builder {
    private TasksQuery tasksQuery;
    private Duration tasksStatementTimeout = DEFAULT_TASKS_TIMEOUT;
    private QualifiedName modeTable;
    private String holder = DEFAULT_HOLDER;
    private Duration lease = DEFAULT_LEASE;
    private final List<String> roles = new ArrayList<>();
    private Duration gracePeriod = Duration.ofMinutes(2);
    private boolean terminate;
    private boolean blockNew;
    private Duration pollInterval = Duration.ofMillis(500);
    private Instant deadline;
    private Instant graceStart;
    private BooleanSupplier stopRequested = () -> false;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** A single SELECT returning one number; see {@link TasksQuery#parse}. */
    public Builder tasksQuery(String sql) {
      this.tasksQuery = sql == null ? null : TasksQuery.parse(sql);
      return this;
    }

    public Builder tasksStatementTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw invalid(Field.TASKS_STATEMENT_TIMEOUT, "must be longer than 0");
      }
      this.tasksStatementTimeout = timeout;
      return this;
    }

    /** {@code table} or {@code schema.table}; created on first use if missing. */
    public Builder modeTable(String name) {
      if (name == null || name.isBlank()) {
        this.modeTable = null;
        return this;
      }
      QualifiedName table;
      try {
        table = SqlIdentifiers.qualified(name);
      } catch (IllegalArgumentException e) {
        throw invalid(Field.MODE_TABLE, e.getMessage());
      }
      int room = SqlIdentifiers.MAX_IDENTIFIER_BYTES - ModeTable.HOLDERS_SUFFIX.length();
      if (table.name().getBytes(StandardCharsets.UTF_8).length > room) {
        throw invalid(
            Field.MODE_TABLE,
            "'"
                + table.name()
                + "' is too long: the holders table beside it is named <name>"
                + ModeTable.HOLDERS_SUFFIX
                + ", so the name may have at most "
                + room
                + " bytes");
      }
      this.modeTable = table;
      return this;
    }

    /** The holder's name: anything from 1 to 200 characters. */
    public Builder holder(String name) {
      if (name == null || name.isBlank() || name.length() > 200) {
        throw invalid(Field.HOLDER, "must be 1 to 200 characters");
      }
      this.holder = name;
      return this;
    }

    /** How long the holder's registration lasts without renewal. */
    public Builder lease(Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw invalid(Field.LEASE, "must be longer than 0");
      }
      this.lease = value;
      return this;
    }

    public Builder roles(List<String> names) {
      roles.clear();
      LinkedHashSet<String> unique = new LinkedHashSet<>();
      for (String name : names == null ? List.<String>of() : names) {
        try {
          SqlIdentifiers.quote(name);
        } catch (IllegalArgumentException e) {
          throw invalid(Field.ROLES, "'" + name + "' is not a role name: " + e.getMessage());
        }
        unique.add(name);
      }
      roles.addAll(unique);
      return this;
    }

    public Builder gracePeriod(Duration grace) {
      if (grace == null || grace.isNegative()) {
        throw invalid(Field.GRACE_PERIOD, "must not be negative");
      }
      this.gracePeriod = grace;
      return this;
    }

    public Builder terminate(boolean value) {
      this.terminate = value;
      return this;
    }

    public Builder blockNew(boolean value) {
      this.blockNew = value;
      return this;
    }

    public Builder pollInterval(Duration interval) {
      if (interval == null || interval.toMillis() < 10) {
        throw invalid(Field.POLL_INTERVAL, "must be at least 10ms");
      }
      this.pollInterval = interval;
      return this;
    }

    /** When {@code drain} gives up; {@code null} waits forever. */
    public Builder deadline(Instant value) {
      this.deadline = value;
      return this;
    }

    /** When the grace period began; defaults to the start of {@code drain}. */
    public Builder graceStart(Instant value) {
      this.graceStart = value;
      return this;
    }

    /** Polled between samples: once true, {@code drain} stops with {@link ErrorCode#CANCELLED}. */
    public Builder stopRequested(BooleanSupplier value) {
      this.stopRequested = Objects.requireNonNull(value);
      return this;
    }

    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value);
      return this;
    }

    public DrainRequest build() {
      if ((terminate || blockNew) && roles.isEmpty()) {
        throw invalid(
            terminate ? Field.TERMINATE : Field.BLOCK_NEW, "needs at least one role in roles");
      }
      return new DrainRequest(this);
    }

    private static MaintenanceException invalid(Field field, String message) {
      return new MaintenanceException(ErrorCode.INVALID_REQUEST, field, message);
    }
  }
}
