package dev.pitstop.migration;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlIdentifiers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to migrate and how; build with {@link #builder(List)}. Field names follow the
 * DatabaseMigration spec, and invalid values are reported with {@link ErrorCode#INVALID_REQUEST}
 * naming the field.
 */
public final class MigrationRequest {

  /** The history table used when none is given. */
  public static final String DEFAULT_HISTORY_TABLE = "pitstop_schema_history";

  /** The baseline version used when none is given (Flyway's default). */
  public static final String DEFAULT_BASELINE_VERSION = "1";

  /** The baseline description used when none is given (Flyway's default). */
  public static final String DEFAULT_BASELINE_DESCRIPTION = "<< Flyway Baseline >>";

  private final List<MigrationScript> scripts;
  private final QualifiedName historyTable;
  private final MigrationVersion targetVersion;
  private final boolean outOfOrder;
  private final ChecksumMismatchPolicy onChecksumMismatch;
  private final Duration lockTimeout;
  private final Duration statementTimeout;
  private final Duration lockWaitTimeout;
  private final String installedBy;
  private final boolean skipDefaultCallbacks;
  private final Placeholders placeholders;
  private final boolean baselineOnMigrate;
  private final MigrationVersion baselineVersion;
  private final String baselineDescription;

  private MigrationRequest(Builder b) {
    this.scripts = List.copyOf(b.scripts);
    this.historyTable = parseHistoryTable(b.historyTable);
    this.targetVersion = parseTarget(b.targetVersion);
    this.outOfOrder = b.outOfOrder;
    this.onChecksumMismatch = Objects.requireNonNull(b.onChecksumMismatch, "onChecksumMismatch");
    this.lockTimeout = checkDuration("lockTimeout", b.lockTimeout);
    this.statementTimeout = checkDuration("statementTimeout", b.statementTimeout);
    this.lockWaitTimeout = checkDuration("lockWaitTimeout", b.lockWaitTimeout);
    this.installedBy = b.installedBy;
    this.skipDefaultCallbacks = b.skipDefaultCallbacks;
    if (installedBy != null && (installedBy.isBlank() || installedBy.length() > 100)) {
      throw invalid("installedBy", "installedBy must be 1 to 100 characters long.");
    }
    this.placeholders = parsePlaceholders(b);
    this.baselineOnMigrate = b.baselineOnMigrate;
    this.baselineVersion = parseBaselineVersion(b.baselineVersion);
    this.baselineDescription = b.baselineDescription;
    if (baselineDescription == null
        || baselineDescription.isBlank()
        || baselineDescription.length() > 200) {
      throw invalid("baselineDescription", "baselineDescription must be 1 to 200 characters long.");
    }
  }

  /** Starts a request for these scripts, with the defaults described on each builder method. */
  public static Builder builder(List<MigrationScript> scripts) {
    return new Builder(scripts);
  }

  /** Returns the scripts as given. */
  public List<MigrationScript> scripts() {
    return scripts;
  }

  /** Returns the history table; its schema is {@code null} when the session's schema applies. */
  public QualifiedName historyTable() {
    return historyTable;
  }

  /** Returns the version to stop at, or {@code null} for the latest. */
  public MigrationVersion targetVersion() {
    return targetVersion;
  }

  /**
   * A warning when the database is already above {@link #targetVersion()} (e.g. target 5, database
   * at 8): migrations are never undone, so such a run applies nothing, which "up to date" alone
   * would hide; empty otherwise.
   *
   * @param currentVersion the highest applied version after the run, or {@code null}
   */
  public java.util.Optional<String> aboveTarget(String currentVersion) {
    if (targetVersion == null || currentVersion == null) {
      return java.util.Optional.empty();
    }
    MigrationVersion current;
    try {
      current = MigrationVersion.parse(currentVersion);
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty();
    }
    if (current.compareTo(targetVersion) <= 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(
        "the database is at version "
            + currentVersion
            + ", above targetVersion "
            + targetVersion
            + ": migrations are never undone, so nothing was applied");
  }

  /** Tells whether pending versions lower than the current one are applied. */
  public boolean outOfOrder() {
    return outOfOrder;
  }

  /** Returns what to do about changed applied scripts. */
  public ChecksumMismatchPolicy onChecksumMismatch() {
    return onChecksumMismatch;
  }

  /** Returns the lock_timeout of each migration ({@link Duration#ZERO}: none). */
  public Duration lockTimeout() {
    return lockTimeout;
  }

  /** Returns the statement_timeout of each migration ({@link Duration#ZERO}: none). */
  public Duration statementTimeout() {
    return statementTimeout;
  }

  /** Returns how long to wait for another runner's lock ({@link Duration#ZERO}: do not wait). */
  public Duration lockWaitTimeout() {
    return lockWaitTimeout;
  }

  /** Returns the installed_by value, or {@code null} for the session's current_user. */
  public String installedBy() {
    return installedBy;
  }

  /**
   * Tells whether SQL callback files ({@code beforeMigrate.sql}, ...) are skipped: neither checked
   * nor run, as with Flyway's {@code skipDefaultCallbacks}.
   */
  public boolean skipDefaultCallbacks() {
    return skipDefaultCallbacks;
  }

  /** Returns the placeholders replaced in the scripts' text ({@link Placeholders}). */
  public Placeholders placeholders() {
    return placeholders;
  }

  private static Placeholders parsePlaceholders(Builder b) {
    String field = "placeholders";
    if (b.placeholderPrefix == null || b.placeholderPrefix.isEmpty()) {
      field = "placeholderPrefix";
    } else if (b.placeholderSuffix == null || b.placeholderSuffix.isEmpty()) {
      field = "placeholderSuffix";
    }
    try {
      return Placeholders.of(
          Objects.requireNonNull(b.placeholders, "placeholders"),
          b.placeholderReplacement,
          b.placeholderPrefix,
          b.placeholderSuffix);
    } catch (IllegalArgumentException e) {
      throw invalid(field, e.getMessage() + ".");
    }
  }

  /**
   * Tells whether {@code migrate} baselines a non-empty schema that has no history table (records
   * {@link #baselineVersion} and applies only later versions) instead of refusing it.
   */
  public boolean baselineOnMigrate() {
    return baselineOnMigrate;
  }

  /** Returns the version a baseline records (default {@value #DEFAULT_BASELINE_VERSION}). */
  public MigrationVersion baselineVersion() {
    return baselineVersion;
  }

  /**
   * Returns the description a baseline records (default {@value #DEFAULT_BASELINE_DESCRIPTION}).
   */
  public String baselineDescription() {
    return baselineDescription;
  }

  private static MigrationVersion parseBaselineVersion(String text) {
    try {
      if (text != null && !text.isBlank() && text.strip().length() <= 50) {
        return MigrationVersion.parse(text.strip());
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw invalid(
        "baselineVersion",
        "baselineVersion must be a version such as \"1\" or \"1.2\" (at most 50 characters),"
            + " not \""
            + text
            + "\".");
  }

  private static QualifiedName parseHistoryTable(String text) {
    if (text != null && text.isBlank()) {
      throw invalid("historyTable", "historyTable must name a table, not be empty");
    }
    try {
      return SqlIdentifiers.qualified(text == null ? DEFAULT_HISTORY_TABLE : text);
    } catch (IllegalArgumentException e) {
      throw invalid("historyTable", "historyTable " + e.getMessage());
    }
  }

  private static MigrationVersion parseTarget(String text) {
    if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("latest")) {
      return null;
    }
    try {
      return MigrationVersion.parse(text.strip());
    } catch (IllegalArgumentException e) {
      throw invalid(
          "targetVersion",
          "targetVersion must be \"latest\" or a version such as \"5\" or \"1.2\", not \""
              + text
              + "\".");
    }
  }

  private static Duration checkDuration(String field, Duration value) {
    if (value == null || value.isNegative() || value.toMillis() > Integer.MAX_VALUE) {
      throw invalid(field, field + " must be zero or a positive duration below 24 days.");
    }
    return value;
  }

  private static MigrationException invalid(String field, String message) {
    return new MigrationException(ErrorCode.INVALID_REQUEST, field, message);
  }

  /** Builds a {@link MigrationRequest}; {@link #build()} validates every field. */
  public static final class Builder {
    private final List<MigrationScript> scripts;
    private String historyTable = DEFAULT_HISTORY_TABLE;
    private String targetVersion = "latest";
    private boolean outOfOrder;
    private ChecksumMismatchPolicy onChecksumMismatch = ChecksumMismatchPolicy.FAIL;
    private Duration lockTimeout = Duration.ofSeconds(10);
    private Duration statementTimeout = Duration.ZERO;
    private Duration lockWaitTimeout = Duration.ofMinutes(10);
    private String installedBy;
    private boolean skipDefaultCallbacks;
    private Map<String, String> placeholders = Map.of();
    private boolean placeholderReplacement = true;
    private String placeholderPrefix = Placeholders.DEFAULT_PREFIX;
    private String placeholderSuffix = Placeholders.DEFAULT_SUFFIX;
    private boolean baselineOnMigrate;
    private String baselineVersion = DEFAULT_BASELINE_VERSION;
    private String baselineDescription = DEFAULT_BASELINE_DESCRIPTION;

    private Builder(List<MigrationScript> scripts) {
      this.scripts = Objects.requireNonNull(scripts, "scripts");
    }

    /**
     * Sets the history table, {@code table} or {@code schema.table} (default {@value
     * #DEFAULT_HISTORY_TABLE}; {@code flyway_schema_history} adopts Flyway's).
     */
    public Builder historyTable(String historyTable) {
      this.historyTable = historyTable;
      return this;
    }

    /** Sets the version to stop at, or {@code latest} (the default). */
    public Builder targetVersion(String targetVersion) {
      this.targetVersion = targetVersion;
      return this;
    }

    /** Allows applying pending versions lower than the current one (default false). */
    public Builder outOfOrder(boolean outOfOrder) {
      this.outOfOrder = outOfOrder;
      return this;
    }

    /** Sets what to do about changed applied scripts (default {@code FAIL}). */
    public Builder onChecksumMismatch(ChecksumMismatchPolicy onChecksumMismatch) {
      this.onChecksumMismatch = onChecksumMismatch;
      return this;
    }

    /** Sets lock_timeout for each migration (default 10s; zero means none). */
    public Builder lockTimeout(Duration lockTimeout) {
      this.lockTimeout = lockTimeout;
      return this;
    }

    /** Sets statement_timeout for each migration (default zero: none). */
    public Builder statementTimeout(Duration statementTimeout) {
      this.statementTimeout = statementTimeout;
      return this;
    }

    /** Sets how long to wait for another runner's lock (default 10 minutes). */
    public Builder lockWaitTimeout(Duration lockWaitTimeout) {
      this.lockWaitTimeout = lockWaitTimeout;
      return this;
    }

    /** Sets the installed_by value (default: the session's current_user). */
    public Builder installedBy(String installedBy) {
      this.installedBy = installedBy;
      return this;
    }

    /** Skips SQL callback files, as Flyway's {@code skipDefaultCallbacks} (default false). */
    public Builder skipDefaultCallbacks(boolean skipDefaultCallbacks) {
      this.skipDefaultCallbacks = skipDefaultCallbacks;
      return this;
    }

    /**
     * Sets the placeholder values replaced in the scripts, keys in any case (default none; the
     * built-ins {@code flyway:...} are always set).
     */
    public Builder placeholders(Map<String, String> placeholders) {
      this.placeholders = placeholders;
      return this;
    }

    /** Sets whether placeholders are replaced at all (default true). */
    public Builder placeholderReplacement(boolean placeholderReplacement) {
      this.placeholderReplacement = placeholderReplacement;
      return this;
    }

    /** Sets what starts a placeholder (default <code>${</code>). */
    public Builder placeholderPrefix(String placeholderPrefix) {
      this.placeholderPrefix = placeholderPrefix;
      return this;
    }

    /** Sets what ends a placeholder (default <code>}</code>). */
    public Builder placeholderSuffix(String placeholderSuffix) {
      this.placeholderSuffix = placeholderSuffix;
      return this;
    }

    /**
     * Makes {@code migrate} baseline a non-empty schema without history table instead of refusing
     * it (default false).
     */
    public Builder baselineOnMigrate(boolean baselineOnMigrate) {
      this.baselineOnMigrate = baselineOnMigrate;
      return this;
    }

    /** Sets the version a baseline records (default {@value #DEFAULT_BASELINE_VERSION}). */
    public Builder baselineVersion(String baselineVersion) {
      this.baselineVersion = baselineVersion;
      return this;
    }

    /** Sets the description a baseline records (default {@value #DEFAULT_BASELINE_DESCRIPTION}). */
    public Builder baselineDescription(String baselineDescription) {
      this.baselineDescription = baselineDescription;
      return this;
    }

    /**
     * Validates and builds the request.
     *
     * @throws MigrationException with {@link ErrorCode#INVALID_REQUEST} naming the bad field
     */
    public MigrationRequest build() {
      return new MigrationRequest(this);
    }
  }
}
