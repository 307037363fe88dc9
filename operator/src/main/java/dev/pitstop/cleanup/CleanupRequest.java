package dev.pitstop.cleanup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What to delete and how; build with {@link #builder()}. Field names follow the CleanupSchedule
 * spec, and invalid values are reported with {@link CleanupErrorCode#INVALID_REQUEST} naming the
 * field.
 */
public final class CleanupRequest {
  /** The largest batch; bigger batches hold row locks and WAL for too long. */
  public static final int MAX_BATCH_SIZE = 100_000;

  private final List<DeletionRule> rules;
  private final int batchSize;
  private final Duration pauseBetweenBatches;
  private final Duration maxDuration;
  private final Duration lockTimeout;
  private final Duration statementTimeout;
  private final boolean dryRun;
  private final boolean vacuumAnalyze;
  private final String lockScope;
  private final int busyRetries;
  private final Duration busyBackoff;

  private CleanupRequest(Builder b) {
    if (b.rules.isEmpty()) {
      throw invalid("rules", "rules must list at least one rule.");
    }
    Set<String> names = new HashSet<>();
    for (DeletionRule rule : b.rules) {
      if (!names.add(rule.name())) {
        throw invalid(rule.field(""), "Rule name '" + rule.name() + "' is used twice.");
      }
    }
    if (b.batchSize < 1 || b.batchSize > MAX_BATCH_SIZE) {
      throw invalid(
          "batchSize",
          "batchSize must be between 1 and " + MAX_BATCH_SIZE + ", not " + b.batchSize + ".");
    }
    if (b.busyRetries < 0) {
      throw invalid("busyRetries", "busyRetries must not be negative.");
    }
    this.rules = List.copyOf(b.rules);
    this.batchSize = b.batchSize;
    this.pauseBetweenBatches = checkDuration("pauseBetweenBatches", b.pauseBetweenBatches);
    this.maxDuration = checkDuration("maxDuration", b.maxDuration);
    this.lockTimeout = checkTimeout("lockTimeout", b.lockTimeout);
    this.statementTimeout = checkTimeout("statementTimeout", b.statementTimeout);
    this.dryRun = b.dryRun;
    this.vacuumAnalyze = b.vacuumAnalyze;
    this.lockScope = b.lockScope == null ? "" : b.lockScope;
    this.busyRetries = b.busyRetries;
    this.busyBackoff = checkDuration("busyBackoff", b.busyBackoff);
    if (maxDuration.isZero()) {
      throw invalid("maxDuration", "maxDuration must be longer than 0s.");
    }
  }

  /** Starts a request with the spec's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The rules, in the order they run. */
  public List<DeletionRule> rules() {
    return rules;
  }

  /** Rows deleted per batch; each batch is its own transaction. */
  public int batchSize() {
    return batchSize;
  }

  /** Pause after each batch, leaving room for the application. */
  public Duration pauseBetweenBatches() {
    return pauseBetweenBatches;
  }

  /** Time budget of a run; checked between batches. */
  public Duration maxDuration() {
    return maxDuration;
  }

  /** lock_timeout of each batch ({@link Duration#ZERO}: none). */
  public Duration lockTimeout() {
    return lockTimeout;
  }

  /** statement_timeout of each batch and count ({@link Duration#ZERO}: none). */
  public Duration statementTimeout() {
    return statementTimeout;
  }

  /** Count matching rows per rule and delete nothing. */
  public boolean dryRun() {
    return dryRun;
  }

  /** Run VACUUM (ANALYZE) on the tables that lost rows. */
  public boolean vacuumAnalyze() {
    return vacuumAnalyze;
  }

  /**
   * What the per-rule advisory locks are scoped to, e.g. {@code namespace/name} of the resource:
   * runners with the same scope and rule name never run batches at the same time.
   */
  public String lockScope() {
    return lockScope;
  }

  /** How often a busy batch (lock or statement timeout) is shrunk and retried in a row. */
  public int busyRetries() {
    return busyRetries;
  }

  /** Wait before the first retry of a busy batch; later retries wait longer. */
  public Duration busyBackoff() {
    return busyBackoff;
  }

  private static Duration checkDuration(String field, Duration value) {
    if (value == null || value.isNegative()) {
      throw invalid(field, field + " must be zero or a positive duration.");
    }
    return value;
  }

  private static Duration checkTimeout(String field, Duration value) {
    checkDuration(field, value);
    if (value.toMillis() > Integer.MAX_VALUE) {
      throw invalid(field, field + " must be below 24 days.");
    }
    return value;
  }

  private static CleanupException invalid(String field, String message) {
    return new CleanupException(CleanupErrorCode.INVALID_REQUEST, field, message);
  }

  /** Builds a {@link CleanupRequest}. */
  public static final class Builder {
    private final List<DeletionRule> rules = new ArrayList<>();
    private int batchSize = 1000;
    private Duration pauseBetweenBatches = Duration.ofMillis(50);
    private Duration maxDuration = Duration.ofMinutes(30);
    private Duration lockTimeout = Duration.ofSeconds(5);
    private Duration statementTimeout = Duration.ofSeconds(30);
    private boolean dryRun;
    private boolean vacuumAnalyze;
    private String lockScope;
    private int busyRetries = 5;
    private Duration busyBackoff = Duration.ofMillis(200);

    private Builder() {}

    /** Adds a rule; rules run in the order added. */
    public Builder rule(DeletionRule rule) {
      rules.add(rule);
      return this;
    }

    /** Default 1000. */
    public Builder batchSize(int value) {
      batchSize = value;
      return this;
    }

    /** Default 50ms. */
    public Builder pauseBetweenBatches(Duration value) {
      pauseBetweenBatches = value;
      return this;
    }

    /** Default 30m. */
    public Builder maxDuration(Duration value) {
      maxDuration = value;
      return this;
    }

    /** Default 5s. */
    public Builder lockTimeout(Duration value) {
      lockTimeout = value;
      return this;
    }

    /** Default 30s. */
    public Builder statementTimeout(Duration value) {
      statementTimeout = value;
      return this;
    }

    /** Default false. */
    public Builder dryRun(boolean value) {
      dryRun = value;
      return this;
    }

    /** Default false. */
    public Builder vacuumAnalyze(boolean value) {
      vacuumAnalyze = value;
      return this;
    }

    /** Default empty: all runners share one scope. */
    public Builder lockScope(String value) {
      lockScope = value;
      return this;
    }

    /** Default 5. */
    public Builder busyRetries(int value) {
      busyRetries = value;
      return this;
    }

    /** Default 200ms. */
    public Builder busyBackoff(Duration value) {
      busyBackoff = value;
      return this;
    }

    public CleanupRequest build() {
      return new CleanupRequest(this);
    }
  }
}
