package dev.pitstop.cli;

import dev.pitstop.database.ConnectionSettings;
import dev.pitstop.migration.ChecksumMismatchPolicy;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.migration.MigrationRequest;
import dev.pitstop.migration.MigrationScript;
import dev.pitstop.migration.MigrationScripts;
import dev.pitstop.migration.impact.Severity;
import dev.pitstop.time.Durations;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code migrate}, {@code status} and {@code validate}, read into the same {@link
 * MigrationRequest} a DatabaseMigration's spec becomes. Everything is checked before any connection
 * is opened, so bad input never reaches the database.
 *
 * @param dir the migrations folder
 * @param request what to hand to the engine
 */
record MigrationOptions(Path dir, MigrationRequest request) {
  /** The option naming the server of a plan's scratch database, without dashes. */
  static final String PLAN_DATABASE_URL = "plan-database-url";

  /** Options that take a value, for every migration command. */
  static final Set<String> VALUES =
      Set.of(
          "dir",
          "history-table",
          "target",
          DatabaseUrl.OPTION,
          "placeholder",
          "placeholder-prefix",
          "placeholder-suffix");

  /** Flags for every migration command. */
  static final Set<String> FLAGS =
      Set.of("out-of-order", "skip-default-callbacks", "placeholder-replacement");

  /** Options that take a value, for {@code migrate} only. */
  static final Set<String> MIGRATE_VALUES =
      Set.of(
          "lock-timeout",
          "statement-timeout",
          "on-checksum-mismatch",
          "lock-wait-timeout",
          "baseline-version",
          "baseline-description",
          "fail-on",
          PLAN_DATABASE_URL);

  /** Flags for {@code migrate} only. */
  static final Set<String> MIGRATE_FLAGS = Set.of("dry-run", "baseline-on-migrate", "plan");

  /** Options that take a value, for {@code baseline}. */
  static final Set<String> BASELINE_VALUES =
      Set.of(
          "dir",
          "history-table",
          DatabaseUrl.OPTION,
          "baseline-version",
          "baseline-description",
          "lock-wait-timeout");

  /** Spec fields the engine names in its errors, and the options that set them. */
  private static final Map<String, String> OPTION_OF_FIELD =
      Map.ofEntries(
          Map.entry("historyTable", "--history-table"),
          Map.entry("targetVersion", "--target"),
          Map.entry("lockTimeout", "--lock-timeout"),
          Map.entry("statementTimeout", "--statement-timeout"),
          Map.entry("lockWaitTimeout", "--lock-wait-timeout"),
          Map.entry("placeholderPrefix", "--placeholder-prefix"),
          Map.entry("placeholderSuffix", "--placeholder-suffix"),
          Map.entry("baselineOnMigrate", "--baseline-on-migrate"),
          Map.entry("baselineVersion", "--baseline-version"),
          Map.entry("baselineDescription", "--baseline-description"),
          Map.entry("onChecksumMismatch", "--on-checksum-mismatch"));

  /**
   * Reads the options present in {@code args} (the command refused the ones it does not take).
   *
   * @throws UsageException naming the option that is missing or wrong
   */
  static MigrationOptions from(Args args) {
    Path dir = directory(args.required("dir"));
    return from(args, dir, scripts(dir));
  }

  /**
   * Reads the options of {@code baseline}, for which {@code --dir} is optional (given, its files
   * are checked as for {@code migrate}).
   */
  static MigrationOptions forBaseline(Args args) {
    if (args.value("dir").isEmpty()) {
      return from(args, null, List.of());
    }
    return from(args);
  }

  private static MigrationOptions from(Args args, Path dir, List<MigrationScript> scripts) {
    MigrationRequest.Builder builder =
        MigrationRequest.builder(scripts)
            .outOfOrder(args.flag("out-of-order"))
            .skipDefaultCallbacks(args.flag("skip-default-callbacks"))
            .baselineOnMigrate(args.flag("baseline-on-migrate"));
    args.value("baseline-version").ifPresent(builder::baselineVersion);
    args.value("baseline-description").ifPresent(builder::baselineDescription);
    args.value("history-table").ifPresent(builder::historyTable);
    args.value("target").ifPresent(builder::targetVersion);
    args.value("on-checksum-mismatch")
        .map(MigrationOptions::policy)
        .ifPresent(builder::onChecksumMismatch);
    args.value("lock-timeout")
        .map(v -> duration(v, "--lock-timeout"))
        .ifPresent(builder::lockTimeout);
    args.value("statement-timeout")
        .map(v -> duration(v, "--statement-timeout"))
        .ifPresent(builder::statementTimeout);
    args.value("lock-wait-timeout")
        .map(v -> duration(v, "--lock-wait-timeout"))
        .ifPresent(builder::lockWaitTimeout);
    builder.placeholders(placeholders(args.values("placeholder")));
    builder.placeholderReplacement(
        args.value("placeholder-replacement").map(Boolean::parseBoolean).orElse(true));
    args.value("placeholder-prefix").ifPresent(builder::placeholderPrefix);
    args.value("placeholder-suffix").ifPresent(builder::placeholderSuffix);
    try {
      return new MigrationOptions(dir, builder.build());
    } catch (MigrationException e) {
      String option = OPTION_OF_FIELD.get(e.subject());
      String message = inOptionTerms(e.getMessage());
      throw new UsageException(
          option == null || message.contains(option) ? message : option + ": " + message);
    }
  }

