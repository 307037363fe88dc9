package dev.pitstop.migration.impact;

import dev.pitstop.sql.ServerMessages;
import dev.pitstop.sql.SqlIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a session of {@code migrate} gets from the target database itself rather than from its
 * schema, which the scratch copy must have too: the encoding and locale the database was created
 * with (an {@code INSERT} of a character the encoding lacks fails), and the settings {@code ALTER
 * DATABASE ... SET} and {@code ALTER ROLE ... SET} give the role that logs in (a {@code
 * search_path} that makes {@code ALTER TABLE t} mean {@code app.t}).
 *
 * @param serverVersion the target server's {@code server_version_num}, e.g. 160004
 * @param encoding the database's encoding, e.g. {@code LATIN1}
 * @param collate {@code LC_COLLATE}
 * @param ctype {@code LC_CTYPE}
 * @param settings in the order PostgreSQL lets them override each other: every role's, the
 *     database's, the role's, the role's in this database
 * @param provider the database's locale provider (PostgreSQL 15 and later), libc before
 */
record TargetDatabase(
    int serverVersion,
    String encoding,
    String collate,
    String ctype,
    List<Setting> settings,
    LocaleProvider provider) {

  /** A database whose collations come from the C library. */
  TargetDatabase(
      int serverVersion, String encoding, String collate, String ctype, List<Setting> settings) {
    this(serverVersion, encoding, collate, ctype, settings, LocaleProvider.LIBC);
  }

  /**
   * Where a database's default collation comes from: {@code libc}, {@code icu} with its ICU locale
   * (and rules, PostgreSQL 16), or {@code builtin} (PostgreSQL 17) with its locale.
   */
  record LocaleProvider(String kind, String locale, String rules) {
    static final LocaleProvider LIBC = new LocaleProvider("libc", null, null);

    boolean isLibc() {
      return kind.equals("libc");
    }

    /** The {@code CREATE DATABASE} options that give a database this provider. */
    String clause() {
      if (isLibc()) {
        return "";
      }
      String clause =
          " LOCALE_PROVIDER "
              + kind
              + (kind.equals("icu") ? " ICU_LOCALE " : " BUILTIN_LOCALE ")
              + SqlIdentifiers.literal(locale);
      return rules == null ? clause : clause + " ICU_RULES " + SqlIdentifiers.literal(rules);
    }

    /** As a user reads it: {@code icu locale de-DE}. */
    String label() {
      return kind + " locale " + locale + (rules == null ? "" : " with rules " + rules);
    }
  }

  /**
   * One setting a session in the target database starts with.
   *
   * @param from where it is set, as a user reads it: "the database", "the role app", ...
   */
  record Setting(String name, String value, String from) {
    String label() {
      return "setting " + name + " = " + value + " (of " + from + ")";
    }
  }

  TargetDatabase {
    settings = List.copyOf(settings);
  }

  /** The current database's locale provider: {@code pg_database.datlocprovider} and its locale. */
  private static LocaleProvider provider(Connection target, int serverVersion) throws SQLException {
    if (serverVersion < 150000) {
      return LocaleProvider.LIBC;
    }
    String locale = serverVersion >= 170000 ? "d.datlocale" : "d.daticulocale";
    String rules = serverVersion >= 160000 ? "d.daticurules" : "NULL";
    try (PreparedStatement statement =
            target.prepareStatement(
                "SELECT d.datlocprovider, "
                    + locale
                    + ", "
                    + rules
                    + " FROM pg_catalog.pg_database d"
                    + " WHERE d.datname = pg_catalog.current_database()");
        ResultSet row = statement.executeQuery()) {
      row.next();
      return switch (row.getString(1)) {
        case "i" -> new LocaleProvider("icu", row.getString(2), row.getString(3));
        case "b" -> new LocaleProvider("builtin", row.getString(2), null);
        default -> LocaleProvider.LIBC;
      };
    }
  }

  /** Reads the current database's traits and the settings of the session's login role there. */
  static TargetDatabase read(Connection target) throws SQLException {
    int serverVersion;
    String encoding;
    String collate;
    String ctype;
    // Prepared, as the plan's other reads of the target: a pooled session reuses the server's plan.
    try (PreparedStatement statement =
            target.prepareStatement(
                "SELECT pg_catalog.current_setting('server_version_num')::int,"
                    + " pg_catalog.pg_encoding_to_char(d.encoding), d.datcollate, d.datctype"
                    + " FROM pg_catalog.pg_database d"
                    + " WHERE d.datname = pg_catalog.current_database()");
        ResultSet row = statement.executeQuery()) {
      row.next();
      serverVersion = row.getInt(1);
      encoding = row.getString(2);
      collate = row.getString(3);
      ctype = row.getString(4);
    }
    // What the driver sets when it connects (TimeZone, DateStyle, ...) wins over the database's
    // and the role's settings, on migrate's session as on this one: those are not the copy's.
    java.util.Set<String> fromClient = new java.util.HashSet<>();
    try (PreparedStatement statement =
            target.prepareStatement(
                "SELECT pg_catalog.lower(name) FROM pg_catalog.pg_settings WHERE source = 'client'");
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        fromClient.add(rows.getString(1));
      }
    }
    List<Setting> settings = new ArrayList<>();
    try (PreparedStatement statement =
            target.prepareStatement(
                "SELECT s.setdatabase <> 0, s.setrole <> 0, session_user,"
                    + " pg_catalog.unnest(s.setconfig)"
                    + " FROM pg_catalog.pg_db_role_setting s"
                    + " WHERE s.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d"
                    + " WHERE d.datname = pg_catalog.current_database()))"
                    + " AND s.setrole IN (0, (SELECT r.oid FROM pg_catalog.pg_roles r"
                    + " WHERE r.rolname = session_user))"
                    // every role's first, the role's in this database last: the last one set wins
                    + " ORDER BY s.setrole <> 0, s.setdatabase <> 0");
        ResultSet rows = statement.executeQuery()) {
      while (rows.next()) {
        String config = rows.getString(4);
        int equals = config.indexOf('=');
        if (equals <= 0
            || fromClient.contains(config.substring(0, equals).toLowerCase(Locale.ROOT))) {
          continue;
        }
        boolean database = rows.getBoolean(1);
        boolean role = rows.getBoolean(2);
        String from =
            role
                ? "the role " + rows.getString(3) + (database ? " in the database" : "")
                : database ? "the database" : "every role";
        settings.add(new Setting(config.substring(0, equals), config.substring(equals + 1), from));
      }
    }
    return new TargetDatabase(
        serverVersion, encoding, collate, ctype, settings, provider(target, serverVersion));
  }

  /**
   * When the copy's server runs another major version of PostgreSQL than the target's: what that
   * means for the plan, to list with it. A statement only one of them knows (syntax, a function, a
   * setting) fails on the copy and not on the target, or the other way round, and some locks
   * differ.
   */
  Optional<String> versionDifference(Connection copy) throws SQLException {
    int copyVersion;
    try (PreparedStatement statement =
            copy.prepareStatement("SELECT pg_catalog.current_setting('server_version_num')::int");
        ResultSet row = statement.executeQuery()) {
      row.next();
      copyVersion = row.getInt(1);
    }
    int target = serverVersion / 10000;
    int scratch = copyVersion / 10000;
    if (target == scratch) {
      return Optional.empty();
    }
    return Optional.of(
        "PostgreSQL "
            + target
            + " of the target: the copy is on PostgreSQL "
            + scratch
            + ", which may not know the same syntax, functions and settings and takes some locks"
            + " differently; plan on a server of the target's major version");
  }

  /**
   * Sets the settings for the session of {@code copy} (as {@code SET} would; a migration's own
   * {@code SET} and the plan's timeouts come after them).
   *
   * @return a label for each setting the copy's session refused (one only a superuser may set,
   *     say), with the server's reason
   */
  List<String> apply(Connection copy) throws SQLException {
    List<String> refused = new ArrayList<>();
    boolean autoCommit = copy.getAutoCommit();
    copy.setAutoCommit(true);
    try (PreparedStatement set =
        copy.prepareStatement("SELECT pg_catalog.set_config(?, ?, false)")) {
      for (Setting setting : settings) {
        set.setString(1, setting.name());
        set.setString(2, setting.value());
        try {
          set.executeQuery().close();
        } catch (SQLException e) {
          refused.add(setting.label() + ", refused on the copy: " + ServerMessages.describe(e));
        }
      }
    } finally {
      copy.setAutoCommit(autoCommit);
    }
    return refused;
  }
}
