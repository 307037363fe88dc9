package dev.pitstop.migration.impact;

import dev.pitstop.database.HostPort;
import dev.pitstop.migration.ErrorCode;
import dev.pitstop.migration.MigrationException;
import dev.pitstop.sql.ServerMessages;
import dev.pitstop.sql.SqlErrorKind;
import dev.pitstop.sql.SqlIdentifiers;
import dev.pitstop.sql.SqlState;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database a plan creates on the scratch server, fills with a copy of the target's schema, runs
 * the pending migrations in, and drops. Named {@code pitstop_plan_<random>}; leftovers of a planner
 * that was killed are dropped by the next plan on that server.
 *
 * <p>From its creation to {@link #close()} it keeps one idle session open in the database, so that
 * another plan's clean-up, which only drops {@code pitstop_plan_} databases nobody is connected to,
 * never drops it while in use.
 */
final class ScratchDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScratchDatabase.class);

  /** Prefix of every scratch database's name; followed by 12 random hex digits. */
  static final String PREFIX = "pitstop_plan_";

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int ATTEMPTS = 3;

  private final String name;
  private final DataSource dataSource;
  private final ScratchServer server;
  private final Connection holder;
  private final List<String> notCopied;

  private ScratchDatabase(
      String name,
      DataSource dataSource,
      ScratchServer server,
      Connection holder,
      List<String> notCopied) {
    this.name = name;
    this.dataSource = dataSource;
    this.server = server;
    this.holder = holder;
    this.notCopied = List.copyOf(notCopied);
  }

  /**
   * Creates a new, empty scratch database with the encoding and locale of {@code like}; when the
   * scratch server refuses that locale, with the encoding and locale C (which suits every
   * encoding), and when it refuses the encoding too, with the server's defaults ({@link
   * #notCopied()} says so).
   *
   * @throws dev.pitstop.migration.MigrationException {@code PLAN_SCRATCH_UNAVAILABLE} naming the
   *     missing privilege (CREATEDB) or the server error, when it cannot be created
   */
  static ScratchDatabase create(ScratchServer server, TargetDatabase like) {
    String where = hosts(server);
    try (Connection admin = server.admin().getConnection()) {
      admin.setAutoCommit(true);
      requireCreateDb(admin, where);
      dropLeftovers(admin);
      for (int attempt = 1; ; attempt++) {
        String name = PREFIX + HexFormat.of().formatHex(randomBytes(6));
        List<String> notCopied = createLike(admin, name, like, where);
        DataSource dataSource = server.database(name);
        try {
          return new ScratchDatabase(
              name, dataSource, server, dataSource.getConnection(), notCopied);
        } catch (SQLException e) {
          // another plan's clean-up may drop it before this first session gets in: make another
          if (!SqlState.INVALID_CATALOG_NAME.equals(e.getSQLState()) || attempt == ATTEMPTS) {
            drop(admin, name);
            throw unavailable(
                "Cannot connect to the plan's scratch database "
                    + name
                    + " on "
                    + where
                    + ": "
                    + ServerMessages.describe(e)
                    + "; nothing was changed.",
                e);
          }
        }
      }
    } catch (SQLException e) {
      throw unavailable(
          "Cannot reach the server for the plan's scratch database, "
              + where
              + ": "
              + ServerMessages.describe(e)
              + "; nothing was changed.",
          e);
    }
  }

  String name() {
    return name;
  }

  /** What of the target database the scratch database could not take (its encoding, say). */
  List<String> notCopied() {
    return notCopied;
  }

  /**
   * {@code CREATE DATABASE name}: like the target (with its locale provider), else with the libc
   * provider, else with its encoding and locale C, else with the server's defaults.
   *
   * @return what the database lacks of the target's: nothing, its locale provider, its locale, or
   *     its encoding and locale
   */
  private static List<String> createLike(
      Connection admin, String name, TargetDatabase like, String where) {
    String create = "CREATE DATABASE " + SqlIdentifiers.quote(name) + " WITH TEMPLATE template0";
    String encoding = " ENCODING " + SqlIdentifiers.literal(like.encoding());
    String locale = "LC_COLLATE " + like.collate() + ", LC_CTYPE " + like.ctype();
    String likeTarget =
        create
            + encoding
            + " LC_COLLATE "
            + SqlIdentifiers.literal(like.collate())
            + " LC_CTYPE "
            + SqlIdentifiers.literal(like.ctype());
    List<String> notCopied = new ArrayList<>();
    if (!like.provider().isLibc()) {
      try {
        execute(admin, likeTarget + like.provider().clause());
        return List.of();
      } catch (SQLException e) {
        notCopied.add(
            "locale provider "
                + like.provider().label()
                + " of the database: the copy uses libc (the scratch server refused it: "
                + ServerMessages.describe(e)
                + ")");
      }
    }
    String why;
    try {
      execute(admin, likeTarget);
      return notCopied;
    } catch (SQLException e) {
      why = ServerMessages.describe(e);
    }
    try {
      execute(admin, create + encoding + " LC_COLLATE 'C' LC_CTYPE 'C'");
      notCopied.add(
          "locale "
              + locale
              + " of the database: the copy uses C (the scratch server refused it: "
              + why
              + ")");
      return notCopied;
    } catch (SQLException e) {
      // the encoding too, then
    }
    try {
      execute(admin, create);
      notCopied.add(
          "encoding "
              + like.encoding()
              + " and locale "
              + locale
              + " of the database: the copy has the scratch server's defaults (it refused them: "
              + why
              + ")");
      return notCopied;
    } catch (SQLException e) {
      throw unavailable(
          "Cannot create the plan's scratch database on "
              + where
              + ": "
              + ServerMessages.describe(e)
              + "; nothing was changed.",
          e);
    }
  }

  private static void execute(Connection admin, String sql) throws SQLException {
    try (Statement statement = admin.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Sessions to the scratch database. */
  DataSource dataSource() {
    return dataSource;
  }

  /** Drops the scratch database, ending any session still in it. */
  @Override
  public void close() {
    try {
      holder.close();
    } catch (SQLException e) {
      LOG.debug("Closing the idle session in scratch database {}: {}", name, e.getMessage());
    }
    try (Connection admin = server.admin().getConnection();
        Statement statement = admin.createStatement()) {
      admin.setAutoCommit(true);
      statement.execute("DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name) + " WITH (FORCE)");
    } catch (SQLException | RuntimeException e) {
      LOG.warn(
          "Could not drop the plan's scratch database {} on {}; the next plan there drops it: {}",
          name,
          hosts(server),
          e instanceof SQLException s ? ServerMessages.describe(s) : e.toString());
    }
  }

  private static void requireCreateDb(Connection admin, String where) throws SQLException {
    try (Statement statement = admin.createStatement();
        ResultSet row =
            statement.executeQuery(
                "SELECT current_user, r.rolcreatedb OR r.rolsuper"
                    + " FROM pg_catalog.pg_roles r WHERE r.rolname = current_user")) {
      if (!row.next()) {
        return; // cannot tell; let CREATE DATABASE say
      }
      String role = row.getString(1);
      if (!row.getBoolean(2)) {
        throw MigrationException.of(
            ErrorCode.PLAN_SCRATCH_UNAVAILABLE,
            "planDatabase",
            "Role "
                + role
                + " cannot create the plan's scratch database on "
                + where
                + " (it lacks CREATEDB); grant it (ALTER ROLE "
                + roleSql(role)
                + " CREATEDB) or name another server for plans; nothing was changed.",
            false,
            null);
      }
    }
  }

  /**
   * Drops the {@code pitstop_plan_} databases of earlier plans that nobody is connected to (left by
   * a planner that was killed). Ones this role may not drop, or that a session entered meanwhile,
   * stay.
   */
  private static void dropLeftovers(Connection admin) throws SQLException {
    List<String> leftovers = new ArrayList<>();
    try (PreparedStatement query =
        admin.prepareStatement(
            "SELECT d.datname FROM pg_catalog.pg_database d"
                + " WHERE d.datname ~ ?"
                + " AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a"
                + " WHERE a.datid = d.oid)"
                + " ORDER BY d.datname")) {
      query.setString(1, "^" + PREFIX + "[0-9a-f]{12}$");
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          leftovers.add(rows.getString(1));
        }
      }
    }
    for (String leftover : leftovers) {
      // without FORCE: a session that got in since the query keeps it
      try (Statement statement = admin.createStatement()) {
        statement.execute("DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(leftover));
        LOG.info("Dropped {}, the scratch database of an earlier plan that did not end", leftover);
      } catch (SQLException e) {
        LOG.debug("Left scratch database {} in place: {}", leftover, e.getMessage());
      }
    }
  }

  private static void drop(Connection admin, String name) {
    try (Statement statement = admin.createStatement()) {
      statement.execute("DROP DATABASE IF EXISTS " + SqlIdentifiers.quote(name) + " WITH (FORCE)");
    } catch (SQLException e) {
      LOG.warn("Could not drop the plan's scratch database {}: {}", name, e.getMessage());
    }
  }

  /** The role as one writes it in SQL: bare when it is a plain lower-case name, else quoted. */
  private static String roleSql(String role) {
    return SqlIdentifiers.isSimpleIdentifier(role) && role.equals(role.toLowerCase(Locale.ROOT))
        ? role
        : SqlIdentifiers.quote(role);
  }

  private static MigrationException unavailable(String message, SQLException cause) {
    return MigrationException.of(
        ErrorCode.PLAN_SCRATCH_UNAVAILABLE,
        "planDatabase",
        message,
        SqlErrorKind.of(cause) == SqlErrorKind.TRANSIENT,
        cause);
  }

  private static String hosts(ScratchServer server) {
    return server.settings().hosts().stream()
        .map(HostPort::toString)
        .collect(Collectors.joining(","));
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    RANDOM.nextBytes(bytes);
    return bytes;
  }
}
