package dev.pitstop.cli;

import dev.pitstop.api.v1alpha1.Patterns;
import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.database.WorkSessions;
import dev.pitstop.logging.KnownSecrets;
import dev.pitstop.reset.DeletionStrategy;
import dev.pitstop.reset.ResetEngine;
import dev.pitstop.reset.ResetException;
import dev.pitstop.reset.ResetRequest;
import dev.pitstop.reset.SeedScript;
import dev.pitstop.reset.TriggerMode;
import dev.pitstop.time.Durations;
import java.io.PrintStream;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code pitstop reset --confirm DBNAME [--schema S]... [--search-path S,...] [--preserve T,...]
 * [--preserve-rows 'TABLE:WHERE']... [--strategy delete|truncate] [--triggers keep|disable]
 * [--empty-history-tables] [--seed FILE]... [--lock-timeout 5s] [--vacuum-analyze]
 * [--refresh-materialized-views] [--plan]}.
 */
final class ResetCommand implements Command {
  private static final Set<String> OPTIONS =
      Set.of(
          "database-url",
          "confirm",
          "schema",
          "search-path",
          "preserve",
          "preserve-rows",
          "strategy",
          "triggers",
          "seed",
          "lock-timeout");

  @Override
  public String summary() {
    return "empty a sandbox database's user data in one transaction and reseed it"
        + " (--plan: show the plan only)";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
    Args parsed =
        Args.parse(
            args,
            OPTIONS,
            Set.of("plan", "vacuum-analyze", "refresh-materialized-views", "empty-history-tables"));
    if (!parsed.positional().isEmpty()) {
      throw new UsageException("unexpected argument '" + parsed.positional().get(0) + "'");
    }
    ResetRequest request = request(parsed);
    ConnectionSettings settings = connection(parsed, env);
    try (CommandDatabase database = CommandDatabase.open(settings).requireReachable()) {
      WorkSessions sessions = new WorkSessions(database.dataSource());
      ResetEngine engine = new ResetEngine(sessions);
      if (parsed.flag("plan")) {
        ResetReport.plan(engine.plan(request), out);
        out.println("Nothing was deleted (--plan).");
        return OK;
      }
      return ResetOnSignal.run(
          sessions,
          err,
          "pitstop reset",
          () -> {
            try {
              ResetReport.result(engine.reset(request, ResetReport.progress(out)), out);
              return OK;
            } catch (ResetException e) {
              return failed(e, err);
            }
          });
    } catch (ResetException e) {
      return failed(e, err);
    }
  }

  private static int failed(ResetException e, PrintStream err) {
    if (e.code().isBadInput()) {
      throw new UsageException(e.getMessage());
    }
    err.println("pitstop reset: " + KnownSecrets.redact(e.getMessage()));
    return FAILED;
  }

