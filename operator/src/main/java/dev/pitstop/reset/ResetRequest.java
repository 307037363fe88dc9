package dev.pitstop.reset;

import dev.pitstop.sql.QualifiedName;
import dev.pitstop.sql.SqlCondition;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlSplitter;
import dev.pitstop.sql.SqlStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What to reset and how; build with {@link #builder(String)}. Field names follow the SandboxReset
 * spec; invalid values are reported with {@link ResetErrorCode#INVALID_REQUEST} naming the field as
 * the caller calls it ({@link Builder#fieldNames}).
 */
public final class ResetRequest {

  /** Default statement_timeout of a reset's transaction. */
  public static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofMinutes(30);

  /** Default idle_in_transaction_session_timeout of a reset's transaction. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

  private final String confirmDatabaseName;
  private final List<String> schemas;
  private final List<TablePattern> preserveTables;
  private final List<KeepRows> preserveRows;
  private final DeletionStrategy strategy;
  private final TriggerMode triggers;
  private final boolean keepHistoryTables;
  private final List<Seed> seeds;
  private final Duration lockTimeout;
  private final Duration statementTimeout;
  private final List<String> searchPath;
  private final Duration idleTimeout;
  private final boolean vacuumAnalyze;
  private final boolean refreshMaterializedViews;
  private final UnaryOperator<String> fieldNames;

  /** A seed script split into statements. */
  record Seed(String name, List<SqlStatement> statements) {}

  private ResetRequest(Builder b) {
    this.fieldNames = b.fieldNames;
    if (b.confirmDatabaseName == null || b.confirmDatabaseName.isBlank()) {
      throw invalid(
          "confirmDatabaseName",
          "is required: the name of the database to reset, as current_database() reports it");
    }
    this.confirmDatabaseName = b.confirmDatabaseName;
    this.schemas = parseSchemas(b.schemas);
    this.preserveTables = parsePatterns(b.preserveTables);
    this.preserveRows = parseRows(b.preserveRows);
    this.strategy = Objects.requireNonNull(b.strategy, "strategy");
    this.triggers = Objects.requireNonNull(b.triggers, "triggers");
    this.keepHistoryTables = b.keepHistoryTables;
    this.seeds = parseSeeds(b.seeds);
    if (b.lockTimeout == null
        || b.lockTimeout.isNegative()
        || b.lockTimeout.toMillis() > Integer.MAX_VALUE) {
      throw invalid("lockTimeout", "must be zero or a positive duration below 24 days");
    }
    this.lockTimeout = b.lockTimeout;
    this.searchPath = parseSearchPath(b.searchPath);
    this.statementTimeout = positive(b.statementTimeout, "statementTimeout");
    this.idleTimeout = positive(b.idleTimeout, "idleTimeout");
    this.vacuumAnalyze = b.vacuumAnalyze;
    this.refreshMaterializedViews = b.refreshMaterializedViews;
  }

  private Duration positive(Duration value, String field) {
    if (value == null
        || value.isNegative()
        || value.isZero()
        || value.toMillis() > Integer.MAX_VALUE) {
      throw invalid(field, "must be a positive duration below 24 days");
    }
    return value;
  }

  /** Starts a request; {@code confirmDatabaseName} must equal the target's current_database(). */
  public static Builder builder(String confirmDatabaseName) {
    return new Builder(confirmDatabaseName);
  }

  public String confirmDatabaseName() {
    return confirmDatabaseName;
  }

  /** Returns the schemas whose tables are emptied, as stored in the catalog. */
  public List<String> schemas() {
    return schemas;
  }

  List<TablePattern> preserveTables() {
    return preserveTables;
  }

  /** Returns the rows to keep, in the order given. */
  public List<KeepRows> preserveRows() {
    return preserveRows;
  }

  public DeletionStrategy strategy() {
    return strategy;
  }

  /**
   * Whether the history tables of known migration tools are kept (the default); false keeps only
   * Pitstop's own tables.
   */
  public boolean keepHistoryTables() {
    return keepHistoryTables;
  }

  /** Returns what happens to user triggers of the emptied tables. */
  public TriggerMode triggers() {
    return triggers;
  }

  List<Seed> seeds() {
    return seeds;
  }

  /** Returns the seed names in the order they run. */
  public List<String> seedNames() {
    return seeds.stream().map(Seed::name).toList();
  }

  /** Whether the emptied tables get VACUUM (ANALYZE) after the reset commits. */
  public boolean vacuumAnalyze() {
    return vacuumAnalyze;
  }

  /** Whether the schemas' materialized views are refreshed after the reset commits. */
  public boolean refreshMaterializedViews() {
    return refreshMaterializedViews;
  }

  /** Returns lock_timeout for the reset's transaction ({@link Duration#ZERO}: none). */
  public Duration lockTimeout() {
    return lockTimeout;
  }

  /**
   * Returns the schemas of search_path for the seeds and the preserveRows expressions, as stored in
   * the catalog; empty: the session's own search_path.
   */
  public List<String> searchPath() {
    return searchPath;
  }

  /**
   * Returns statement_timeout for the reset's transaction (default {@link
   * #DEFAULT_STATEMENT_TIMEOUT}): no one statement of the reset, seeds included, runs longer.
   */
  public Duration statementTimeout() {
    return statementTimeout;
  }

  /**
   * Returns idle_in_transaction_session_timeout for the reset's transaction (default {@link
   * #DEFAULT_IDLE_TIMEOUT}): the server ends the session, rolling the reset back and releasing its
   * locks, when its client sends nothing for this long mid-transaction (a killed or hung client).
   */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** Returns the caller's name of a request field, e.g. {@code spec.preserveRows[0].where}. */
  String field(String name) {
    return fieldNames.apply(name);
  }

  ResetException invalid(String field, String problem) {
    return invalid(ResetErrorCode.INVALID_REQUEST, field, problem);
  }

  ResetException invalid(ResetErrorCode code, String field, String problem) {
    String named = field(field);
    return new ResetException(code, named, named + " " + problem + "; nothing was changed.");
  }

  private List<String> parseSchemas(List<String> given) {
    if (given == null || given.isEmpty()) {
      throw invalid("schemas", "must name at least one schema");
    }
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < given.size(); i++) {
      try {
        QualifiedName parsed = SqlIdentifiers.qualified(given.get(i));
        if (parsed.schema() != null) {
          throw new IllegalArgumentException("is a qualified name");
        }
        if (SqlIdentifiers.isSystemSchema(parsed.name())) {
          throw invalid(
              "schemas[" + i + "]",
              "names the system schema " + parsed.name() + ", which is never reset");
        }
        names.add(parsed.name());
      } catch (IllegalArgumentException e) {
        throw invalid("schemas[" + i + "]", "must be a schema name, not '" + given.get(i) + "'");
      }
    }
    return List.copyOf(names);
  }

  private List<String> parseSearchPath(List<String> given) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      String field = "searchPath[" + i + "]";
      QualifiedName parsed;
      try {
        parsed = SqlIdentifiers.qualified(given.get(i));
      } catch (IllegalArgumentException e) {
        throw invalid(field, "must be a schema name, not '" + given.get(i) + "'");
      }
      if (parsed.schema() != null) {
        throw invalid(field, "must be a schema name, not '" + given.get(i) + "'");
      }
      names.add(parsed.name());
    }
    return List.copyOf(names);
  }

  private List<TablePattern> parsePatterns(List<String> given) {
    List<TablePattern> patterns = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      try {
        patterns.add(TablePattern.parse(given.get(i)));
      } catch (IllegalArgumentException e) {
        throw invalid("preserveTables[" + i + "]", e.getMessage());
      }
    }
    return List.copyOf(patterns);
  }

  private List<KeepRows> parseRows(List<String[]> given) {
    List<KeepRows> rows = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      String field = "preserveRows[" + i + "]";
      QualifiedName table;
      try {
        table = SqlIdentifiers.qualified(given.get(i)[0]);
      } catch (IllegalArgumentException e) {
        throw invalid(field + ".table", "must be a table name: " + e.getMessage());
      }
      String where;
      try {
        where = SqlCondition.check(given.get(i)[1]);
      } catch (IllegalArgumentException e) {
        throw invalid(ResetErrorCode.INVALID_WHERE, field + ".where", e.getMessage());
      }
      rows.add(new KeepRows(table, where, field));
    }
    return List.copyOf(rows);
  }

  private List<Seed> parseSeeds(List<SeedScript> given) {
    Set<String> names = new HashSet<>();
    List<Seed> parsed = new ArrayList<>();
    for (SeedScript script : given) {
      if (script.name().isBlank()) {
        throw invalid("seed", "has a script without a name");
      }
      if (!names.add(script.name())) {
        throw invalid("seed", "has two scripts named " + script.name());
      }
      List<SqlStatement> statements = SqlSplitter.split(script.sql());
      for (SqlStatement statement : statements) {
        if (isTransactionControl(statement)) {
          throw invalid(
              ResetErrorCode.INVALID_SEED,
              "seed",
              "script "
                  + script.name()
                  + " ends or changes the transaction at line "
                  + statement.line()
                  + " ("
                  + statement.leadingTokens().get(0)
                  + "); seeds run inside the reset's one transaction");
        }
      }
      for (SqlStatement statement : statements) {
        if (statement.lacksCopyData()) {
          throw invalid(
              ResetErrorCode.INVALID_SEED,
              "seed",
              "script "
                  + script.name()
                  + " has COPY ... FROM stdin at line "
                  + statement.line()
                  + " without its inline data, which must follow on the lines after it and end"
                  + " with a line \\.");
        }
      }
      parsed.add(new Seed(script.name(), statements));
    }
    parsed.sort(Comparator.comparing(Seed::name));
    return List.copyOf(parsed);
  }

  private static boolean isTransactionControl(SqlStatement s) {
    return s.startsWith("BEGIN")
        || s.startsWith("START", "TRANSACTION")
        || s.startsWith("COMMIT")
        || s.startsWith("END")
        || s.startsWith("ABORT")
        || s.startsWith("PREPARE", "TRANSACTION")
        || (s.startsWith("ROLLBACK") && !s.startsWith("ROLLBACK", "TO"));
  }

  /** Builds a {@link ResetRequest}; {@link #build()} validates every field. */
  public static final class Builder {
    private final String confirmDatabaseName;
    private List<String> schemas = List.of("public");
    private final List<String> preserveTables = new ArrayList<>();
    private final List<String[]> preserveRows = new ArrayList<>();
    private DeletionStrategy strategy = DeletionStrategy.DELETE;
    private TriggerMode triggers = TriggerMode.KEEP;
    private boolean keepHistoryTables = true;
    private final List<SeedScript> seeds = new ArrayList<>();
    private Duration lockTimeout = Duration.ofSeconds(5);
    private Duration statementTimeout = DEFAULT_STATEMENT_TIMEOUT;
    private List<String> searchPath = List.of();
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private boolean vacuumAnalyze;
    private boolean refreshMaterializedViews;
    private UnaryOperator<String> fieldNames = UnaryOperator.identity();

    private Builder(String confirmDatabaseName) {
      this.confirmDatabaseName = confirmDatabaseName;
    }

    /** Sets the schemas whose tables are emptied (default {@code public}). */
    public Builder schemas(List<String> schemas) {
      this.schemas = schemas == null ? List.of() : List.copyOf(schemas);
      return this;
    }

    /** Adds tables to keep untouched: names or globs, optionally schema-qualified. */
    public Builder preserveTables(List<String> patterns) {
      preserveTables.addAll(patterns);
      return this;
    }

    /** Keeps the rows of {@code table} matching the boolean expression {@code where}. */
    public Builder preserveRows(String table, String where) {
      preserveRows.add(new String[] {table, where});
      return this;
    }

    /** Sets how tables are emptied (default {@link DeletionStrategy#DELETE}). */
    public Builder strategy(DeletionStrategy strategy) {
      this.strategy = strategy;
      return this;
    }

    /** Keeps the history tables of known migration tools (default true). */
    public Builder keepHistoryTables(boolean keep) {
      this.keepHistoryTables = keep;
      return this;
    }

    /** Sets what happens to user triggers while tables are emptied (default {@code KEEP}). */
    public Builder triggers(TriggerMode triggers) {
      this.triggers = triggers;
      return this;
    }

    /** Adds seed scripts; they run in name order. */
    public Builder seeds(List<SeedScript> scripts) {
      seeds.addAll(scripts);
      return this;
    }

    /** Sets lock_timeout for the reset's transaction (default 5s; zero means none). */
    public Builder lockTimeout(Duration lockTimeout) {
      this.lockTimeout = lockTimeout;
      return this;
    }

    /**
     * Sets the search_path the seeds and the preserveRows expressions run with (default: the
     * session's own); names are unquoted or double-quoted schema names.
     */
    public Builder searchPath(List<String> schemas) {
      this.searchPath = schemas == null ? List.of() : List.copyOf(schemas);
      return this;
    }

    /**
     * Sets statement_timeout for the reset's transaction (default 30 minutes; must be positive).
     */
    public Builder statementTimeout(Duration statementTimeout) {
      this.statementTimeout = statementTimeout;
      return this;
    }

    /**
     * Sets idle_in_transaction_session_timeout for the reset's transaction (default 60s; must be
     * positive).
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    /**
     * Runs VACUUM (ANALYZE) on the emptied tables after the reset commits (default false); a
     * failure there is a warning, not a failed reset.
     */
    public Builder vacuumAnalyze(boolean vacuumAnalyze) {
      this.vacuumAnalyze = vacuumAnalyze;
      return this;
    }

    /**
     * Refreshes the materialized views of the schemas after the reset commits (default false); a
     * failure there is a warning, not a failed reset.
     */
    public Builder refreshMaterializedViews(boolean refreshMaterializedViews) {
      this.refreshMaterializedViews = refreshMaterializedViews;
      return this;
    }

    /**
     * Sets how errors name request fields, e.g. {@code f -> "spec." + f} for a resource or a map to
     * command-line flags. Field names passed in look like {@code preserveRows[0].where}.
     */
    public Builder fieldNames(UnaryOperator<String> fieldNames) {
      this.fieldNames = Objects.requireNonNull(fieldNames, "fieldNames");
      return this;
    }

    /**
     * Validates and builds the request.
     *
     * @throws ResetException with {@link ResetErrorCode#INVALID_REQUEST}, {@link
     *     ResetErrorCode#INVALID_WHERE} or {@link ResetErrorCode#INVALID_SEED} naming the field
     */
    public ResetRequest build() {
      return new ResetRequest(this);
    }
  }
}