  /**
   * What {@code migrate --plan} was asked for.
   *
   * @param failOn the lowest severity of a finding (not allowed by a comment) that makes the plan
   *     exit with {@link Command#RISK}; null: a plan never does
   * @param scratchServer where to create the scratch database ({@code --plan-database-url}); null:
   *     on the target's server, as the target's role
   */
  record Plan(Severity failOn, ConnectionSettings scratchServer) {}

  /**
   * Reads {@code --plan} and the options only a plan takes.
   *
   * @return empty without {@code --plan}
   * @throws UsageException naming the option: {@code --fail-on} with a value other than {@code
   *     info}, {@code warning} or {@code error}, {@code --fail-on} or {@code --plan-database-url}
   *     without {@code --plan}, {@code --plan} with {@code --dry-run}, a malformed URL
   */
  static Optional<Plan> plan(Args args, Map<String, String> env) {
    if (!args.flag("plan")) {
      for (String option : List.of("fail-on", PLAN_DATABASE_URL)) {
        if (args.value(option).isPresent()) {
          throw new UsageException("--" + option + " is only taken with --plan");
        }
      }
      return Optional.empty();
    }
    if (args.flag("dry-run")) {
      throw new UsageException(
          "--plan and --dry-run cannot be given together: --plan is a dry run that also"
              + " measures each statement on a scratch copy");
    }
    Severity failOn =
        args.value("fail-on")
            .map(
                text -> {
                  Severity severity = Severity.parse(text);
                  if (severity == null) {
                    throw new UsageException(
                        "--fail-on must be info, warning or error, not '" + text + "'");
                  }
                  return severity;
                })
            .orElse(null);
    ConnectionSettings scratch = DatabaseUrl.fromOption(args, PLAN_DATABASE_URL, env).orElse(null);
    return Optional.of(new Plan(failOn, scratch));
  }

  /**
   * {@code message} with the spec field names the engine uses ({@code targetVersion}) replaced by
   * the options that set them ({@code --target}).
   */
  static String inOptionTerms(String message) {
    String text = message;
    for (Map.Entry<String, String> entry : OPTION_OF_FIELD.entrySet()) {
      // not in "spec.<field>", which names the spec's field beside the option
      text = text.replaceAll("(?<!spec\\.)\\b" + entry.getKey() + "\\b", entry.getValue());
    }
    // the option's value is written in lower case
    return text.replace("--on-checksum-mismatch to Repair", "--on-checksum-mismatch repair");
  }

  private static Path directory(String text) {
    if (text.isBlank()) {
      throw new UsageException("--dir must name a folder, not be empty");
    }
    Path dir;
    try {
      dir = Path.of(text);
    } catch (InvalidPathException e) {
      throw new UsageException("--dir " + text + " is not a valid path");
    }
    if (!Files.exists(dir)) {
      throw new UsageException("--dir " + text + " does not exist");
    }
    if (!Files.isDirectory(dir)) {
      throw new UsageException("--dir " + text + " is not a directory");
    }
    return dir;
  }

  private static List<MigrationScript> scripts(Path dir) {
    List<MigrationScript> scripts;
    try {
      scripts =
          MigrationScripts.fromDirectory(
              dir, file -> InputFiles.read(file, InputFiles.Limit.SQL, "--dir"));
    } catch (UncheckedIOException e) {
      throw new UsageException(
          "--dir " + dir + ": " + e.getMessage() + " (" + e.getCause().getMessage() + ")");
    }
    if (scripts.isEmpty()) {
      throw new UsageException("--dir " + dir + " contains no .sql files");
    }
    MigrationScripts.noMigration(scripts, "--dir " + dir)
        .ifPresent(
            why -> {
              throw new UsageException(why);
            });
    return scripts;
  }

  /** {@code --placeholder KEY=VALUE}, repeatable; a later value of the same key wins. */
  private static Map<String, String> placeholders(List<String> values) {
    Map<String, String> placeholders = new LinkedHashMap<>();
    for (String value : values) {
      int eq = value.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("--placeholder must be KEY=VALUE, not '" + value + "'");
      }
      placeholders.put(value.substring(0, eq), value.substring(eq + 1));
    }
    return placeholders;
  }

  private static Duration duration(String text, String option) {
    try {
      return Durations.parse(text, option);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static ChecksumMismatchPolicy policy(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "fail" -> ChecksumMismatchPolicy.FAIL;
      case "repair" -> ChecksumMismatchPolicy.REPAIR;
      default ->
          throw new UsageException(
              "--on-checksum-mismatch must be fail or repair, not '" + text + "'");
    };
  }
}