  private static ResetRequest request(Args args) {
    ResetRequest.Builder builder =
        ResetRequest.builder(args.required("confirm")).fieldNames(ResetCommand::flagOf);
    List<String> schemas = args.values("schema");
    if (!schemas.isEmpty()) {
      builder.schemas(schemas);
    }
    List<String> searchPath = new ArrayList<>();
    for (String list : args.values("search-path")) {
      Arrays.stream(list.split(","))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .forEach(searchPath::add);
    }
    builder.searchPath(searchPath);
    List<String> preserved = new ArrayList<>();
    for (String list : args.values("preserve")) {
      splitOutsideQuotes(list).stream()
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .forEach(preserved::add);
    }
    for (int i = 0; i < preserved.size(); i++) {
      // The CRD's pattern for spec.preserveTables: the API server refuses anything else.
      if (!preserved.get(i).matches(Patterns.TABLE_PATTERN)) {
        throw new UsageException(
            "--preserve #"
                + (i + 1)
                + " must be a table name or glob pattern (letters, digits, _ $ * ? [ ] and quotes,"
                + " optionally schema.table), not '"
                + preserved.get(i)
                + "'");
      }
    }
    builder.preserveTables(preserved);
    for (String rule : args.values("preserve-rows")) {
      int colon = rule.indexOf(':');
      if (colon <= 0) {
        throw new UsageException(
            "--preserve-rows must look like TABLE:WHERE, e.g. \"users:role = 'admin'\", not '"
                + rule
                + "'");
      }
      builder.preserveRows(rule.substring(0, colon).trim(), rule.substring(colon + 1));
    }
    String strategy = args.value("strategy").orElse("delete").toLowerCase(Locale.ROOT);
    builder.strategy(
        switch (strategy) {
          case "delete" -> DeletionStrategy.DELETE;
          case "truncate" -> DeletionStrategy.TRUNCATE;
          default ->
              throw new UsageException(
                  "--strategy must be delete or truncate, not '" + strategy + "'");
        });
    String triggers = args.value("triggers").orElse("keep").toLowerCase(Locale.ROOT);
    builder.triggers(
        switch (triggers) {
          case "keep" -> TriggerMode.KEEP;
          case "disable" -> TriggerMode.DISABLE;
          default ->
              throw new UsageException(
                  "--triggers must be keep or disable, not '" + triggers + "'");
        });
    builder.vacuumAnalyze(args.flag("vacuum-analyze"));
    builder.keepHistoryTables(!args.flag("empty-history-tables"));
    builder.refreshMaterializedViews(args.flag("refresh-materialized-views"));
    List<SeedScript> seeds = new ArrayList<>();
    for (String file : args.values("seed")) {
      Path path;
      try {
        path = Path.of(file);
      } catch (InvalidPathException e) {
        throw new UsageException("--seed " + file + " is not a valid path");
      }
      seeds.add(
          new SeedScript(
              path.getFileName().toString(),
              InputFiles.read(path, InputFiles.Limit.SQL, "--seed")));
    }
    builder.seeds(seeds);
    try {
      builder.lockTimeout(
          Durations.parse(args.value("lock-timeout").orElse("5s"), "--lock-timeout"));
      return builder.build();
    } catch (IllegalArgumentException | ResetException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** --database-url, else $PITSTOP_DATABASE_URL, else $DATABASE_URL. */
  static ConnectionSettings connection(Args args, Map<String, String> env) {
    String url =
        args.value("database-url")
            .or(() -> nonBlank(env.get("PITSTOP_DATABASE_URL")))
            .or(() -> nonBlank(env.get("DATABASE_URL")))
            .orElseThrow(
                () ->
                    new UsageException(
                        "no database: give --database-url or set PITSTOP_DATABASE_URL or"
                            + " DATABASE_URL"));
    KnownSecrets.addIfCredential(url);
    try {
      ConnectionSettings settings = ConnectionSettings.fromUrl(url);
      KnownSecrets.add(settings.password());
      return DatabaseUrl.withLibpqPassword(settings, env);
    } catch (IllegalArgumentException e) {
      throw new UsageException(KnownSecrets.redact(e.getMessage()));
    }
  }

  /** Names request fields the way this command's flags do. */
  private static String flagOf(String field) {
    if (field.startsWith("confirmDatabaseName")) {
      return "--confirm";
    }
    if (field.startsWith("schemas")) {
      return "--schema " + index(field);
    }
    if (field.startsWith("searchPath")) {
      return "--search-path " + index(field);
    }
    if (field.startsWith("preserveTables")) {
      return "--preserve " + index(field);
    }
    if (field.startsWith("preserveRows")) {
      return "--preserve-rows " + index(field) + field.substring(field.indexOf(']') + 1);
    }
    if (field.startsWith("lockTimeout")) {
      return "--lock-timeout";
    }
    if (field.startsWith("triggers")) {
      return "--triggers";
    }
    if (field.startsWith("seed")) {
      return "--seed";
    }
    return field;
  }

  /** {@code #2} for {@code name[1]}: people count from one. */
  private static String index(String field) {
    int open = field.indexOf('[');
    int close = field.indexOf(']');
    if (open < 0 || close < open) {
      return "";
    }
    return "#" + (Integer.parseInt(field.substring(open + 1, close)) + 1);
  }

  private static java.util.Optional<String> nonBlank(String value) {
    return value == null || value.isBlank()
        ? java.util.Optional.empty()
        : java.util.Optional.of(value);
  }

  /** Splits a comma-separated list at the commas outside double quotes ({@code "a,b",c}). */
  static List<String> splitOutsideQuotes(String list) {
    List<String> items = new ArrayList<>();
    StringBuilder item = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < list.length(); i++) {
      char c = list.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      }
      if (c == ',' && !quoted) {
        items.add(item.toString());
        item.setLength(0);
      } else {
        item.append(c);
      }
    }
    items.add(item.toString());
    return items;
  }
}
